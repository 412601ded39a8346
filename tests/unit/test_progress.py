"""The progress a client reads, derived from what the steps store."""

from project_factory.progress import chunk_state, started, summary


def _chunk(rows: int, created: int, failed: int, pending: int, **extra) -> dict:
    defaults = {"attempt": 1, "stage": "creating", "next_at": 0}
    return chunk_state(
        rows=rows, created=created, failed=failed, pending=pending, **(defaults | extra)
    )


def test_while_reading_rows_are_counted_as_read_and_none_is_done():
    # Given a run still validating / When it is summarised / Then the rows read are counted,
    # and none is done yet (so done never goes down once creating starts)
    assert summary(started("validating", validated=3000)) == {
        "stage": "validating",
        "validated": 3000,
        "done": 0,
    }


def test_chunks_not_yet_reported_count_as_pending():
    # Given 10 rows, 8 to create in 4 chunks of 2, one chunk reported after its attempt
    stored = started("creating", validated=10, total=10, toCreate=8, chunks=4)
    stored["chunkStates"]["0"] = _chunk(2, created=1, failed=0, pending=1, next_at=9000)
    # When it is summarised
    answer = summary(stored)
    # Then the three silent chunks' rows are pending, and done counts the rest
    assert answer["pending"] == 1 + 6
    assert answer["done"] == 10 - 7
    assert (answer["chunksDone"], answer["attempt"], answer["nextRetryAt"]) == (0, 1, 9000)


def test_confirming_shows_when_a_chunk_waits_for_its_search():
    # Given one chunk created and another waiting to confirm its bulk create
    stored = started("creating", validated=4, total=4, toCreate=4, chunks=2)
    stored["chunkStates"]["0"] = _chunk(2, created=2, failed=0, pending=0, attempt=2)
    stored["chunkStates"]["1"] = _chunk(2, 0, 0, 2, stage="confirming", next_at=5)
    # When it is summarised
    answer = summary(stored)
    # Then the stage is confirming, one chunk done, the latest attempt and the soonest wait
    assert (answer["stage"], answer["chunksDone"], answer["attempt"]) == ("confirming", 1, 2)
    assert answer["nextRetryAt"] == 5


def test_finalizing_has_every_row_done():
    # Given a run at Finalize with rows never created
    stored = started("finalizing", validated=4, total=4, toCreate=4, chunks=1)
    stored["chunkStates"]["0"] = _chunk(4, created=1, failed=1, pending=2, attempt=3)
    # Then its rows are all done (Finalize settles them), the counts as they were
    answer = summary(stored)
    assert (answer["done"], answer["pending"], answer["failed"]) == (4, 2, 1)
