"""What a stage (audit, engine, workflows) hands the run: findings plus what the findings document needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from conformance.coverage.compute import BehaviourProbes, TransitionProbes
from conformance.coverage.exchanges import Exchange
from conformance.findings.model import Finding
from conformance.providers.base import Provider


@dataclass
class StageResult:
    findings: list[Finding] = field(default_factory=list)
    requests: int = 0
    operations: set[tuple[str, str]] = field(default_factory=set)
    base_urls: dict[str, str] = field(default_factory=dict)
    # provider -> what it was sent and answered, for contract coverage
    exchanges: dict[str, list[Exchange]] = field(default_factory=dict)
    # provider -> lifecycle transitions a probing stage knows and tried (absent: coverage shows n/a)
    transitions: dict[str, TransitionProbes] = field(default_factory=dict)
    # provider -> the behaviour promises its spec declares and those the probes reached (absent: n/a)
    behaviour: dict[str, BehaviourProbes] = field(default_factory=dict)
    targets: dict[str, str] = field(default_factory=dict)  # provider -> the target it effectively ran against
    lifecycle: dict[str, Any] = field(default_factory=dict)  # provider -> lifecycle coverage
    # fingerprint -> where its first finding was seen, as a rank in the order an unsharded run does its work
    # (stage, provider, scenario): merging shards keeps the finding the unsharded run would have kept.
    origins: dict[str, tuple[int, ...]] = field(default_factory=dict)
    # provider -> the documented webhook events observed (coverage's `events` metric)
    events: dict[str, set[str]] = field(default_factory=dict)
    # provider -> workflow scenarios a spent budget (--max-requests, --max-duration) skipped or cut short
    unreached: dict[str, list[str]] = field(default_factory=dict)


Stage = Callable[[list[Provider]], StageResult]
