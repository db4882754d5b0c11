"""Transition coverage: each provider's states x actions, from the `lifecycle` section of findings.json.

Reports read only findings.json (no spec): the lifecycle probe writes, per provider, the declared
rules and what became of each (state, action) cell; the workflows add the scenarios that stopped on a
documented answer (`not_judged`: nothing was wrong, the rest of the scenario was not judged).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conformance.document.model import FindingsDocument

RESULT_LABELS = {"passed": "probed, passed", "failed": "probed, failed", "not_reachable": "not reachable"}


@dataclass(frozen=True)
class Action:
    key: str  # operationId
    name: str
    provenance: str  # documented | inferred
    url: str
    reason: str


@dataclass(frozen=True)
class Cell:
    rule: str  # allowed | forbidden
    result: str  # passed | failed | not_reachable | not_probed

    @property
    def label(self) -> str:
        return f"{self.rule}, {RESULT_LABELS.get(self.result, self.result.replace('_', ' '))}"


@dataclass(frozen=True)
class StateRow:
    state: str
    cells: tuple[Cell, ...]  # in the order of the table's actions
    unreachable: str | None  # why no documented operation reached the state


@dataclass(frozen=True)
class NotJudged:
    scenario: str
    reason: str


@dataclass(frozen=True)
class LifecycleTable:
    provider: str
    actions: tuple[Action, ...]  # empty when the lifecycle was not probed
    rows: tuple[StateRow, ...]
    refused_with: tuple[int, ...]
    not_judged: tuple[NotJudged, ...] = ()
    # unstated: no page names the refusal status, any 4xx refuses (an older findings.json reads as documented)
    refused_basis: str = "documented"

    @property
    def refused(self) -> str:
        """The refusal a forbidden action must answer, as the reports say it."""
        if self.refused_basis == "unstated":
            return "a 4xx (no page names the status)"
        return "/".join(str(s) for s in self.refused_with)

    def count(self, result: str) -> int:
        return sum(1 for row in self.rows for cell in row.cells if cell.result == result)


def table(document: FindingsDocument, provider: str) -> LifecycleTable | None:
    """The provider's table, or None when the run did not probe its lifecycle (or findings.json is malformed)."""
    data = document.lifecycle.get(provider)
    if not isinstance(data, Mapping):
        return None
    try:
        return _table(provider, data)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def tables(document: FindingsDocument) -> tuple[LifecycleTable, ...]:
    found = (table(document, provider) for provider in sorted(document.lifecycle))
    return tuple(t for t in found if t is not None)


def _table(provider: str, data: Mapping[str, Any]) -> LifecycleTable:
    not_judged = tuple(NotJudged(str(n["scenario"]), str(n["reason"])) for n in data.get("not_judged") or ())
    if "states" not in data and not_judged:  # no probe ran: only what the workflows could not judge
        return LifecycleTable(provider, (), (), (), not_judged)
    actions = tuple(
        Action(
            key=str(key),
            name=str(rule.get("name") or key),
            provenance=str(rule["provenance"]["status"]),
            url=str(rule["provenance"].get("url") or ""),
            reason=str(rule["provenance"].get("reason") or ""),
        )
        for key, rule in data["actions"].items()
    )
    results = {(str(c["state"]), str(c["action"])): c for c in data.get("cells", [])}
    unreachable = dict(data.get("unreachable") or {})
    rows = []
    for state in data["states"]:
        cells = []
        for action in actions:
            cell = results.get((state, action.key))
            allowed = state in data["actions"][action.key].get("allowed_from", [])
            cells.append(
                Cell(
                    rule="allowed" if allowed else "forbidden",
                    result=str(cell["result"]) if cell else "not_probed",
                )
            )
        rows.append(StateRow(str(state), tuple(cells), unreachable.get(state)))
    refused_with = tuple(int(s) for s in data.get("refused_with", []))
    refused_basis = str(data.get("refused_basis") or "documented")
    return LifecycleTable(provider, actions, tuple(rows), refused_with, not_judged, refused_basis)


def summary_lines(document: FindingsDocument) -> list[str]:
    """One line per probed provider for the terminal: the probe's counts and the states it could not reach."""
    lines = []
    for t in tables(document):
        if t.rows:
            unreachable = [row.state for row in t.rows if row.unreachable]
            line = f"lifecycle {t.provider}: {t.count('passed')} cells passed, {t.count('failed')} failed"
            lines.append(line + (f"; not reachable: {', '.join(unreachable)}" if unreachable else ""))
        lines += [f"not judged {t.provider}: {n.reason}" for n in t.not_judged]
    return lines
