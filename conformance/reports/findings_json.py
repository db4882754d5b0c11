"""reports/findings.json, written atomically."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from conformance.core import secrets as registry
from conformance.core.fsutil import atomic_write_text
from conformance.document.model import FindingsDocument

FILE_NAME = "findings.json"


def write(document: FindingsDocument, report_dir: Path, *, secrets: Sequence[str] = ()) -> Path:
    """`secrets` (e.g. the provider credentials in the environment) and every secret the process
    registered are scrubbed."""
    text = registry.scrub(document.dumps(), secrets)
    path = Path(report_dir) / FILE_NAME
    atomic_write_text(path, text)
    return path
