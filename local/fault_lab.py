"""`make faults`' lab: a local stack for one target (and a fake DIGIT), its HTTP API, the
fault hooks, and the runs of one kind, rate and seed measured from the ground truth
(local/faults.py)."""

import itertools
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from local.fault_client import create_at_once, processed_statuses, wait_until_final
from local.fault_injection import CRASH, S3, THROTTLE, MotoFaults
from local.fault_measure import Measure, Record, business_key, compare
from local.fault_records import digit_records, registry_records
from local.lambdas import set_fault_hook
from local.samples import facility_rows, user_rows, workbook_from_rows
from local.stack import LocalStack
from project_factory.sheets.spec import FACILITY, USER
from tests.fakes.digit_server import FakeDigit
from tests.support.api import FINAL, ProjectFactoryClient

ROWS = 30
#: small chunks and batches so a file spans several of each; waits as tests/conftest.FAST
PARAMETERS = {
    "ChunkSize": "10",
    "CreateBatchSize": "5",
    "MaxRetries": "5",
    "BackoffSeconds": "1",
    "BackoffMaxSeconds": "1",
    "ConfirmDelaySeconds": "1",
    "HttpReadTimeoutSeconds": "0.5",
    "LogLevel": "ERROR",
}
#: a timed-out answer comes this long after the request (the read timeout is 0.5 s)
TIMEOUT_DELAY_SECONDS = 1.0
#: what the HTTP kinds fault: the calls Create, Confirm and Finalize make
DIGIT_PREFIXES = ("/facility/", "/health-hrms/")
DIGIT_PREFIX_OF = {"facility": "/facility/", "user": "/health-hrms/"}
CONCURRENT = "concurrent"
CONCURRENT_UPLOADS = 10
BUILTIN, DIGIT = "builtin", "digit"
SPECS = {"facility": FACILITY, "user": USER}

_tenants = itertools.count(1)


@dataclass(frozen=True)
class Group:
    """One file type's runs under one kind, rate and seed, on one target."""

    kind: str
    rate: float
    seed: int
    target: str
    resource_type: str
    resource_ids: list[str]
    statuses: list[str | None]
    seconds: float
    measure: Measure


