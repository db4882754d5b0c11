"""reports/findings.json, written atomically."""

from __future__ import annotations

from pathlib import Path

from conformance.document import FindingsDocument
from conformance.fsutil import atomic_write_text

FILE_NAME = "findings.json"


def write(document: FindingsDocument, report_dir: Path, *, scrub_environment: bool = True) -> Path:
    """`scrub_environment`: also remove every provider credential found in the environment. A comparison
    of two spec files talks to no provider, so it skips that (and loading the provider registry)."""
    text = document.dumps()
    if scrub_environment:
        from conformance.reports.redact import environment_secrets, redact

        text = redact(text, environment_secrets())
    else:
        from conformance import secrets

        text = secrets.scrub(text)
    path = Path(report_dir) / FILE_NAME
    atomic_write_text(path, text)
    return path
