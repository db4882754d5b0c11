"""Debian's chromium, headless: load a page, let its scripts run, return the DOM."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

DEBIAN_CHROMIUM = "/usr/bin/chromium"
# No network, no background services: the report must render from the file alone.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def chromium_or_skip() -> str:
    """The chromium binary; missing, it fails the test under CI (CI installs it) and skips it elsewhere."""
    found = DEBIAN_CHROMIUM if os.access(DEBIAN_CHROMIUM, os.X_OK) else shutil.which("chromium")
    if found is None:
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; .ci/run installs it, so CI must have it.")
        pytest.skip(message)
    return found


def dump_dom(chromium: str, url: str, profile: Path) -> str:
    result = subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "</html>" in result.stdout, result.stderr[-2000:]
    return result.stdout
