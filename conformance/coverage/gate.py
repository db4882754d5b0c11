"""`--min-coverage operations=100,fields=80`: fail the gate when a run exercised too little of a contract."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from conformance.core.errors import UsageError
from conformance.coverage.model import METRICS, ProviderCoverage

_ITEM = re.compile(r"^\s*([a-z_]+)\s*=\s*(\d+(?:\.\d+)?)\s*%?\s*$")


@dataclass(frozen=True)
class Threshold:
    metric: str
    percent: float


@dataclass(frozen=True)
class Shortfall:
    provider: str
    metric: str
    required: float
    exercised: int | None
    documented: int | None

    @property
    def line(self) -> str:
        required = f"{self.required:g}%"
        if self.documented is None or self.exercised is None:
            return (
                f"coverage gate: {self.provider} {self.metric} was not measured in this run (n/a), "
                f"{required} required; run the stage that exercises it or drop it from --min-coverage."
            )
        percent = 100.0 * self.exercised / self.documented
        return (
            f"coverage gate: {self.provider} {self.metric} {percent:.1f}% ({self.exercised}/{self.documented}) "
            f"is below the required {required}; exercise more of the contract or lower --min-coverage."
        )


def parse_thresholds(values: Iterable[str]) -> tuple[Threshold, ...]:
    """`metric=percent` items, comma-separated, the option repeatable."""
    found: dict[str, Threshold] = {}
    for value in values:
        for item in value.split(","):
            if not item.strip():
                continue
            match = _ITEM.match(item)
            if match is None or match.group(1) not in METRICS:
                raise UsageError(
                    f"--min-coverage {item.strip()!r} is not METRIC=PERCENT; use e.g. operations=100,fields=80 "
                    f"with METRIC one of {', '.join(METRICS)}."
                )
            percent = float(match.group(2))
            if percent > 100:
                raise UsageError(f"--min-coverage {item.strip()!r} asks for more than 100%; use 0 to 100.")
            found[match.group(1)] = Threshold(match.group(1), percent)
    return tuple(found.values())


def shortfalls(coverage: Iterable[ProviderCoverage], thresholds: Iterable[Threshold]) -> list[Shortfall]:
    """Every provider and metric below its threshold. Nothing documented counts as fully covered."""
    found = []
    thresholds = list(thresholds)
    for provider in coverage:
        for threshold in thresholds:
            metric = provider.metric(threshold.metric)
            documented = metric.documented if metric else None
            exercised = metric.exercised if metric else None
            if documented is None or exercised is None:
                found.append(Shortfall(provider.provider, threshold.metric, threshold.percent, None, None))
            elif documented and exercised * 100 < threshold.percent * documented:
                found.append(Shortfall(provider.provider, threshold.metric, threshold.percent, exercised, documented))
    return found
