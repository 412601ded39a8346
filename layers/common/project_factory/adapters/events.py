"""Domain events on the application's EventBridge bus."""

import json
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from mypy_boto3_events.client import EventBridgeClient

SOURCE = "project-factory.campaigns"


class EventPublisher(Protocol):
    def publish(self, detail_type: str, detail: dict[str, Any]) -> None: ...


class EventBridgePublisher:
    def __init__(self, client: "EventBridgeClient", bus_name: str) -> None:
        self._events = client
        self._bus = bus_name

    def publish(self, detail_type: str, detail: dict[str, Any]) -> None:
        from project_factory.errors import TransientError

        answer = self._events.put_events(
            Entries=[
                {
                    "Source": SOURCE,
                    "DetailType": detail_type,
                    "Detail": json.dumps(detail),
                    "EventBusName": self._bus,
                }
            ]
        )
        if answer.get("FailedEntryCount"):
            entry = answer["Entries"][0]
            reason = f"{entry.get('ErrorCode')} {entry.get('ErrorMessage')}"
            raise TransientError(f"EventBridge refused {detail_type}: {reason}")
