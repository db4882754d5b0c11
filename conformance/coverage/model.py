"""Contract coverage as findings.json carries it: plain data, no spec needed to read or render it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

METRICS: dict[str, str] = {
    "operations": "operations called",
    "success": "operations answered with a 2xx",
    "statuses": "documented status codes observed",
    "fields": "documented response fields seen",
    "enums": "documented enum values observed",
    "parameters": "request parameters sent",
    "transitions": "lifecycle transitions probed",
    "events": "documented webhook events observed",
    "behaviour": "declared behaviour promises probed",
}
# The events metric of a provider whose documentation declares no events: never shown as passing.
NOT_DOCUMENTED = "not documented"


@dataclass(frozen=True)
class Metric:
    name: str
    documented: int | None  # None: not measured in this run
    exercised: int | None
    never: tuple[str, ...] = ()
    note: str = ""
    # What was observed, by name (the events metric): shards' documents merge by uniting these.
    observed: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return METRICS.get(self.name, self.name)

    @property
    def percent(self) -> float | None:
        if not self.documented or self.exercised is None:
            return None
        return round(100.0 * self.exercised / self.documented, 1)

    @property
    def shown(self) -> str:
        if self.note == NOT_DOCUMENTED:
            return NOT_DOCUMENTED
        if self.documented is None or self.exercised is None:
            return "n/a"
        return f"{self.percent:.1f}% ({self.exercised}/{self.documented})" if self.documented else "n/a (0 documented)"

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "documented": self.documented,
            "exercised": self.exercised,
            "percent": self.percent,
            "never": list(self.never),
            **({"note": self.note} if self.note else {}),
            **({"observed": list(self.observed)} if self.observed or self.name == "events" else {}),
        }

    @classmethod
    def from_json(cls, name: str, data: Mapping[str, Any]) -> Metric:
        return cls(
            name=name,
            documented=data.get("documented"),
            exercised=data.get("exercised"),
            never=tuple(data.get("never") or ()),
            note=str(data.get("note") or ""),
            observed=tuple(data.get("observed") or ()),
        )


@dataclass(frozen=True)
class ProviderCoverage:
    provider: str
    exchanges: int
    operations: tuple[str, ...]  # every documented operation, in spec order
    called: tuple[str, ...]
    succeeded: tuple[str, ...]
    metrics: tuple[Metric, ...]
    # Operations and `workflow <scenario>`s a spent budget (--max-requests, --max-duration) left unreached.
    not_reached: tuple[str, ...] = ()

    def metric(self, name: str) -> Metric | None:
        return next((m for m in self.metrics if m.name == name), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "exchanges": self.exchanges,
            "operations": list(self.operations),
            "called": list(self.called),
            "succeeded": list(self.succeeded),
            "metrics": {m.name: m.to_json() for m in self.metrics},
            **({"not_reached": list(self.not_reached)} if self.not_reached else {}),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProviderCoverage:
        return cls(
            provider=str(data["provider"]),
            exchanges=int(data.get("exchanges") or 0),
            operations=tuple(data.get("operations") or ()),
            called=tuple(data.get("called") or ()),
            succeeded=tuple(data.get("succeeded") or ()),
            metrics=tuple(Metric.from_json(k, v) for k, v in (data.get("metrics") or {}).items()),
            not_reached=tuple(str(item) for item in data.get("not_reached") or ()),
        )
