"""`--fail-on` and a severity-levels file applied to the rule table: each drift check's severity.

Apart from `levels` (the words) and `rules` (the table, graded by the words), so that neither imports
the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from conformance.core.kinds import Severity
from conformance.drift.levels import DEFAULT_FAIL_ON, Level, read_severity_levels, severity_at
from conformance.drift.rules import RULES, level_of


@dataclass(frozen=True)
class Grading:
    """The level of each check (the rule table's, unless overridden) and the level that fails a run."""

    overrides: Mapping[str, Level] = field(default_factory=dict)
    fail_on: Level = DEFAULT_FAIL_ON

    def level(self, rule_id: str) -> Level:
        if rule_id in self.overrides:
            return self.overrides[rule_id]
        return level_of(rule_id)

    def severity(self, rule_id: str) -> Severity | None:
        """None: the check is turned off."""
        return severity_at(self.level(rule_id), self.fail_on)


DEFAULT_GRADING = Grading()


def grading(severity_levels: Path | None, fail_on: str) -> Grading:
    overrides = read_severity_levels(severity_levels, RULES.__contains__) if severity_levels else {}
    return Grading(overrides=overrides, fail_on=Level[fail_on.upper()])
