"""reports/findings.json, written atomically."""

from __future__ import annotations

from pathlib import Path

from conformance.findings import FindingsDocument
from conformance.fsutil import atomic_write_text
from conformance.reports.redact import environment_secrets, redact

FILE_NAME = "findings.json"


def write(document: FindingsDocument, report_dir: Path) -> Path:
    path = Path(report_dir) / FILE_NAME
    atomic_write_text(path, redact(document.dumps(), environment_secrets()))
    return path
