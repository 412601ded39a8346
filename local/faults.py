"""`make faults`: the create flow is exactly-once under faults (issue #10).

It runs the create flow of facility and user files (30 rows, chunks of 10, batches of 5)
on the local stack, into the built-in registry and into DIGIT (the fake on 127.0.0.1),
while seeded faults are injected at a rate of 0%, 10% and 30% of the calls they are about:

  5xx          the DIGIT fake answers 500/502/503/504, doing nothing
  timeout      it does the work and answers after the read timeout
  reset        it resets the connection, doing nothing
  answer_lost  it does the work, then resets the connection instead of answering
  throttle     DynamoDB throttles requests to the built-in registry's table
  s3           S3 fails scratch calls of the Create and Confirm functions (SlowDown, 500)
  crash        the Create function's process dies in the middle of a chunk (a share of
               its invocations; Runtime.ExitError)
  concurrent   ten uploads of one file created at the same moment (no injected fault)

HTTP kinds fault the facility and HRMS paths of the fake (`tests/fakes/digit_server.py`),
the others are injected where moto answers (`local/fault_injection.py`). Each kind and rate
prints one row, measured from the ground truth, never from what the flow says of itself:

  lost          rows the service holds that the processed file does not report CREATED
                (with that id), and rows missing from a processed file that the service
                does not hold either (a run that ended `failed` without a processed file,
                having created nothing, loses nothing: its rows count as not created)
  stored twice  service records beyond one per row (records sharing a business key or
                a client reference)
  sent twice    create requests for a row that already existed: counted by the fake per
                client reference; for the registry, REF claims written again (moto calls)
  phantom       rows reported CREATED (or SKIPPED with an id) that the service lacks
  not created   rows reported NOT_CREATED or FAILED (or of a failed run) that the service
                does not hold: honest failures, not losses
  attempts      the resources' counts.attempts (max)

The goal: 0 lost, 0 stored twice, 0 phantom at every rate; 0 sent twice, except for
answer_lost, where at most the answers lost. Results go to out/faults.json (one object per
row) and out/faults_runs.json (every run, with its seed and resource id); the handlers'
logs to out/faults.log. `--quick` runs one seed at 0% and 30%.
"""

import argparse
import io
import itertools
import json
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from local.fault_injection import CRASH, S3, THROTTLE, MotoFaults
from local.lambdas import set_fault_hook
from local.samples import facility_rows, user_rows, workbook_from_rows
from local.stack import LocalStack
from local.template import ROOT
from project_factory.sheets.messages import load_bundled_messages
from project_factory.sheets.spec import FACILITY, USER, SheetSpec
from tests.fakes.digit_server import ANSWER_LOST, RESET, SERVER_ERROR, TIMEOUT, FakeDigit
from tests.support.api import FINAL, ProjectFactoryClient

OUT = ROOT / "out"
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
RUN_TIMEOUT_SECONDS = 300.0
CONCURRENT = "concurrent"
CONCURRENT_UPLOADS = 10
BUILTIN, DIGIT = "builtin", "digit"
#: kind -> the targets it applies to
KINDS: dict[str, tuple[str, ...]] = {
    SERVER_ERROR: (DIGIT,),
    TIMEOUT: (DIGIT,),
    RESET: (DIGIT,),
    ANSWER_LOST: (DIGIT,),
    THROTTLE: (BUILTIN,),
    S3: (BUILTIN, DIGIT),
    CRASH: (BUILTIN, DIGIT),
    CONCURRENT: (BUILTIN, DIGIT),
}
RATES = (0.0, 0.1, 0.3)
SEEDS = (1, 2, 3)
SPECS = {"facility": FACILITY, "user": USER}
CREATED, SKIPPED = "CREATED", "SKIPPED"

_tenants = itertools.count(1)


# -- what a group of runs measured --------------------------------------------------------


