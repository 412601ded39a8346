"""DIGIT targets: facilities in the facility service, users in HRMS, boundaries in the boundary
service.

Every record carries the row's client reference, and is confirmed by it, never by field
equality and creation time (what made the original report created facilities as NOT_CREATED):

  facility  clientReferenceId               bulk create is asynchronous: rows come back
                                            `pending`, and `find` searches by clientReferenceId
  user      employee code                   HRMS keeps codes unique and searches by them;
                                            create is synchronous
  boundary  additionalDetails.              the code is the boundary's key; the reference
            clientReferenceId               tells our boundary from someone else's

Before sending a batch, each create looks up what an earlier attempt already made, so a retry
after a lost response never sends a row twice. Refusals are pinned on the rows they name
(`Errors[]` params or a `Facilities[3]`-style path); a refusal that names no row is narrowed
down by sending the batch's rows one by one, since DIGIT validates a request as a whole.

Facilities and users are RecordKeepers too (adapters/targets/base.py): rows that carry an id
update or deactivate their record, read back before each send and to confirm one
(`facility_changes`, `user_changes`; `facility_fields` maps a facility both ways).

One module per target (`facility`, `users`, `boundaries`, `projects`), with its parts beside
it (`facility_name_claims`, `boundary_search`; `project_records`, `project_tree`,
`project_bodies`, `project_search`), what they share: `sending` (batches, refusals pinned on
rows), `record_changes` (when a change is made), `search_paging` (references per call,
pages); and `factory` to wire one from settings.
"""

from project_factory.adapters.targets.digit.boundaries import BoundaryTarget
from project_factory.adapters.targets.digit.facility import FacilityTarget
from project_factory.adapters.targets.digit.factory import digit_target
from project_factory.adapters.targets.digit.users import UserTarget

__all__ = ["BoundaryTarget", "FacilityTarget", "UserTarget", "digit_target"]
