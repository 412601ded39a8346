"""`pf` as an administrator runs it: a separate process against a separately served stack.

Each command is `python -m pf --api-url URL --token TOKEN ...` in a subprocess, so what is
proven is what a terminal gets: the exit code, what it prints and the files it writes.
The registry fails every row's first attempt and one attempt is allowed, so a create ends
with rows not created and `pf retry` has something to resume.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e import workbooks as wb
from tests.e2e.retry_files import facility_file
from tests.support.served_stack import READ_ROLE, free_port

NAMES = ["Kolo Depot 1", "Kolo Depot 2", "Kolo Depot 3"]
PF_TIMEOUT_SECONDS = 300


@pytest.fixture(scope="module")
def served_overrides() -> dict[str, str]:
    return {"RegistryTransientFailureRate": "1", "MaxRetries": "1"}


def pf(served, token: str | None, *arguments: str, cwd: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pf", "--api-url", served.url, "--poll-seconds", "0.2"]
    if token is not None:
        command += ["--token", token]
    return subprocess.run(
        [*command, *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=PF_TIMEOUT_SECONDS,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )


def _create_args(path: Path, tenant_id: str) -> list[str]:
    return [
        "create",
        str(path),
        "--type",
        "facility",
        "--tenant",
        tenant_id,
        "--hierarchy",
        "ADMIN",
    ]


def _resource_id(output: str) -> str:
    [line] = [line for line in output.splitlines() if line.startswith("resource ")]
    return line.split()[1]


@pytest.fixture
def filled(integrator, tmp_path) -> Path:
    path = tmp_path / "kolo facilities.xlsx"
    path.write_bytes(facility_file(integrator, NAMES))
    return path


def test_pf_create_uploads_follows_and_saves_the_processed_file_beside_the_input(
    served, integrator, filled, tmp_path
):
    # Given a filled template and an admin's token
    token = served.mint([integrator.tenant_id])
    # When `pf create` runs it (one attempt, which the registry fails)
    run = pf(
        served,
        token,
        *_create_args(filled, integrator.tenant_id),
        cwd=tmp_path,
    )
    # Then it exits 3 (rows not created) with the summary, the processed file beside the input
    assert run.returncode == 3, run.stdout + run.stderr
    assert "failed" in run.stdout and "notCreated" in run.stdout, run.stdout
    processed = tmp_path / "kolo facilities.processed.xlsx"
    rows = wb.sheet_rows(processed.read_bytes(), wb.FACILITY_NAME)
    wb.assert_each_input_row_once_with_a_final_status(rows, wb.FACILITY_NAME, NAMES)
    # And `pf retry` resumes it: every row created, exit 0, the new processed file saved
    resource_id = _resource_id(run.stdout)
    retried = pf(
        served,
        token,
        "retry",
        resource_id,
        "--tenant",
        integrator.tenant_id,
        "-o",
        "retried.xlsx",
        cwd=tmp_path,
    )
    assert retried.returncode == 0, retried.stdout + retried.stderr
    rows = wb.sheet_rows((tmp_path / "retried.xlsx").read_bytes(), wb.FACILITY_NAME)
    assert [row[wb.STATUS] for row in rows] == ["CREATED"] * len(NAMES)
    # And `pf status` and `pf search` show it created
    status = pf(
        served, token, "status", resource_id, "--tenant", integrator.tenant_id, cwd=tmp_path
    )
    assert status.returncode == 0 and "created" in status.stdout, status.stdout + status.stderr
    found = pf(served, token, "search", "--tenant", integrator.tenant_id, cwd=tmp_path)
    assert found.returncode == 0 and resource_id in found.stdout, found.stdout + found.stderr


def test_pf_create_validate_only_reports_invalid_rows_and_exits_2(
    served, integrator, filled, tmp_path
):
    # Given a filled template with one capacity that is not a number
    book = wb.open_book(filled.read_bytes())
    sheet, header_row, columns = wb.data_sheet(book, wb.FACILITY_NAME)
    sheet.cell(header_row + 1, columns[wb.CAPACITY]).value = "lots"
    filled.write_bytes(wb.save(book))
    # When it is validated only
    run = pf(
        served,
        served.mint([integrator.tenant_id]),
        *_create_args(filled, integrator.tenant_id),
        "--validate-only",
        cwd=tmp_path,
    )
    # Then it exits 2 (invalid), naming the row, and nothing was created
    assert run.returncode == 2, run.stdout + run.stderr
    assert "invalid" in run.stdout and f"row {header_row + 1} INVALID" in run.stdout, run.stdout
    assert integrator.search(type="facility", status="created") == []


def test_pf_generate_saves_the_template_and_pf_download_fetches_a_file(
    served, integrator, tmp_path
):
    # Given an admin's token
    token = served.mint([integrator.tenant_id])
    # When a facility template is generated to a file
    run = pf(
        served,
        token,
        "generate",
        "--type",
        "facilityWithBoundary",
        "--tenant",
        integrator.tenant_id,
        "--hierarchy",
        "ADMIN",
        "-o",
        "template.xlsx",
        cwd=tmp_path,
    )
    # Then the file is the template (its facility sheet is there, with its headers)
    assert run.returncode == 0, run.stdout + run.stderr
    book = wb.open_book((tmp_path / "template.xlsx").read_bytes())
    _, _, columns = wb.data_sheet(book, wb.FACILITY_NAME)
    assert wb.FACILITY_TYPE in columns, columns
    # And `pf download` fetches a stored file by its id
    file_store_id = integrator.upload(b"hello", "note.txt")
    fetched = pf(
        served,
        token,
        "download",
        file_store_id,
        "--tenant",
        integrator.tenant_id,
        "-o",
        "note.txt",
        cwd=tmp_path,
    )
    assert fetched.returncode == 0, fetched.stdout + fetched.stderr
    assert (tmp_path / "note.txt").read_bytes() == b"hello"


@pytest.mark.parametrize(
    ("roles", "code"), [(None, "HTTP_401"), ([READ_ROLE], "ROLE_FORBIDDEN")], ids=["none", "read"]
)
def test_pf_shows_the_api_code_and_exits_1_when_refused(
    served, integrator, filled, tmp_path, roles, code
):
    # Given no token, or a reader's
    token = None if roles is None else served.mint([integrator.tenant_id], roles)
    # When `pf create` is run with it
    run = pf(
        served,
        token,
        *_create_args(filled, integrator.tenant_id),
        cwd=tmp_path,
    )
    # Then it exits 1 and says the API's code
    assert run.returncode == 1, run.stdout + run.stderr
    assert code in run.stderr, run.stderr


def test_pf_json_status_is_the_resource_row_for_scripts(served, integrator, filled, tmp_path):
    # Given a file validated through the API
    resource = integrator.create_and_wait(integrator.upload(filled.read_bytes()), "facility")
    # When a script asks `pf --json status`
    run = pf(
        served,
        served.mint([integrator.tenant_id]),
        "--json",
        "status",
        resource["id"],
        "--tenant",
        integrator.tenant_id,
        cwd=tmp_path,
    )
    # Then stdout is the row as JSON, nothing else
    assert run.returncode == 0, run.stderr
    row = json.loads(run.stdout)
    assert (row["id"], row["status"]) == (resource["id"], resource["status"])


def test_pf_exits_2_for_a_request_the_api_refuses_as_invalid(served, tmp_path):
    # Given a tenant id outside the pattern (the token claims it, so only the pattern refuses)
    token = served.mint(["MZ"])
    # When it is searched
    run = pf(served, token, "search", "--tenant", "MZ", cwd=tmp_path)
    # Then the exit code is 2 and the API's code is shown, not a traceback
    assert run.returncode == 2, run.stdout + run.stderr
    assert "INVALID_TENANT" in run.stderr and "Traceback" not in run.stderr, run.stderr


def test_pf_exits_1_with_one_line_when_the_api_is_unreachable(tmp_path):
    # Given an API address nothing listens on
    command = [sys.executable, "-m", "pf", "--api-url", f"http://127.0.0.1:{free_port()}"]
    # When a search is asked of it
    run = subprocess.run(
        [*command, "search", "--tenant", "mz"],
        capture_output=True,
        text=True,
        timeout=PF_TIMEOUT_SECONDS,
        cwd=tmp_path,
    )
    # Then it exits 1 saying so, without a traceback
    assert run.returncode == 1, run.stdout + run.stderr
    assert "API_UNREACHABLE" in run.stderr and "Traceback" not in run.stderr, run.stderr