@dataclass
class Measure:
    runs: int = 0
    final: int = 0
    failed_runs: int = 0
    lost_in_service: int = 0
    lost_in_neither: int = 0
    stored_twice: int = 0
    sent_twice: int = 0
    lost_answers: int = 0
    phantom: int = 0
    not_created: int = 0
    attempts: list[int] = field(default_factory=list)
    injected: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return self.lost_in_service + self.lost_in_neither

    def add(self, other: "Measure") -> None:
        for name in (
            "runs",
            "final",
            "failed_runs",
            "lost_in_service",
            "lost_in_neither",
            "stored_twice",
            "sent_twice",
            "lost_answers",
            "phantom",
            "not_created",
            "injected",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.attempts += other.attempts
        self.notes += other.notes


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


@dataclass(frozen=True)
class Record:
    """A record the service holds: its client reference, its ids, its business key."""

    ref: str
    ids: frozenset[str]
    key: str
    #: what else the service says of it (the registry: an entity without its REF claim)
    remark: str = ""


# -- the lab: a local stack (and a fake DIGIT) with faults --------------------------------


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
            resource_ids = _create_at_once(requests)
            finals = _wait_until_final(requests, resource_ids)
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
        measure.runs = len(resources)
        measure.final = sum(1 for r in resources if r is not None and r["status"] in FINAL)
        measure.failed_runs = sum(1 for r in resources if r is not None and r["status"] == "failed")
        measure.attempts = [
            int(r["additionalDetails"].get("counts", {}).get("attempts", 0))
            for r in resources
            if r is not None
        ]
        sends = self.sends(resource_type)
        for resource_id in resource_ids:
            for ref, count in sends.items():
                if ref.startswith(f"{resource_id}:") and count > 1:
                    measure.sent_twice += count - 1
                    measure.notes.append(f"{ref} sent {count} times ({self._sends_said()})")
        for resource_id, resource in zip(resource_ids, resources, strict=True):
            if resource is None:
                measure.notes.append(f"resource {resource_id} never reached a final status")
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

    def _ref_claims(
        self, tenant_id: str, resource_type: str, entities: list[dict[str, Any]]
    ) -> set[str]:
        """The client references among these entities' whose REF claim exists."""
        import boto3

        assert self.stack is not None
        table = boto3.resource("dynamodb", region_name=self.stack.region).Table(
            self.stack.physical_id("RegistryTable")
        )
        refs = sorted({str(entity["clientReferenceId"]) for entity in entities})
        found: set[str] = set()
        for ref in refs:
            key = {"pk": f"REF#{tenant_id}#{resource_type}#{ref}", "sk": "REF"}
            if "Item" in table.get_item(Key=key, ConsistentRead=True):
                found.add(ref)
        return found

    def service_records(self, tenant_id: str, resource_type: str) -> list[Record]:
        """The ground truth: every record of the tenant's type in the service."""
        if self.target == BUILTIN:
            from tests.support.checks import registry_entities

            entities = registry_entities(self.stack, tenant_id, resource_type)
            claimed = self._ref_claims(tenant_id, resource_type, entities)
            return [
                Record(
                    str(entity["clientReferenceId"]),
                    frozenset({str(entity["id"])}),
                    business_key(resource_type, entity),
                    "" if entity["clientReferenceId"] in claimed else "no REF claim",
                )
                for entity in entities
            ]
        assert self.digit is not None
        if resource_type == "facility":
            return [
                Record(
                    str(record["clientReferenceId"]),
                    frozenset({str(record["id"])}),
                    business_key("facility", record),
                )
                for record in self.digit.records("facility")
                if record["tenantId"] == tenant_id
            ]
        return [
            Record(
                str(record["code"]),
                frozenset(
                    str(value)
                    for value in (record["user"].get("uuid"), record.get("uuid"))
                    if value
                ),
                business_key("user", {"phone": record["user"].get("mobileNumber")}),
            )
            for record in self.digit.records("employee")
            if record["tenantId"] == tenant_id
        ]


def _rows(resource_type: str) -> list[dict[str, Any]]:
    return facility_rows(ROWS, invalid=0) if resource_type == "facility" else user_rows(ROWS, 0)


def _create_at_once(requests: list[tuple[ProjectFactoryClient, str, str]]) -> list[str]:
    """`_create` for every file at the same moment; the resource ids, in order."""
    barrier = threading.Barrier(len(requests))

    def create(request: tuple[ProjectFactoryClient, str, str]) -> str:
        import requests

        client, file_id, resource_type = request
        barrier.wait(timeout=60)
        for attempt in itertools.count(1):
            try:
                answer = client.create(file_id, resource_type)
                break
            except requests.ConnectionError:
                # The local API listens with socketserver's backlog of 5: a burst of
                # connections beyond it is reset. `_create` is idempotent, so ask again.
                if attempt == 5:
                    raise
                time.sleep(0.2 * attempt)
        answer.raise_for_status()
        return str(answer.json()["ResourceDetails"]["id"])

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(create, requests))


