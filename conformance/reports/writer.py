"""Every report rendered from one findings document, written into the report directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conformance.findings import FindingsDocument
from conformance.fsutil import atomic_write_text
from conformance.reports import comparison, html_report, junit, markdown
from conformance.reports.redact import environment_secrets, redact, redact_document

Renderer = Callable[[FindingsDocument], dict[str, str]]

# Each renderer returns file name -> text; findings.json itself is written by findings_json.
RENDERERS: tuple[Renderer, ...] = (
    markdown.vendor_reports,
    html_report.reports,
    junit.reports,
    comparison.reports,
)


def render_all(document: FindingsDocument) -> dict[str, str]:
    rendered: dict[str, str] = {}
    for renderer in RENDERERS:
        rendered.update(renderer(document))
    return rendered


def write_all(document: FindingsDocument, report_dir: Path) -> list[Path]:
    """Render every report, then write each file atomically: a failed render leaves the old files."""
    secrets = environment_secrets()
    rendered = render_all(redact_document(document, secrets))
    written = []
    for name, text in rendered.items():
        path = Path(report_dir) / name
        atomic_write_text(path, redact(text, secrets))
        written.append(path)
    return written
