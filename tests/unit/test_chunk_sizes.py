"""Chunks sized for the Map (#14): a file big enough yields 4 x MapMaxConcurrency chunks,
none smaller than MIN_CHUNK_ROWS nor larger than ChunkSize, in whole CreateBatchSize
batches; the row count is the data sheet's own `<dimension>`."""

from typing import Any

import pytest

from local.samples import facility_rows, workbook_from_rows
from project_factory.domain.resources import ResourceRow
from project_factory.flows.validate import CHUNKS_PER_SLOT, MIN_CHUNK_ROWS, _chunk_size
from project_factory.sheets.messages import load_bundled_messages
from project_factory.sheets.row_estimate import estimated_rows
from project_factory.sheets.spec import BOUNDARY_WITH_TARGET, FACILITY
from tests.support.settings import wired_settings


def _row(resource_type: str = "facility") -> ResourceRow:
    fields: dict[str, Any] = {
        "id": "r-1",
        "tenantId": "mz",
        "type": resource_type,
        "fileStoreId": "f-1",
        "action": "create",
        "hierarchyType": "ADMIN",
        "status": "data-accepted",
        "auditDetails": {
            "createdBy": "u",
            "createdTime": 1,
            "lastModifiedBy": "u",
            "lastModifiedTime": 1,
        },
    }
    return ResourceRow(**fields)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [(100_000, 1000), (20_000, 600), (10_000, 300), (1_000, MIN_CHUNK_ROWS), (30, MIN_CHUNK_ROWS)],
)
def test_a_file_is_cut_into_four_chunks_per_parallel_slot_in_whole_batches(rows, expected):
    # Given ChunkSize 1000, MapMaxConcurrency 8 and CreateBatchSize 100
    settings = wired_settings(chunk_size=1000, map_max_concurrency=8, create_batch_size=100)
    # When the chunk size of a file of `rows` data rows (its last row one more) is chosen
    size = _chunk_size(_row(), settings, rows + 1)
    # Then it is the bound, or whole batches that make at least 4 x 8 chunks
    assert size == expected
    assert size % 100 == 0
    if MIN_CHUNK_ROWS < size < 1000:
        assert -(-rows // size) >= CHUNKS_PER_SLOT * 8


def test_a_chunk_smaller_than_a_batch_is_not_rounded_away():
    # Given CreateBatchSize 500, more than the 313 rows a chunk needs for 4 x 8 chunks
    settings = wired_settings(chunk_size=1000, map_max_concurrency=8, create_batch_size=500)
    # When the chunk size of a 10,000-row file is chosen / Then it stays 313
    assert _chunk_size(_row(), settings, 10_001) == 313


def test_without_a_row_count_the_configured_chunk_size_stands():
    # When a file's size is not known, ChunkSize is used as it is
    assert _chunk_size(_row(), wired_settings(chunk_size=700), None) == 700


def test_a_small_configured_chunk_size_is_never_raised():
    # Given ChunkSize 4 (tests of the retry loop cut files that fine)
    assert _chunk_size(_row(), wired_settings(chunk_size=4), 10_000) == 4


def test_boundary_and_target_files_stay_one_chunk():
    # Then boundaries and targets are created in one chunk, in file order
    for resource_type in ("boundary", "boundaryWithTarget"):
        assert _chunk_size(_row(resource_type), wired_settings(), 50_000) > 50_000


def test_the_row_count_is_read_from_the_data_sheets_dimension():
    # Given a workbook of 250 facility rows below the header
    data = workbook_from_rows(FACILITY, facility_rows(250, invalid=0))
    # When its rows are estimated
    estimate = estimated_rows(data, FACILITY, load_bundled_messages())
    # Then the dimension's last row is answered (the header included)
    assert estimate == 251


def test_a_file_read_across_tabs_or_not_a_workbook_has_no_estimate():
    messages = load_bundled_messages()
    data = workbook_from_rows(FACILITY, facility_rows(3, invalid=0))
    assert estimated_rows(data, BOUNDARY_WITH_TARGET, messages) is None
    assert estimated_rows(b"not a workbook", FACILITY, messages) is None
