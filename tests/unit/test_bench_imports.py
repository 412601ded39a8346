"""make bench's import-time measure runs every handler's import as a cold start does."""

from local.bench import import_milliseconds
from local.template import ROOT


def test_every_handler_imports_with_the_environment_the_template_gives_it():
    # Given every handler of functions/
    handlers = {path.parent.name for path in (ROOT / "functions").glob("*/app.py")}

    # When each is imported once, in a fresh process, as the bench measures it
    timings = import_milliseconds(runs=1)

    # Then every one imported and was timed
    assert handlers and set(timings) == handlers
    assert all(milliseconds > 0 for milliseconds in timings.values())
