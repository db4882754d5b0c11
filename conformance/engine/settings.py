"""Generation and transport settings of a run, and the schemathesis configuration they become."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from conformance.checks.expectations import positive_expected

if TYPE_CHECKING:
    import schemathesis

# Our strict response validation replaces schemathesis's own, so each violation is classified
# (missing field, retyped, null, enum, undocumented field) instead of reported as one failure.
DISABLED_CHECKS = ("response_schema_conformance",)


@dataclass(frozen=True)
class Settings:
    seed: int = 0
    max_examples: int = 10
    # Derandomized generation: the same seed gives the same requests, which is what replay needs.
    deterministic: bool = True
    request_timeout: float = 10.0
    request_retries: int = 2  # done by conformance.http.transport, which also gives up on a dead target
    max_response_bytes: int = 10 * 1024 * 1024
    rate_limit: str | None = None  # e.g. "10/s", schemathesis's syntax
    stateful: bool = True
    max_steps: int = 6
    # A 429's Retry-After is waited out up to this many seconds (conformance.http.ratelimit).
    max_retry_after: float = 60.0
    # operationIds the engine generates requests for; empty: every one (conformance.engine.selection).
    operations: tuple[str, ...] = ()
    # A budgeted run's first pass: one valid case per operation (its explicit examples, one generated case),
    # so that every operation gets its first exchange before any operation gets its later ones.
    first_pass: bool = False

    def generation(self) -> dict[str, Any]:
        """What a cassette must remember so that its replay generates the same requests."""
        generation: dict[str, Any] = {"seed": self.seed, "max_examples": self.max_examples, "stateful": self.stateful}
        if self.operations:
            generation["operations"] = list(self.operations)
        return generation

    def replaying(self, recorded: Mapping[str, Any] | None) -> Settings:
        """These settings with the generation a cassette was recorded with."""
        if not recorded:
            return self
        return replace(
            self,
            seed=int(recorded.get("seed", self.seed)),
            max_examples=int(recorded.get("max_examples", self.max_examples)),
            stateful=bool(recorded.get("stateful", self.stateful)),
            operations=tuple(recorded.get("operations", ())),
        )


def schemathesis_config(
    settings: Settings, base_url: str, semantic_rejections: tuple[int, ...] = ()
) -> schemathesis.Config:
    import schemathesis  # generation machinery: only the paths that generate import it

    generation: dict[str, Any] = {
        "mode": "all",
        "max-examples": settings.max_examples,
        "deterministic": settings.deterministic,
        "database": "none",
    }
    data: dict[str, Any] = {
        "seed": settings.seed,
        "base-url": base_url,
        "continue-on-failure": True,
        "request-timeout": settings.request_timeout,
        # Retries happen below schemathesis (conformance.http.transport), where a dead target is given up on
        # at once instead of after schemathesis's growing back-off.
        "request-retries": 0,
        "generation": generation,
        "checks": {
            **{name: {"enabled": False} for name in DISABLED_CHECKS},
            "positive_data_acceptance": {"expected-statuses": list(positive_expected(semantic_rejections))},
        },
        "phases": {
            "stateful": {"enabled": settings.stateful, "max-steps": settings.max_steps},
        },
        "suppress-health-check": ["all"],
        # schemathesis's cross-run cache would make this run depend on the previous one: a replay must
        # generate exactly what its recording generated.
        "cache": {"enabled": False},
    }
    if settings.first_pass:
        generation.update({"mode": "positive", "max-examples": 1})
        data["phases"] = {"coverage": {"enabled": False}, "stateful": {"enabled": False}}
    if settings.rate_limit:
        data["rate-limit"] = settings.rate_limit
    return schemathesis.Config.from_dict(data)
