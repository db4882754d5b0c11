"""Generation and transport settings of a run, and the schemathesis configuration they become."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
    request_retries: int = 2
    rate_limit: str | None = None  # e.g. "10/s", schemathesis's syntax
    stateful: bool = True
    max_steps: int = 6


def schemathesis_config(settings: Settings, base_url: str) -> schemathesis.Config:
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
        "request-retries": settings.request_retries,
        "generation": generation,
        "checks": {name: {"enabled": False} for name in DISABLED_CHECKS},
        "phases": {
            "stateful": {"enabled": settings.stateful, "max-steps": settings.max_steps},
        },
        "suppress-health-check": ["all"],
    }
    if settings.rate_limit:
        data["rate-limit"] = settings.rate_limit
    return schemathesis.Config.from_dict(data)
