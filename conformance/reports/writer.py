"""Every report rendered from one findings document, written into the report directory."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from conformance.core.fsutil import atomic_write_many
from conformance.document.model import FindingsDocument
from conformance.reports import comparison, findings_json, html_report, junit, markdown
from conformance.reports.redact import redact, redact_document

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


def write_all(
    document: FindingsDocument, report_dir: Path, *, with_findings: bool = False, secrets: Sequence[str] = ()
) -> list[Path]:
    """Render every report (and findings.json, `with_findings`), then put them all in place together:
    a failed render or write (a full disk) leaves every old file as it was. `secrets` (e.g. the
    credentials in the environment) are scrubbed, besides every secret the process registered."""
    clean = redact_document(document, secrets)
    rendered = render_all(clean)
    if with_findings:
        rendered = {findings_json.FILE_NAME: clean.dumps(), **rendered}
    files = {Path(report_dir) / name: redact(text, secrets) for name, text in rendered.items()}
    atomic_write_many(files)
    return list(files)
