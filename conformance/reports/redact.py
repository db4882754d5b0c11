"""A last line of defence: no credential in this process's environment reaches a report file.

Findings are redacted when they are made; this catches anything that slipped through (e.g. a vendor
echoing a key back in an error message that became a finding's `observed`). The findings are scrubbed
before rendering, since escaping (HTML, Markdown) would change how a secret is spelled in the output,
and the rendered text once more, for the spellings a template adds itself. The caller says which
secrets (`conformance.targets.environment_secrets` for the provider credentials in the environment); every
secret the process registered (conformance.core.secrets) is scrubbed as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields, replace
from typing import Any

from conformance.core import secrets as registry
from conformance.document.model import FindingsDocument
from conformance.findings.model import Finding


def redact(text: str, secrets: Sequence[str]) -> str:
    return registry.scrub(text, secrets)


def redact_document(document: FindingsDocument, secrets: Sequence[str]) -> FindingsDocument:
    run = replace(document.run, base_urls={k: redact(v, secrets) for k, v in document.run.base_urls.items()})
    return replace(document, run=run, findings=tuple(_finding(f, secrets) for f in document.findings))


def _finding(finding: Finding, secrets: Sequence[str]) -> Finding:
    text: dict[str, Any] = {
        f.name: redact(v, secrets) for f in fields(finding) if isinstance(v := getattr(finding, f.name), str)
    }
    e = finding.evidence
    evidence = replace(
        e,
        curl=redact(e.curl, secrets) if e.curl else e.curl,
        steps=tuple(_value(step, secrets) for step in e.steps),
    )
    # Finding.kind and friends are str enums: keep them as they are.
    text = {k: v for k, v in text.items() if k not in ("kind", "severity", "source", "basis")}
    return replace(finding, evidence=evidence, **text)


def _value(value: Any, secrets: Sequence[str]) -> Any:
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {k: _value(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_value(v, secrets) for v in value]
    return value
