"""A real headless Chromium for the browser tests: Debian's `chromium`, driven by Playwright
for Python (pinned in requirements/dev.txt) through `executable_path`, since Playwright's
own browser download is not available on these machines.

The Makefile's test setup installs the package when it is missing (as root, with apt).
Without it (or without Playwright) `browser()` skips the tests that ask for it on a
developer's machine, but fails them in CI (CI=true), where it must be there, saying what
is missing.
"""

import importlib.util
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
#: Headless, and quiet on the network: without the background-networking flags Chromium
#: keeps connecting to Google's services, which this closed network refuses.
ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def missing() -> str | None:
    """What the browser tests lack (None: nothing)."""
    if importlib.util.find_spec("playwright") is None:
        return "Playwright for Python is not installed (requirements/dev.txt pins it)"
    if not CHROMIUM.exists():
        return f"Chromium is not installed at {CHROMIUM}; `make test` installs Debian's chromium"
    return None


@contextmanager
def browser() -> Iterator[Any]:
    """A launched headless Chromium (a Playwright Browser), closed at the end. Without one,
    the test that asks is skipped, or fails under CI."""
    problem = missing()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"the browser tests cannot run: {problem}", pytrace=False)
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(ARGS))
        try:
            yield launched
        finally:
            launched.close()
