"""Starts state machine executions, named by the row id so a start is idempotent."""

import json
from contextlib import suppress
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions.client import SFNClient


class WorkflowStarter(Protocol):
    def start(self, state_machine_arn: str, name: str, payload: dict[str, Any]) -> None: ...


class StepFunctionsStarter:
    def __init__(self, client: "SFNClient") -> None:
        self._sfn = client

    def start(self, state_machine_arn: str, name: str, payload: dict[str, Any]) -> None:
        # Same name: this row's execution was started before; starting nothing is right.
        with suppress(self._sfn.exceptions.ExecutionAlreadyExists):
            self._sfn.start_execution(
                stateMachineArn=state_machine_arn, name=name, input=json.dumps(payload)
            )