class FaultLab:
    """The local stack for one target, its HTTP API, and the fault hooks."""

    def __init__(self, target: str, parameters: Mapping[str, str] | None = None) -> None:
        if target not in (BUILTIN, DIGIT):
            raise ValueError(f"targets are {BUILTIN} and {DIGIT}, not {target!r}")
        self.target = target
        self.parameters = dict(PARAMETERS if parameters is None else parameters)
        self.digit: FakeDigit | None = None
        self.stack: LocalStack | None = None
        self.moto: MotoFaults | None = None
        self.url = ""
        self._api: Any = None

    def __enter__(self) -> "FaultLab":
        parameters = dict(self.parameters)
        try:
            if self.target == DIGIT:
                self.digit = FakeDigit(lifetime_seconds=6 * 3600).start()
                parameters |= {
                    "FacilityTarget": "digit",
                    "UserTarget": "digit",
                    "FacilityServiceUrl": self.digit.url,
                    "HrmsServiceUrl": self.digit.url,
                }
            self.stack = LocalStack(parameter_overrides=parameters).__enter__()
            self._api = self.stack.http_api()
            self.url = self._api.__enter__()
            self.moto = MotoFaults(registry_table=self.stack.physical_id("RegistryTable"))
            set_fault_hook(self.moto)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        set_fault_hook(None)
        if self._api is not None:
            self._api.__exit__(None, None, None)
            self._api = None
        if self.stack is not None:
            self.stack.__exit__(None, None, None)
            self.stack = None
        if self.digit is not None:
            self.digit.stop()
            self.digit = None

    # -- faults ---------------------------------------------------------------------------

    def inject(self, kind: str, rate: float, seed: int) -> None:
        assert self.moto is not None
        if kind in (THROTTLE, S3, CRASH):
            self.moto.inject(kind, rate, seed)
        elif kind != CONCURRENT:
            assert self.digit is not None, f"{kind} faults need the DIGIT target"
            self.digit.inject(kind, rate, seed, DIGIT_PREFIXES, delay_seconds=TIMEOUT_DELAY_SECONDS)

    def clear(self) -> None:
        assert self.moto is not None
        self.moto.clear()
        if self.digit is not None:
            self.digit.clear_faults()

    def _injected(self, kind: str, resource_type: str) -> int:
        assert self.moto is not None
        if kind in (THROTTLE, S3, CRASH):
            return self.moto.injected[kind]
        if self.digit is None or kind == CONCURRENT:
            return 0
        return self.digit.injected(DIGIT_PREFIX_OF[resource_type])[kind]

    def _lost_answers(self, resource_type: str) -> int:
        if self.digit is None:
            return 0
        return self.digit.lost_answers(DIGIT_PREFIX_OF[resource_type])

    # -- runs -----------------------------------------------------------------------------

    def run_group(
        self,
        kind: str,
        rate: float,
        seed: int,
        resource_types: Sequence[str] = ("facility", "user"),
    ) -> list[Group]:
        """Each file type created under the fault at the same time (one plan for all), then
        measured once the faults are off. `concurrent`: ten uploads of each file at once."""
        uploads = CONCURRENT_UPLOADS if kind == CONCURRENT else 1
        prepared = []
        for resource_type in resource_types:
            # A tenant per file: nothing of another run is in its service records.
            client = ProjectFactoryClient(self.url, tenant_id=f"mz.f{next(_tenants)}")
            rows = _rows(resource_type)
            data = workbook_from_rows(SPECS[resource_type], rows)
            file_ids = [client.upload(data, f"{resource_type}s.xlsx") for _ in range(uploads)]
            before = (self._injected(kind, resource_type), self._lost_answers(resource_type))
            prepared.append((resource_type, client, rows, file_ids, before))
        started = time.monotonic()
        self.inject(kind, rate, seed)
        try:
            requests = [
                (client, file_id, resource_type)
                for resource_type, client, _, file_ids, _ in prepared
                for file_id in file_ids
            ]
            resource_ids = create_at_once(requests)
            finals = wait_until_final(requests, resource_ids)
        finally:
            self.clear()
        seconds = time.monotonic() - started
        groups, position = [], 0
        for resource_type, client, rows, _, (injected, lost_answers) in prepared:
            ids = resource_ids[position : position + uploads]
            resources = finals[position : position + uploads]
            position += uploads
            measure = self._measure(client, resource_type, rows, ids, resources)
            if kind in (THROTTLE, S3, CRASH):
                # One plan for the whole group, whose calls name no file: counted once.
                measure.injected = self._injected(kind, resource_type) - injected
                measure.injected *= resource_type == resource_types[0]
            else:
                measure.injected = self._injected(kind, resource_type) - injected
            measure.lost_answers = self._lost_answers(resource_type) - lost_answers
            statuses = [resource["status"] if resource else None for resource in resources]
            groups.append(
                Group(kind, rate, seed, self.target, resource_type, ids, statuses, seconds, measure)
            )
        return groups

    # -- measuring ------------------------------------------------------------------------

    def _measure(
        self,
        client: ProjectFactoryClient,
        resource_type: str,
        rows: list[dict[str, Any]],
        resource_ids: list[str],
        resources: list[dict[str, Any] | None],
    ) -> Measure:
        spec = SPECS[resource_type]
        records = self.service_records(client.tenant_id, resource_type)
        reports = {
            resource_id: processed_statuses(client, resource, spec)
            for resource_id, resource in zip(resource_ids, resources, strict=True)
        }
        measure = compare(
            rows_by_number={number: row for number, row in enumerate(rows, start=2)},
            key_of=lambda row: business_key(resource_type, row),
            reports=reports,
            records=records,
        )
        _count_runs(measure, resource_ids, resources)
        sends = self.sends(resource_type)
        for resource_id in resource_ids:
            for ref, count in sends.items():
                if ref.startswith(f"{resource_id}:") and count > 1:
                    measure.sent_twice += count - 1
                    measure.notes.append(f"{ref} sent {count} times ({self._sends_said()})")
        return measure

    def _sends_said(self) -> str:
        if self.target == BUILTIN:
            return "REF claims written to the registry"
        return "create requests reaching the fake"

    def sends(self, resource_type: str) -> Counter[str]:
        """Per client reference: how many times the service was asked to create it."""
        if self.target == BUILTIN:
            assert self.moto is not None
            return self.moto.ref_writes_for("")
        assert self.digit is not None
        kind = "facility" if resource_type == "facility" else "employee"
        # A request beyond the first that reached an existing record: repeats + 1.
        return Counter({ref: n + 1 for ref, n in self.digit.repeats(kind).items()})

    def service_records(self, tenant_id: str, resource_type: str) -> list[Record]:
        """The ground truth: every record of the tenant's type in the service."""
        if self.target == BUILTIN:
            assert self.stack is not None
            return registry_records(self.stack, tenant_id, resource_type)
        assert self.digit is not None
        return digit_records(self.digit, tenant_id, resource_type)


def _rows(resource_type: str) -> list[dict[str, Any]]:
    return facility_rows(ROWS, invalid=0) if resource_type == "facility" else user_rows(ROWS, 0)


def _count_runs(
    measure: Measure, resource_ids: list[str], resources: list[dict[str, Any] | None]
) -> None:
    """The runs, those final and failed, their attempts, and any never final."""
    ended = [resource for resource in resources if resource is not None]
    measure.runs = len(resources)
    measure.final = sum(1 for resource in ended if resource["status"] in FINAL)
    measure.failed_runs = sum(1 for resource in ended if resource["status"] == "failed")
    measure.attempts = [
        int(resource["additionalDetails"].get("counts", {}).get("attempts", 0))
        for resource in ended
    ]
    for resource_id, resource in zip(resource_ids, resources, strict=True):
        if resource is None:
            measure.notes.append(f"resource {resource_id} never reached a final status")
