"""`make run`: the main job on the embedded default, start to finish.

Brings up the local stack, uploads the bundled sample workbooks (facilities and users,
each with a few invalid rows, plus a clean copy of each) through the FileStore API,
creates them through `_create`, and prints what became of each. The built-in registry
fails a share of first attempts on purpose, so the retry loop shows in the attempts.
Processed workbooks are written to ./out/.
"""

import sys
from pathlib import Path

from local.samples import facility_workbook, user_workbook
from local.stack import LocalStack
from tests.support.api import ProjectFactoryClient

OUT = Path("out")
DEMO_PARAMETERS = {
    "RegistryTransientFailureRate": "0.25",
    "BackoffSeconds": "1",
    "BackoffMaxSeconds": "4",
    "LogLevel": "ERROR",
}
SAMPLES = (
    ("facility", "facilities_with_errors.xlsx", lambda: facility_workbook(rows=25, invalid=3)),
    ("facility", "facilities.xlsx", lambda: facility_workbook(rows=40, invalid=0)),
    ("user", "users_with_errors.xlsx", lambda: user_workbook(rows=25, invalid=3)),
    ("user", "users.xlsx", lambda: user_workbook(rows=40, invalid=0)),
)


def main() -> int:
    OUT.mkdir(exist_ok=True)
    print("Bringing up template.yaml on the local stack ...", flush=True)
    with LocalStack(parameter_overrides=DEMO_PARAMETERS) as stack, stack.http_api() as url:
        client = ProjectFactoryClient(url, tenant_id="mz")
        started = []
        for resource_type, name, build in SAMPLES:
            file_store_id = client.upload(build(), name)
            answer = client.create(file_store_id, resource_type)
            answer.raise_for_status()
            started.append((resource_type, name, answer.json()["ResourceDetails"]["id"]))
            print(f"  uploaded {name:32} -> _create {resource_type:9} accepted", flush=True)
        print("Waiting for the state machines ...", flush=True)
        header = (
            f"{'file':32} {'type':9} {'status':18} {'total':>5} {'created':>7} "
            f"{'invalid':>7} {'failed':>6} {'attempts':>8}"
        )
        lines, failures = [header, "-" * len(header)], 0
        for resource_type, name, resource_id in started:
            row = client.wait_until_final(resource_id, timeout=300)
            counts = row["additionalDetails"].get("counts", {})
            if row.get("processedFileStoreId"):
                (OUT / f"processed_{name}").write_bytes(
                    client.download(row["processedFileStoreId"])
                )
            failures += row["status"] == "failed"
            lines.append(
                f"{name:32} {resource_type:9} {row['status']:18} {counts.get('total', 0):>5} "
                f"{counts.get('created', 0):>7} {counts.get('invalid', 0):>7} "
                f"{counts.get('failed', 0):>6} {counts.get('attempts', 0):>8}"
            )
    print("\n".join(lines))
    print(f"\nProcessed workbooks are in {OUT.resolve()}/ (see #status# and #errorDetails#).")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
