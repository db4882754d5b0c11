"""The gate: a finding's severity as the run reports it, from its check's severity, its basis and a policy.

By default only a deviation from a documented promise can be breaking: a breaking finding whose basis
is `inferred` is reported `non_breaking`, labelled (its `graded` says so). `--strict-inferred` keeps it
breaking. A severity policy file (`--severity-levels FILE` on `run` and `judge`) re-grades findings by
kind, check, provider or basis, up or down or to `ignore` (dropped). docs/verdict-basis.md shows the format:

    version: 1
    strict_inferred: false        # optional; --strict-inferred on the command line also turns it on
    rules:                        # the first rule whose `match` fits a finding decides its severity
      - match: {kind: undocumented_field, provider: useepay}
        severity: breaking        # breaking | non_breaking | info | ignore
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from conformance.core import safe_yaml
from conformance.core.errors import UsageError
from conformance.core.kinds import Basis, Kind, Severity
from conformance.findings.model import Finding

POLICY_VERSION = 1
IGNORE = "ignore"
_LEVELS = (*(str(s) for s in Severity), IGNORE)
_MATCH_KEYS = ("kind", "check", "provider", "basis")
_TOP_KEYS = ("version", "strict_inferred", "rules")
STRICT_NOTE = "breaking under --strict-inferred"


@dataclass(frozen=True)
class Rule:
    match: tuple[tuple[str, str], ...]  # (key, value) pairs, every one must hold
    level: str  # a Severity value or "ignore"

    def fits(self, finding: Finding) -> bool:
        values = {"kind": str(finding.kind), "check": finding.check, "provider": finding.provider}
        values["basis"] = str(finding.basis)
        return all(values[key] == value for key, value in self.match)

    def describe(self) -> str:
        return ", ".join(f"{key}={value}" for key, value in self.match)


@dataclass(frozen=True)
class SeverityPolicy:
    strict_inferred: bool = False
    rules: tuple[Rule, ...] = ()
    path: str | None = None
    sha256: str | None = None

    def to_json(self) -> dict[str, Any]:
        """What findings.json's `run` records of the policy a run used."""
        data: dict[str, Any] = {"strict_inferred": self.strict_inferred}
        if self.path is not None:
            data.update(path=self.path, sha256=self.sha256, rules=len(self.rules))
        return data

    def grade(self, findings: Iterable[Finding]) -> list[Finding]:
        """Each finding at the severity the gate gives it; findings a rule ignores are left out."""
        graded: list[Finding] = []
        for finding in findings:
            result = self._grade(finding)
            if result is not None:
                graded.append(result)
        return graded

    def _grade(self, finding: Finding) -> Finding | None:
        for number, rule in enumerate(self.rules, start=1):
            if rule.fits(finding):
                if rule.level == IGNORE:
                    return None
                level = Severity(rule.level)
                if level is finding.severity:
                    return finding
                return replace(
                    finding, severity=level, graded=f"{level} by the severity policy (rule {number}: {rule.describe()})"
                )
        if finding.basis is Basis.INFERRED and finding.severity is Severity.BREAKING and not self.strict_inferred:
            return replace(finding, severity=Severity.NON_BREAKING, graded=f"inferred expectation: {STRICT_NOTE}")
        return finding


DEFAULT_POLICY = SeverityPolicy()


def load_policy(path: Path | None, *, strict_inferred: bool = False) -> SeverityPolicy:
    """The policy of `path` (None: the default gate); a bad file is a usage error (exit 2), said in one sentence."""
    if path is None:
        return SeverityPolicy(strict_inferred=strict_inferred)
    try:
        raw = Path(path).read_bytes()
        data = safe_yaml.load(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(
            f"cannot read the severity policy {path} ({exc.__class__.__name__}); check the path."
        ) from None
    except yaml.YAMLError as exc:
        raise UsageError(f"the severity policy {path} is not valid YAML ({_first(exc)}); fix the file.") from None
    if not isinstance(data, dict):
        raise UsageError(
            f"the severity policy {path} is not a mapping with version and rules; see docs/verdict-basis.md."
        )
    unknown = sorted(set(map(str, data)) - set(_TOP_KEYS))
    if unknown:
        raise UsageError(f"the severity policy {path} has the unknown key {unknown[0]!r}; use {', '.join(_TOP_KEYS)}.")
    if data.get("version") != POLICY_VERSION:
        raise UsageError(f"the severity policy {path} must say `version: {POLICY_VERSION}`; no other version exists.")
    strict = data.get("strict_inferred", False)
    if not isinstance(strict, bool):
        raise UsageError(f"strict_inferred in the severity policy {path} must be true or false.")
    rules_raw = data.get("rules") or []
    if not isinstance(rules_raw, list):
        raise UsageError(f"rules in the severity policy {path} must be a list of {{match, severity}} entries.")
    rules = tuple(_rule(path, number, entry) for number, entry in enumerate(rules_raw, start=1))
    return SeverityPolicy(
        strict_inferred=strict_inferred or strict,
        rules=rules,
        path=str(path),
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def _rule(path: Path, number: int, entry: Any) -> Rule:
    where = f"rule {number} of the severity policy {path}"
    if not isinstance(entry, dict) or set(map(str, entry)) != {"match", "severity"}:
        raise UsageError(f"{where} must have exactly the keys match and severity.")
    match, level = entry["match"], entry["severity"]
    if not isinstance(match, dict) or not match:
        raise UsageError(f"{where} must match on at least one of {', '.join(_MATCH_KEYS)}.")
    pairs: list[tuple[str, str]] = []
    for key, value in match.items():
        if key not in _MATCH_KEYS:
            raise UsageError(f"{where} matches on {key!r}; use {', '.join(_MATCH_KEYS)}.")
        if not isinstance(value, str) or not value:
            raise UsageError(f"{where} needs a non-empty string for {key}.")
        if key == "kind" and value not in set(map(str, Kind)):
            raise UsageError(f"{where} names the unknown kind {value!r}; interfaces.md lists the kinds.")
        if key == "basis" and value not in set(map(str, Basis)):
            raise UsageError(f"{where} names the unknown basis {value!r}; use documented, inferred or observed.")
        pairs.append((key, value))
    if level not in _LEVELS:
        raise UsageError(f"{where} has severity {level!r}; use one of {', '.join(_LEVELS)}.")
    return Rule(tuple(pairs), str(level))


def _first(exc: Exception) -> str:
    return " ".join(str(exc).split())[:120]
