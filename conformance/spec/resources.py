"""Where the specs and cassettes live: inside an installed wheel, or at the checkout's top level.

`--spec-dir` (or CONFORMANCE_SPEC_DIR, read once by the command line) points one invocation at other
specs, e.g. a candidate version of a spec under review: the command line enters `specs_from(path)` for
the invocation, and passes the directory on to the processes it starts. The process environment is
never changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # conformance/
SPEC_DIR_VARIABLE = "CONFORMANCE_SPEC_DIR"

# The directory `specs_from` chose (None: the embedded specs). Process-wide, not per thread: the
# engine's worker threads and the doubles' server threads read the same specs as the invocation.
_chosen: list[Path | None] = [None]


def _data_dir(name: str) -> Path:
    packaged = _PACKAGE / "_data" / name
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent / name


def specs_dir() -> Path:
    return chosen_specs_dir() or _data_dir("specs")


def chosen_specs_dir() -> Path | None:
    """The directory `specs_from` points at, to pass to another process; None for the embedded specs."""
    return _chosen[-1]


@contextmanager
def specs_from(path: Path | None) -> Iterator[None]:
    """Read the specs from `path` (None: the embedded ones) within the block."""
    _chosen.append(Path(path) if path is not None else None)
    try:
        yield
    finally:
        _chosen.pop()


def cassettes_dir() -> Path:
    return _data_dir("cassettes")
