"""Accepted discrepancies: a baseline file of fingerprints, each with a reason and an optional expiry.

A baselined finding is still reported (`baselined: true`) but does not fail the run. An entry past its
`expires` date stops covering its finding and fails the run while that finding still occurs. Entries
whose finding did not occur in a run that covered their provider "no longer reproduce".

The file is YAML (or JSON, for a `.json` name):

    version: 1
    accepted:
      - fingerprint: 45ac9e0d032bf5ab81a7
        reason: Vendor ticket WP-1234, fix promised for January
        expires: 2027-01-31          # optional; the entry covers its finding through this day
        provider: wooshpay           # optional: written by `baseline update` for readers, and used
        operation: retrieveInvoice   # to tell "no longer reproduces" from "not run this time"
        kind: missing_field
        pointer: /id
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from conformance.core import safe_yaml
from conformance.core.errors import UsageError, first_line
from conformance.core.fsutil import atomic_write_text
from conformance.core.kinds import Severity
from conformance.document.model import FindingsDocument, Summary
from conformance.findings.model import Finding

BASELINE_VERSION = 1
DEFAULT_PATH = Path("conformance-baseline.yaml")
_FINGERPRINT_RE = re.compile(r"^[0-9a-f]{8,64}$")
_INFO_KEYS = ("provider", "operation", "kind", "pointer", "basis")
_HEADER = (
    "# Accepted discrepancies for `conformance run --baseline`. Maintained by `conformance baseline update`;\n"
    "# edit reasons and expiry dates (YYYY-MM-DD, inclusive) by hand. An expired entry fails the run again.\n"
)


@dataclass(frozen=True)
class BaselineEntry:
    fingerprint: str
    reason: str
    expires: date | None = None
    provider: str | None = None
    operation: str | None = None
    kind: str | None = None
    pointer: str | None = None
    basis: str | None = None  # the accepted finding's basis when it was baselined (informational)

    def expired(self, today: date) -> bool:
        return self.expires is not None and today > self.expires

    @property
    def label(self) -> str:
        """How a person recognises the entry: its finding's coordinates when known, else the fingerprint."""
        what = " ".join(v for v in (self.provider, self.operation, self.kind, self.pointer) if v)
        return f"{self.fingerprint} ({what})" if what else self.fingerprint

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"fingerprint": self.fingerprint, "reason": self.reason}
        if self.expires is not None:
            data["expires"] = self.expires
        for key in _INFO_KEYS:
            value = getattr(self, key)
            if value:  # "" (no operation, whole response) says nothing to a reader
                data[key] = value
        return data

    @classmethod
    def of(cls, finding: Finding, reason: str, expires: date | None) -> BaselineEntry:
        return cls(
            fingerprint=finding.fingerprint,
            reason=reason,
            expires=expires,
            provider=finding.provider,
            operation=finding.operation,
            kind=str(finding.kind),
            pointer=finding.pointer,
            basis=str(finding.basis),
        )


@dataclass(frozen=True)
class BaselineOutcome:
    """What a baseline did to one run."""

    applied: tuple[BaselineEntry, ...]  # covered a finding of the run
    expired: tuple[BaselineEntry, ...]  # past their date while their finding still occurs: the run fails
    not_reproduced: tuple[BaselineEntry, ...]  # their provider ran and their finding did not occur

    @property
    def fails(self) -> bool:
        return bool(self.expired)


@dataclass(frozen=True)
class Baseline:
    entries: tuple[BaselineEntry, ...] = ()
    path: Path | None = field(default=None, compare=False)

    def by_fingerprint(self) -> dict[str, BaselineEntry]:
        return {e.fingerprint: e for e in self.entries}

    def apply(self, findings: Iterable[Finding], today: date | None = None) -> list[Finding]:
        """The findings with `baselined` set from this baseline alone (a previous marking is replaced)."""
        today = today or date.today()
        live = {fp for fp, e in self.by_fingerprint().items() if not e.expired(today)}
        return [replace(f, baselined=f.fingerprint in live) for f in findings]

    def apply_to_document(self, document: FindingsDocument, today: date | None = None) -> FindingsDocument:
        findings = self.apply(document.findings, today)
        summary = Summary.of(findings, operations=document.summary.operations, requests=document.summary.requests)
        return replace(document, findings=tuple(findings), summary=summary)

    def outcome(self, document: FindingsDocument, today: date | None = None) -> BaselineOutcome:
        today = today or date.today()
        seen = {f.fingerprint for f in document.findings}
        ran = {*document.run.providers, *(f.provider for f in document.findings)}
        applied: list[BaselineEntry] = []
        expired: list[BaselineEntry] = []
        gone: list[BaselineEntry] = []
        for entry in self.entries:
            if entry.fingerprint in seen:
                (expired if entry.expired(today) else applied).append(entry)
            elif entry.provider is None or entry.provider in ran:
                gone.append(entry)
        return BaselineOutcome(applied=tuple(applied), expired=tuple(expired), not_reproduced=tuple(gone))


# -- reading -------------------------------------------------------------------------------------