def _wait_until_final(
    requests: list[tuple[ProjectFactoryClient, str, str]], resource_ids: list[str]
) -> list[dict[str, Any] | None]:
    """Each resource's row once final (None: not final within RUN_TIMEOUT_SECONDS)."""
    by_tenant: dict[str, tuple[ProjectFactoryClient, list[str]]] = {}
    for (client, _, _), resource_id in zip(requests, resource_ids, strict=True):
        by_tenant.setdefault(client.tenant_id, (client, []))[1].append(resource_id)
    final: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
    while len(final) < len(resource_ids) and time.monotonic() < deadline:
        for client, ids in by_tenant.values():
            waiting = [resource_id for resource_id in ids if resource_id not in final]
            if not waiting:
                continue
            answer = client.search(id=waiting, limit=len(waiting))
            for row in answer.json().get("ResourceDetails") or []:
                if row["status"] in FINAL:
                    final[row["id"]] = row
        time.sleep(0.5)
    return [final.get(resource_id) for resource_id in resource_ids]


def _header(code: str) -> str:
    return load_bundled_messages().text(code, "en_IN")


def processed_statuses(
    client: ProjectFactoryClient, resource: Mapping[str, Any] | None, spec: SheetSpec
) -> dict[int, tuple[str, str | None]] | None:
    """Sheet row number -> (#status#, id column) of the processed file, read by header text
    (None: no processed file)."""
    from openpyxl import load_workbook

    if resource is None or not resource.get("processedFileStoreId"):
        return None
    data = client.download(resource["processedFileStoreId"])
    book = load_workbook(io.BytesIO(data), read_only=True)
    try:
        sheet = book[_header(spec.data_sheet)]
        rows = list(sheet.iter_rows(values_only=True))
    finally:
        book.close()
    assert spec.id_column is not None
    id_header = _header(spec.id_column)
    index = next((i for i, cells in enumerate(rows) if "#status#" in [str(c) for c in cells]), None)
    if index is None:
        raise ValueError("the processed file has no #status# column")
    header = [str(cell) if cell is not None else "" for cell in rows[index]]
    status_at, id_at = header.index("#status#"), header.index(id_header)
    statuses = {}
    for number, cells in enumerate(rows[index + 1 :], start=index + 2):
        if not any(cell is not None for cell in cells):
            continue
        value = cells[id_at] if id_at < len(cells) else None
        statuses[number] = (str(cells[status_at]), str(value) if value else None)
    return statuses


def business_key(resource_type: str, fields: Mapping[str, Any]) -> str:
    """A facility's name (case and spacing aside), a user's phone (digits, no leading 0),
    from a record or from an input row (column codes)."""
    if resource_type == "facility":
        name = fields.get("name", fields.get("HCM_ADMIN_CONSOLE_FACILITY_NAME"))
        return " ".join(str(name or "").split()).lower()
    phone = fields.get("phone", fields.get("HCM_ADMIN_CONSOLE_USER_PHONE_NUMBER"))
    return "".join(ch for ch in str(phone or "") if ch.isdigit()).lstrip("0")


def compare(
    *,
    rows_by_number: Mapping[int, Mapping[str, Any]],
    key_of: Any,
    reports: Mapping[str, dict[int, tuple[str, str | None]] | None],
    records: list[Record],
) -> Measure:
    """Lost, stored twice, phantom and not created, from the processed files of the
    resources that created these rows (one, or several uploads of the same rows) and the
    records the service holds."""
    measure = Measure()
    by_key: dict[str, list[Record]] = {}
    for record in records:
        by_key.setdefault(record.key, []).append(record)
    measure.stored_twice = len(records) - _distinct(records)
    for key, same in by_key.items():
        if len(same) > 1:
            measure.notes.append(f"{key!r} stored {len(same)} times: {[r.ref for r in same]}")
    for number, row in rows_by_number.items():
        key = key_of(row)
        held = by_key.get(key, [])
        ids = {record_id for record in held for record_id in record.ids}
        said = {rid: (report or {}).get(number) for rid, report in reports.items()}
        for resource_id, (status, reported_id) in (
            (rid, answer) for rid, answer in said.items() if answer is not None
        ):
            if status in (CREATED, SKIPPED) and reported_id and reported_id not in ids:
                measure.phantom += 1
                measure.notes.append(
                    f"{resource_id}:{number} reported {status} {reported_id}, "
                    f"the service holds {sorted(ids) or 'nothing'}"
                )
            elif status == CREATED and not reported_id:
                measure.phantom += 1
                measure.notes.append(f"{resource_id}:{number} reported CREATED without an id")
        for record in held:
            owner, _, owner_number = record.ref.rpartition(":")
            answer = said.get(owner) if owner_number == str(number) else None
            if answer is None or answer[0] != CREATED or answer[1] not in record.ids:
                measure.lost_in_service += 1
                measure.notes.append(
                    f"{record.ref} is in the service ({sorted(record.ids)}"
                    f"{', ' + record.remark if record.remark else ''}), the processed "
                    f"file says {answer or 'nothing'}"
                )
        if held or any(answer and answer[0] == CREATED for answer in said.values()):
            continue  # accounted for above (a phantom, if nothing is held)
        files = [answer for rid, answer in said.items() if reports[rid] is not None]
        if any(answer is None for answer in files):
            measure.lost_in_neither += 1
            measure.notes.append(f"row {number} ({key!r}) is neither in the service nor reported")
        else:
            measure.not_created += 1
    return measure


