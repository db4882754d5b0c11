"""Where the specs and cassettes live: inside an installed wheel, or at the checkout's top level.

`--spec-dir` (or CONFORMANCE_SPEC_DIR) points the whole process at other specs, e.g. a candidate
version of a spec under review.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
SPEC_DIR_VARIABLE = "CONFORMANCE_SPEC_DIR"


def _data_dir(name: str) -> Path:
    packaged = _PACKAGE / "_data" / name
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent / name


def specs_dir() -> Path:
    override = os.environ.get(SPEC_DIR_VARIABLE)
    return Path(override) if override else _data_dir("specs")


def use_specs_dir(path: Path | None) -> None:
    """Point this process at other specs, or (None) back at the embedded ones."""
    if path is None:
        os.environ.pop(SPEC_DIR_VARIABLE, None)
    else:
        os.environ[SPEC_DIR_VARIABLE] = str(path)


def cassettes_dir() -> Path:
    return _data_dir("cassettes")
