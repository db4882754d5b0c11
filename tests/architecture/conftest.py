"""import-linter run on a copy of the package: the copy is what PYTHONPATH finds first."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def lint_imports(package_root: Path, config: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports CONFIG` against the `conformance` package under `package_root`."""
    # This environment's own (the quick start runs pytest as .venv/bin/python, with .venv/bin not on PATH).
    beside = Path(sys.executable).with_name("lint-imports")
    command = str(beside) if beside.exists() else shutil.which("lint-imports")
    assert command is not None, "import-linter is a test dependency (pyproject.toml)"
    return subprocess.run(
        [command, str(config), "--no-cache"],
        cwd=package_root,
        env={**os.environ, "PYTHONPATH": str(package_root)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