def _distinct(records: list[Record]) -> int:
    """How many rows the records stand for: records sharing a reference or a key are one."""
    parent = list(range(len(records)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple[str, str], int] = {}
    for index, record in enumerate(records):
        for label in (("ref", record.ref), ("key", record.key)):
            if label in first:
                parent[root(index)] = root(first[label])
            else:
                first[label] = index
    return len({root(index) for index in range(len(records))})


# -- the table ----------------------------------------------------------------------------


@dataclass
class Row:
    kind: str
    rate: float
    targets: list[str]
    measure: Measure = field(default_factory=Measure)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        m = self.measure
        return {
            "kind": self.kind,
            "rate": self.rate,
            "runs": m.runs,
            "final": m.final,
            "lost": m.lost,
            "stored_twice": m.stored_twice,
            "sent_twice": m.sent_twice,
            "phantom": m.phantom,
            "attempts": max(m.attempts, default=0),
            "attempts_mean": round(sum(m.attempts) / len(m.attempts), 2) if m.attempts else 0,
            "lost_in_service": m.lost_in_service,
            "lost_in_neither": m.lost_in_neither,
            "lost_answers": m.lost_answers,
            "not_created": m.not_created,
            "failed_runs": m.failed_runs,
            "faults_injected": m.injected,
            "targets": self.targets,
            "seconds": round(self.seconds, 1),
        }

    def violations(self) -> list[str]:
        """What breaks the goal (empty: exactly once)."""
        m, found = self.measure, []
        if m.final < m.runs:
            found.append(f"{m.runs - m.final} runs never reached a final status")
        for name in ("lost", "stored_twice", "phantom"):
            if getattr(m, name):
                found.append(f"{name} = {getattr(m, name)}")
        bound = m.lost_answers if self.kind == ANSWER_LOST else 0
        if m.sent_twice > bound:
            found.append(f"sent_twice = {m.sent_twice} > {bound}")
        return found


def summarise(groups: Sequence[Group]) -> list[Row]:
    rows: dict[tuple[str, float], Row] = {}
    for group in groups:
        row = rows.setdefault((group.kind, group.rate), Row(group.kind, group.rate, []))
        if group.target not in row.targets:
            row.targets.append(group.target)
        row.measure.add(group.measure)
    seconds: dict[tuple[str, float, str, int], float] = {}
    for group in groups:
        seconds[(group.kind, group.rate, group.target, group.seed)] = group.seconds
    for (kind, rate, _, _), value in seconds.items():
        rows[(kind, rate)].seconds += value
    return list(rows.values())


def render(rows: Sequence[Row], title: str) -> Any:
    from rich.table import Table

    table = Table(title=title)
    columns = (
        ("kind", "left"),
        ("rate", "right"),
        ("on", "left"),
        ("runs", "right"),
        ("final", "right"),
        ("lost", "right"),
        ("stored twice", "right"),
        ("sent twice", "right"),
        ("answers lost", "right"),
        ("phantom", "right"),
        ("not created", "right"),
        ("failed runs", "right"),
        ("attempts", "right"),
        ("faults", "right"),
        ("s", "right"),
    )
    for name, justify in columns:
        table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for row in rows:
        data = row.to_json()
        style = "red" if row.violations() else None
        table.add_row(
            row.kind,
            f"{row.rate:.0%}",
            "+".join(row.targets),
            *(
                str(data[name])
                for name in (
                    "runs",
                    "final",
                    "lost",
                    "stored_twice",
                    "sent_twice",
                    "lost_answers",
                    "phantom",
                    "not_created",
                    "failed_runs",
                )
            ),
            f"{data['attempts']} (mean {data['attempts_mean']})",
            str(data["faults_injected"]),
            f"{data['seconds']:.0f}",
            style=style,
        )
    return table


# -- main ---------------------------------------------------------------------------------


def plan(quick: bool) -> list[tuple[str, str, float, int]]:
    """(target, kind, rate, seed) of every group, grouped by target (one stack each)."""
    rates = (0.0, 0.3) if quick else RATES
    seeds = SEEDS[:1] if quick else SEEDS
    groups = []
    for target in (BUILTIN, DIGIT):
        for kind, targets in KINDS.items():
            if target not in targets:
                continue
            if kind == CONCURRENT:
                groups += [(target, kind, 0.0, seed) for seed in seeds[:2]]
            else:
                groups += [(target, kind, rate, seed) for rate in rates for seed in seeds]
    return groups


def run(groups: Sequence[tuple[str, str, float, int]], say: Any = print) -> list[Group]:
    done: list[Group] = []
    for target, members in itertools.groupby(groups, key=lambda group: group[0]):
        say(f"bringing up the local stack with the {target} target ...")
        with FaultLab(target) as lab:
            for _, kind, rate, seed in members:
                results = lab.run_group(kind, rate, seed)
                done += results
                measure = Measure()
                for result in results:
                    measure.add(result.measure)
                verdict = "ok" if not Row(kind, rate, [], measure).violations() else "VIOLATION"
                say(
                    f"  {target:7} {kind:11} {rate:4.0%} seed {seed}: {measure.runs} runs, "
                    f"{measure.final} final, {measure.injected} faults, "
                    f"{results[0].seconds:.0f} s  {verdict}"
                )
    return done


@contextmanager
def _logs_to(path: Any) -> Iterator[io.TextIOWrapper]:
    """The handlers' output (stdout and stderr, at the descriptor level) goes to `path`;
    yields a stream on the real stdout for the progress and the table."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved_out, saved_err = os.dup(1), os.dup(2)
    console = open(os.dup(saved_out), "w", buffering=1)  # noqa: SIM115 (closed below)
    with open(path, "w") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield console
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved_out, 1)
            os.dup2(saved_err, 2)
            os.close(saved_out)
            os.close(saved_err)
            console.close()


def main(argv: Sequence[str] | None = None) -> int:
    from rich.console import Console

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed, at 0%% and 30%%")
    options = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    started = time.monotonic()
    with _logs_to(OUT / "faults.log") as stream:
        console = Console(file=stream, width=200, highlight=False)
        groups = run(plan(options.quick), say=console.print)
        rows = summarise(groups)
        minutes = (time.monotonic() - started) / 60
        title = (
            f"The create flow under faults ({ROWS}-row files, chunks of "
            f"{PARAMETERS['ChunkSize']}, batches of {PARAMETERS['CreateBatchSize']}, "
            f"MaxRetries {PARAMETERS['MaxRetries']}; {minutes:.1f} min)"
        )
        console.print(render(rows, title))
        (OUT / "faults.json").write_text(json.dumps([row.to_json() for row in rows], indent=2))
        (OUT / "faults_runs.json").write_text(
            json.dumps([_group_json(group) for group in groups], indent=2)
        )
        broken = [(row, found) for row in rows if (found := row.violations())]
        for row, found in broken:
            console.print(f"[red]{row.kind} at {row.rate:.0%}: {'; '.join(found)}[/red]")
            for group in groups:
                if group.kind == row.kind and group.rate == row.rate and group.measure.notes:
                    console.print(
                        f"  {group.target} {group.resource_type} seed {group.seed} "
                        f"resources {group.resource_ids} {group.statuses}:"
                    )
                    for note in group.measure.notes[:10]:
                        console.print(f"    {note}")
        console.print("out/faults.json, out/faults_runs.json; handler logs in out/faults.log")
    return 1 if broken else 0


def _group_json(group: Group) -> dict[str, Any]:
    data = asdict(group)
    data["measure"]["lost"] = group.measure.lost
    return data


if __name__ == "__main__":
    sys.exit(main())
