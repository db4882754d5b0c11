"""The findings document: a run's findings with what reports need beside them (schema_version 1 of
interfaces.md; root causes, coverage and lifecycle are additive)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.core.errors import UsageError
from conformance.core.kinds import Severity
from conformance.findings.model import Finding

if TYPE_CHECKING:  # read lazily below: `drift --spec` writes a document without loading any spec machinery
    from conformance.coverage.model import ProviderCoverage
    from conformance.document.context import ReportContext
    from conformance.findings.root_cause_model import RootCause

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Summary:
    operations: int
    requests: int
    breaking: int
    non_breaking: int
    info: int
    baselined: int
    expected_by_fault: int = 0  # findings a double's fault explains (judge): outside the verdict

    @classmethod
    def of(cls, findings: Iterable[Finding], *, operations: int, requests: int) -> Summary:
        findings = list(findings)
        live = [f for f in findings if not f.baselined and not f.expected_by_fault]
        return cls(
            operations=operations,
            requests=requests,
            breaking=sum(1 for f in live if f.severity is Severity.BREAKING),
            non_breaking=sum(1 for f in live if f.severity is Severity.NON_BREAKING),
            info=sum(1 for f in live if f.severity is Severity.INFO),
            baselined=sum(1 for f in findings if f.baselined),
            expected_by_fault=sum(1 for f in findings if f.expected_by_fault and not f.baselined),
        )


# The `run.target`s of a run that tested an API (conformance.targets.TARGETS); an audit writes
# "documentation", a drift comparison its own.
API_TARGETS: tuple[str, ...] = ("replay", "live", "record", "sandbox")


@dataclass(frozen=True)
class RunInfo:
    target: str  # what was asked for
    providers: tuple[str, ...]
    base_urls: dict[str, str]
    seed: int
    started_at: str
    finished_at: str
    # What each provider actually ran against: a --base-url run is live for that provider.
    targets: dict[str, str] = field(default_factory=dict)
    # The gate the run used: strict_inferred, and a policy file's path and sha256 (severity_policy).
    severity_policy: dict[str, Any] = field(default_factory=dict)
    # One shard's run (--shard K/N), or a merge of shards: what it ran and what merge checks (interfaces.md).
    shard: dict[str, Any] | None = None
    # --max-requests / --max-duration: what was spent, and what the run did not reach (interfaces.md).
    budget: dict[str, Any] | None = None

    @property
    def gaps(self) -> tuple[str, ...]:
        """Sentences about work this run did not do (missing shards, a spent budget), for every report."""
        found: list[str] = []
        shard = self.shard or {}
        if shard.get("missing"):
            total = shard.get("total")
            named = ", ".join(f"{k}/{total}" for k in shard["missing"])
            units = shard.get("missing_units") or []
            found.append(
                f"Partial merge: shard {named} missing"
                + (f" ({len(units)} units not run: {', '.join(units)})" if units else "")
                + "; its findings and coverage are absent."
            )
        elif shard.get("index") is not None and shard.get("total", 1) > 1:
            found.append(f"Shard {shard['index']}/{shard['total']} only: `conformance merge` joins the shards.")
        for text in (self.budget or {}).get("gaps") or ():
            found.append(str(text))
        return tuple(found)

    def target_of(self, provider: str) -> str:
        return self.targets.get(provider, self.target)

    @property
    def effective_target(self) -> str:
        """One word when every provider ran against the same kind of target, else each provider's."""
        kinds = {self.target_of(p) for p in self.providers} or {self.target}
        if len(kinds) == 1:
            return next(iter(kinds))
        return ", ".join(f"{p}: {self.target_of(p)}" for p in self.providers)


@dataclass(frozen=True)
class FindingsDocument:
    tool_version: str
    run: RunInfo
    summary: Summary
    findings: tuple[Finding, ...]
    # Additions to schema_version 1 (interfaces.md): readers that do not know them ignore them.
    root_causes: tuple[RootCause, ...] = ()
    coverage: tuple[ProviderCoverage, ...] = ()
    # provider -> its lifecycle coverage (states x actions, probed results); additive to schema_version 1.
    lifecycle: dict[str, Any] = field(default_factory=dict)
    # What the reports know of the specs as the run read them (findings_context); None in older files.
    context: ReportContext | None = None

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "invoice-conformance", "version": self.tool_version},
            "run": {
                "target": self.run.target,
                "targets": dict(self.run.targets),
                "providers": list(self.run.providers),
                "base_urls": dict(self.run.base_urls),
                "seed": self.run.seed,
                "started_at": self.run.started_at,
                "finished_at": self.run.finished_at,
                **({"severity_policy": dict(self.run.severity_policy)} if self.run.severity_policy else {}),
                **({"shard": self.run.shard} if self.run.shard is not None else {}),
                **({"budget": self.run.budget} if self.run.budget is not None else {}),
            },
            "summary": asdict(self.summary),
            "findings": [f.to_json() for f in self.findings],
            "root_causes": [c.to_json() for c in self.root_causes],
            "coverage": {c.provider: c.to_json() for c in self.coverage},
            **({"lifecycle": self.lifecycle} if self.lifecycle else {}),
            **({"context": self.context.to_json()} if self.context is not None else {}),
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FindingsDocument:
        from conformance.coverage.model import ProviderCoverage
        from conformance.document.context import ReportContext
        from conformance.findings.root_cause_model import RootCause

        run = data["run"]
        return cls(
            tool_version=data["tool"]["version"],
            run=RunInfo(
                target=run["target"],
                providers=tuple(run["providers"]),
                base_urls=dict(run.get("base_urls") or {}),
                seed=int(run.get("seed") or 0),
                started_at=run["started_at"],
                finished_at=run["finished_at"],
                targets=dict(run.get("targets") or {}),
                severity_policy=dict(run.get("severity_policy") or {}),
                shard=dict(run["shard"]) if isinstance(run.get("shard"), dict) else None,
                budget=dict(run["budget"]) if isinstance(run.get("budget"), dict) else None,
            ),
            summary=Summary(**data["summary"]),
            findings=tuple(Finding.from_json(f) for f in data["findings"]),
            root_causes=tuple(RootCause.from_json(c) for c in data.get("root_causes") or ()),
            coverage=tuple(ProviderCoverage.from_json(c) for c in (data.get("coverage") or {}).values()),
            lifecycle=dict(data.get("lifecycle") or {}),
            context=ReportContext.from_json(data["context"]) if data.get("context") is not None else None,
        )


def load_findings(path: Path) -> FindingsDocument:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path} does not exist; run `conformance run` first or pass a findings.json.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path} is not a readable findings.json ({exc}); pass the file a run wrote.") from None
    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
        raise UsageError(f"{path} is not a schema_version {SCHEMA_VERSION} findings.json; pass the file a run wrote.")
    try:
        return FindingsDocument.from_json(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UsageError(f"{path} is malformed ({exc!r} is missing or invalid); pass the file a run wrote.") from None
