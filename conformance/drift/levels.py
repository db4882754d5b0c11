"""oasdiff's levels (ERR, WARN, INFO), a severity-levels file that changes them, and `--fail-on`.

A severity-levels file has one `check-id LEVEL` per line (LEVEL: err, warn, info, or none to turn the
check off; `#` starts a comment), as oasdiff's `--severity-levels` reads it. A change whose level is
at or above the fail-on level is a `breaking` finding (exit 1), below it `non_breaking`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path

from conformance.errors import UsageError
from conformance.kinds import Severity


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


@dataclass(frozen=True)
class Grading:
    """The level of each check (the rule table's, unless overridden) and the level that fails a run."""

    overrides: Mapping[str, Level] = field(default_factory=dict)
    fail_on: Level = WARN

    def level(self, rule_id: str) -> Level:
        if rule_id in self.overrides:
            return self.overrides[rule_id]
        from conformance.drift.rules import level_of  # the table imports this module

        return level_of(rule_id)

    def severity(self, rule_id: str) -> Severity | None:
        """None: the check is turned off."""
        level = self.level(rule_id)
        if level is Level.NONE:
            return None
        return Severity.BREAKING if level >= self.fail_on else Severity.NON_BREAKING


DEFAULT_GRADING = Grading()


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


def grading(severity_levels: Path | None, fail_on: str) -> Grading:
    from conformance.drift.rules import RULES

    overrides = read_severity_levels(severity_levels, RULES.__contains__) if severity_levels else {}
    return Grading(overrides=overrides, fail_on=Level[fail_on.upper()])
