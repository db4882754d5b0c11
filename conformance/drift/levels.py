"""oasdiff's levels (ERR, WARN, INFO), how a level becomes a severity, and the severity-levels file.

A severity-levels file has one `check-id LEVEL` per line (LEVEL: err, warn, info, or none to turn the
check off; `#` starts a comment), as oasdiff's `--severity-levels` reads it. A change whose level is
at or above the fail-on level is a `breaking` finding (exit 1), below it `non_breaking`.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from pathlib import Path

from conformance.core.errors import UsageError
from conformance.core.kinds import Severity


class Level(IntEnum):
    NONE = 0
    INFO = 1
    WARN = 2
    ERR = 3

    @classmethod
    def parse(cls, text: str) -> Level | None:
        return {"none": cls.NONE, "info": cls.INFO, "warn": cls.WARN, "err": cls.ERR, "error": cls.ERR}.get(
            text.strip().lower()
        )


ERR, WARN, INFO = Level.ERR, Level.WARN, Level.INFO
FAIL_ON_CHOICES = ("ERR", "WARN", "INFO")


DEFAULT_FAIL_ON = WARN


def severity_at(level: Level, fail_on: Level = DEFAULT_FAIL_ON) -> Severity | None:
    """A level as a finding's severity (None: the check is turned off)."""
    if level is Level.NONE:
        return None
    return Severity.BREAKING if level >= fail_on else Severity.NON_BREAKING


def read_severity_levels(path: Path, known: Callable[[str], bool]) -> dict[str, Level]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(
            f"cannot read the severity-levels file {path} ({exc.__class__.__name__}); check the path."
        ) from None
    levels: dict[str, Level] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        level = Level.parse(parts[-1]) if len(parts) == 2 else None
        if level is None:
            raise UsageError(
                f"line {number} of {path} is not 'check-id LEVEL' with LEVEL one of err, warn, info, none; fix that line."
            )
        if not known(parts[0]):
            raise UsageError(
                f"line {number} of {path} names the unknown check {parts[0]!r}; see the table of checks in docs/drift.md."
            )
        levels[parts[0]] = level
    return levels
