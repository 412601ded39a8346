"""Resuming a create that ended failed or partially-created, without a new upload.

`_create` with `action=retry` and the ResourceDetails of the original create (the same
tenant, fileStoreId and type) reopens the same resource and starts its state machine
again. Validation is not repeated when its work is kept: the chunks (with the users'
usernames and passwords) and every row's outcome stay in scratch, so the loop confirms
what earlier runs may have created, sends only what is missing, and Finalize rewrites
the same processed file and the same row. A resource whose validation never finished is
validated again (nothing was sent). Reopening is a conditional write from the final
status: of concurrent retries one reopens and starts a run, the others get the reopened
row and start nothing; a retry of a retry is the same.
"""

from project_factory.domain.resources import ResourceRow, ResourceStatus
from project_factory.errors import InvalidRequestError
from project_factory.flows.intake import start_create
from project_factory.flows.ports import Ports
from project_factory.flows.scratch import ScratchKeys

RESUMABLE = frozenset({ResourceStatus.FAILED, ResourceStatus.PARTIALLY_CREATED})
_RUNNING = frozenset({ResourceStatus.DATA_ACCEPTED})


def redrive(resource_id: str, user: str, services: Ports) -> ResourceRow:
    row = services.resources.get(resource_id)
    if row.status in _RUNNING:
        # Already reopened (a concurrent retry, or the first run still going): nothing new.
        return row
    if row.status not in RESUMABLE:
        raise InvalidRequestError(
            f"resource {resource_id} is {row.status.value}: only a failed or partially-created "
            "create can be retried",
            code="RESOURCE_NOT_RETRYABLE",
            status=row.status.value,
        )
    keys = ScratchKeys(services.settings.scratch_prefix, resource_id)
    validated = services.files.get_json(keys.summary) is not None
    if not validated and "counts" in row.additionalDetails:
        # Rows were sent, and what became of them expired with the scratch area: sending
        # them again could create them twice.
        raise InvalidRequestError(
            f"resource {resource_id} can no longer be retried: its working files expired "
            f"after {services.settings.scratch_retention_days} days; upload the file again",
            code="RETRY_EXPIRED",
        )
    number = int(row.additionalDetails.get("redrives", 0)) + 1
    reopened = services.resources.reopen(
        row, {"redrives": number, "redrivenBy": user, "error": None}
    )
    if reopened is None:
        return services.resources.get(resource_id)
    # This run's Finalize gets its own retries of the last look for unconfirmed rows.
    services.files.put_json(keys.finalize_runs, 0)
    start_create(reopened, services, redrive=number)
    return reopened