def load_baseline(path: Path) -> Baseline:
    """Read a baseline file; every problem becomes one UsageError sentence (exit 2)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(
            f"baseline file {path} does not exist; create it with `conformance baseline update --baseline {path}`."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"baseline file {path} cannot be read ({exc}); check its permissions and encoding.") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else safe_yaml.load(text)  # no alias bombs
    except (ValueError, yaml.YAMLError) as exc:
        raise UsageError(
            f"baseline file {path} is not valid {_format(path)} ({first_line(exc, type(exc).__name__)}); fix the syntax."
        ) from None
    return Baseline(entries=_entries(path, data), path=path)


def _entries(path: Path, data: Any) -> tuple[BaselineEntry, ...]:
    if data is None:
        return ()  # an empty file accepts nothing
    if not isinstance(data, dict) or not isinstance(data.get("accepted", []), list):
        raise _malformed(path, "the top level must be a mapping with an `accepted` list")
    if data.get("version", BASELINE_VERSION) != BASELINE_VERSION:
        raise _malformed(path, f"version {data.get('version')!r} is not supported (use {BASELINE_VERSION})")
    entries: dict[str, BaselineEntry] = {}
    for number, raw in enumerate(data.get("accepted") or [], start=1):
        entry = _entry(path, number, raw)
        if entry.fingerprint in entries:
            raise _malformed(path, f"entry {number} repeats fingerprint {entry.fingerprint}")
        entries[entry.fingerprint] = entry
    return tuple(entries.values())


def _entry(path: Path, number: int, raw: Any) -> BaselineEntry:
    if not isinstance(raw, dict):
        raise _malformed(path, f"entry {number} is not a mapping")
    fingerprint = raw.get("fingerprint")
    if not isinstance(fingerprint, str) or not _FINGERPRINT_RE.match(fingerprint):
        raise _malformed(path, f"entry {number} has no valid fingerprint (the hex `fingerprint` of a finding)")
    reason = raw.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise _malformed(path, f"entry {number} ({fingerprint}) gives no reason")
    info = {key: raw.get(key) for key in _INFO_KEYS}
    if any(v is not None and not isinstance(v, str) for v in info.values()):
        raise _malformed(path, f"entry {number} ({fingerprint}) has a non-text {'/'.join(_INFO_KEYS)}")
    return BaselineEntry(fingerprint=fingerprint, reason=reason.strip(), expires=_date(path, number, raw), **info)


def _date(path: Path, number: int, raw: dict[str, Any]) -> date | None:
    value = raw.get("expires")
    if value is None or (isinstance(value, date) and not hasattr(value, "hour")):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _malformed(path, f"entry {number} has expires {value!r}, not a YYYY-MM-DD date")


def _malformed(path: Path, problem: str) -> UsageError:
    return UsageError(
        f"baseline file {path} is malformed: {problem}; fix the file or regenerate it with `conformance baseline update`."
    )


def _format(path: Path) -> str:
    return "JSON" if path.suffix.lower() == ".json" else "YAML"


# -- writing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UpdateResult:
    baseline: Baseline
    added: tuple[BaselineEntry, ...]
    not_reproduced: tuple[BaselineEntry, ...]
    pruned: bool


def update_baseline(
    current: Baseline,
    document: FindingsDocument,
    *,
    reason: str | None,
    expires: date | None = None,
    include_all: bool = False,
    prune: bool = False,
) -> UpdateResult:
    """Merge a run's findings into a baseline: existing entries keep their reason and expiry."""
    known = current.by_fingerprint()
    # A finding a double's fault explains is no vendor's discrepancy to accept.
    wanted = [
        f for f in document.findings if not f.expected_by_fault and (include_all or f.severity is Severity.BREAKING)
    ]
    fresh = {f.fingerprint: f for f in wanted if f.fingerprint not in known}
    if fresh and not (reason and reason.strip()):
        raise UsageError(
            f"{len(fresh)} finding(s) are not in the baseline yet and need a reason; pass --reason TEXT "
            "(e.g. the vendor ticket that tracks them)."
        )
    added = tuple(BaselineEntry.of(f, (reason or "").strip(), expires) for f in fresh.values())
    gone = current.outcome(document).not_reproduced
    dropped = {e.fingerprint for e in gone} if prune else set()
    kept = [e for e in current.entries if e.fingerprint not in dropped]
    entries = tuple(sorted((*kept, *added), key=_entry_order))
    return UpdateResult(
        baseline=Baseline(entries=entries, path=current.path), added=added, not_reproduced=gone, pruned=prune
    )


def _entry_order(entry: BaselineEntry) -> tuple[str, ...]:
    return (entry.provider or "", entry.operation or "", entry.kind or "", entry.pointer or "", entry.fingerprint)


def dumps_baseline(baseline: Baseline, *, as_json: bool) -> str:
    accepted = [e.to_json() for e in baseline.entries]
    if as_json:
        for item in accepted:
            if "expires" in item:
                item["expires"] = item["expires"].isoformat()
        return json.dumps({"version": BASELINE_VERSION, "accepted": accepted}, indent=2, ensure_ascii=False) + "\n"
    body = yaml.dump(
        {"version": BASELINE_VERSION, "accepted": accepted},
        Dumper=_PlainDumper,
        sort_keys=False,
        allow_unicode=True,
        width=110,
    )
    return _HEADER + body


class _PlainDumper(yaml.SafeDumper):
    """No `&id001` anchors for values entries share (e.g. one expiry date): people edit this file."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def write_baseline(baseline: Baseline, path: Path) -> None:
    atomic_write_text(path, dumps_baseline(baseline, as_json=Path(path).suffix.lower() == ".json"))
