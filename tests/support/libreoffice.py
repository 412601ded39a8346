"""Saving a workbook again with LibreOffice, as real users do (Debian package libreoffice-calc).

The Makefile's test setup installs it when missing. Without it the tests that need it are
skipped on a developer's machine, but fail in CI, where it must be there.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

requires_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None and not os.environ.get("CI"),
    reason="LibreOffice (soffice) is not installed; `make test` installs libreoffice-calc",
)


def resave(data: bytes) -> bytes:
    """The workbook after LibreOffice opened it and saved it as .xlsx again."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "filled.xlsx"
        source.write_bytes(data)
        out = Path(folder) / "out"
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{folder}/profile",
                "--headless",
                "--convert-to",
                "xlsx",
                "--outdir",
                str(out),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        return (out / "filled.xlsx").read_bytes()
