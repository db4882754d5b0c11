"""Findings carry their context: a findings.json renders as the run rendered it, whatever the specs say now.

The run reads what the reports need of the specs (operations, provenance, documentation defects, titles,
the comparison's facts and field map) into findings.json's `context`; `conformance report` reads nothing
else. So an old findings.json rendered by a process pointed at changed specs gives every report byte for
byte as the run wrote it, and a findings.json without a context still renders.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from conformance.cli.main import main
from conformance.document.context import ReportContext
from conformance.document.model import FindingsDocument, load_findings
from conformance.providers import all_providers
from conformance.reports.causes_view import cause_views
from conformance.reports.model import is_doc_finding
from conformance.reports.writer import render_all
from conformance.run import report_context
from conformance.spec.resources import specs_dir
from conformance.spec.specs import load_spec

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ("report.html", "junit.xml", "comparison.md", "comparison.html", "findings.json")
RENAMED = ("retrieveInvoice", "fetchInvoiceV2")
REMOVED = "deleteInvoice"


def _conformance(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CONFORMANCE_SPEC_DIR"}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "conformance", *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def _walk(node: Any, visit: Any) -> None:
    visit(node)
    if isinstance(node, dict):
        for value in list(node.values()):
            _walk(value, visit)
    elif isinstance(node, list):
        for value in node:
            _walk(value, visit)


def _changed_wooshpay(spec: dict[str, Any]) -> dict[str, Any]:
    """WooshPay's spec a release later: an operation renamed, one removed, titles and a field type changed."""
    spec["info"]["title"] = "WooshPay invoice API, a later transcription"
    spec["info"]["version"] = "2099-01-01"
    for item in spec["paths"].values():
        for op in list(item.values()):
            if isinstance(op, dict) and op.get("operationId") == REMOVED:
                for method in [m for m, o in item.items() if o is op]:
                    del item[method]

    def rename(node: Any) -> None:
        if not isinstance(node, dict):
            return
        for key, value in list(node.items()):
            if isinstance(value, dict) and value.get("operationId") == REMOVED and "responses" not in value:
                del node[key]  # an OpenAPI link to the removed operation
        if isinstance(node.get("x-provenance"), dict):
            node["x-provenance"]["status"] = "inferred"
            node["x-provenance"]["reason"] = "re-read: nothing documented any more"

    _walk(spec, rename)
    for defect in spec.get("x-doc-defects") or []:
        defect["title"] = "Changed: " + defect["title"]
        defect["operations"] = [o for o in defect.get("operations") or [] if o != REMOVED]
    spec.get("x-lifecycle", {}).get("actions", {}).pop(REMOVED, None)
    emits = spec.get("x-lifecycle", {}).get("emits", {})
    emits["rules"] = [rule for rule in emits.get("rules") or [] if rule.get("action") != REMOVED]
    invoice = spec["components"]["schemas"]["Invoice"]["properties"]
    invoice["created"] = {"type": "string", "format": "date-time", "description": "now an ISO date"}
    return spec


@pytest.fixture(scope="module")
def changed_specs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("changed-specs")
    shipped = specs_dir()
    for path in shipped.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        if path.stem == "wooshpay":
            text = re.sub(rf"\b{RENAMED[0]}\b", RENAMED[1], text)  # the operation and every reference to it
            text = yaml.safe_dump(_changed_wooshpay(yaml.safe_load(text)), sort_keys=False, allow_unicode=True)
        (directory / path.name).write_text(text, encoding="utf-8")
    # A process pointed there really sees them: the renamed operation is listed, the removed one is gone.
    listed = _conformance("--spec-dir", str(directory), "providers")
    assert listed.returncode == 0, listed.stderr
    listed_ops = _listed_operations(listed.stdout, "wooshpay")
    assert RENAMED[1] in listed_ops
    assert RENAMED[0] not in listed_ops
    assert REMOVED not in listed_ops
    return directory


def _listed_operations(text: str, provider: str) -> set[str]:
    """The operation ids `conformance providers` lists under the provider's heading."""
    found: set[str] = set()
    mine = False
    for line in text.splitlines():
        if not line.startswith(" "):
            mine = f"({provider})" in line
        elif mine and line.split():
            found.add(line.split()[0])
    return found


def _outputs(directory: Path, document: FindingsDocument) -> dict[str, bytes]:
    names = (*REPORTS, *(f"{p}.md" for p in {*document.run.providers, *(f.provider for f in document.findings)}))
    return {name: (directory / name).read_bytes() for name in names}


@pytest.mark.parametrize("source", ["run", "sample"])
def test_an_old_findings_file_renders_byte_identical_after_the_specs_changed(
    source: str,
    request: pytest.FixtureRequest,
    changed_specs: Path,
    tmp_path: Path,
) -> None:
    if source == "run":
        run_dir, document, _ = request.getfixturevalue("faulty_run")  # pipeline.execute: a live run, real HTTP
    else:
        run_dir, document = request.getfixturevalue("report_dir"), request.getfixturevalue("document")
    result = _conformance(
        "--spec-dir", str(changed_specs), "report", str(run_dir / "findings.json"), "--report-dir", str(tmp_path)
    )
    assert result.returncode in (0, 1), result.stderr
    before, after = _outputs(run_dir, document), _outputs(tmp_path, document)
    for name in before:
        assert after[name] == before[name], f"{name} differs from what the run wrote"


def test_the_changed_specs_would_change_the_reports(document: FindingsDocument, changed_specs: Path) -> None:
    """The control: the same findings with a context read from the changed specs render differently."""
    wooshpay = all_providers()["wooshpay"]
    changed = report_context.provider_context(
        wooshpay, all_providers()["wooshpay"].field_map(), spec=load_spec(changed_specs / "wooshpay.yaml")
    )
    assert document.context is not None
    providers = {**document.context.providers, "wooshpay": changed}
    old = render_all(document)
    new = render_all(replace(document, context=replace(document.context, providers=providers)))
    for name in ("comparison.md", "comparison.html", "report.html", "junit.xml", "wooshpay.md"):
        assert new[name] != old[name], name
    assert "a later transcription" in new["wooshpay.md"]
    assert "a later transcription" not in old["wooshpay.md"]


def test_the_context_reads_back_as_written(document: FindingsDocument) -> None:
    assert document.context is not None
    data = json.loads(json.dumps(document.context.to_json()))
    assert ReportContext.from_json(data) == document.context
    assert set(data["providers"]) == set(all_providers())
    wooshpay = data["providers"]["wooshpay"]
    assert wooshpay["operations"]["retrieveInvoice"]["method"] == "GET"
    assert wooshpay["doc_defects"], "WooshPay's spec records documentation defects"
    assert data["field_map"]["providers"]["wooshpay"]["operations"]["retrieve"] == ["retrieveInvoice"]


def test_a_findings_file_without_context_still_renders(
    cli: CliRunner, document: FindingsDocument, tmp_path: Path
) -> None:
    data = json.loads(document.dumps())
    del data["context"]
    (tmp_path / "findings.json").write_text(json.dumps(data), encoding="utf-8")
    old = load_findings(tmp_path / "findings.json")
    assert old.context is None
    rendered = render_all(old)
    assert "WooshPay" not in rendered["wooshpay.md"].splitlines()[0]  # no title known: the provider's name
    assert "# wooshpay invoice API" in rendered["wooshpay.md"]
    assert "Expectations come from" not in rendered["wooshpay.md"]  # no spec context: the note is left out
    assert 'classname="wooshpay.' in rendered["junit.xml"]
    assert "Invoice APIs compared: lynkwell, useepay, wooshpay" in rendered["comparison.md"]
    # Older still: no root causes either. They are grouped again without a spec, each API finding once.
    del data["root_causes"]
    oldest = FindingsDocument.from_json(data)
    members = [m for view in cause_views(oldest) for m in view.cause.members]
    api = [f.fingerprint for f in oldest.findings if not is_doc_finding(f)]
    assert sorted(members) == sorted(api)
    render_all(oldest)
    result = cli.invoke(main, ["report", str(tmp_path / "findings.json"), "--quiet"])
    assert result.exit_code == 1, result.output  # the sample's verdict: breaking findings outside the baseline
    assert (tmp_path / "comparison.html").is_file()


def test_a_malformed_context_is_a_usage_error(cli: CliRunner, document: FindingsDocument, tmp_path: Path) -> None:
    data = json.loads(document.dumps())
    data["context"] = "not an object"
    (tmp_path / "findings.json").write_text(json.dumps(data), encoding="utf-8")
    result = cli.invoke(main, ["report", str(tmp_path / "findings.json")])
    assert result.exit_code == 2
    assert "malformed" in result.output
    assert not (tmp_path / "report.html").exists()


# Below the reports: the findings model and document and the pure helpers they use (.importlinter says
# the same for direct imports; this also catches what they load in turn).
ALLOWED = (
    "conformance.reports",
    "conformance.document.model",
    "conformance.core.kinds",
    "conformance.findings.model",
    "conformance.document.context",
    "conformance.findings.root_cause_model",
    "conformance.coverage.model",
    "conformance.coverage.gate",
    "conformance.document.baseline",
    "conformance.core.errors",
    "conformance.core.fsutil",
    "conformance.core.pointers",
    "conformance.core.secrets",
    "conformance.core.disk_cache",  # core, imports nothing of ours: compiled templates are kept in the replay cache
)


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            package = (ROOT / node.module.replace(".", "/")).is_dir()  # `from conformance.core import secrets`
            names = [f"{node.module}.{a.name}" for a in node.names] if package else [node.module]
            found.update(n for n in names if n.startswith("conformance"))
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("conformance"))
    return {n for n in found if n != "conformance"}


def test_reports_import_only_the_findings_and_what_lies_below() -> None:
    modules = sorted((ROOT / "conformance" / "reports").glob("*.py"))
    assert modules
    for path in modules:
        wrong = {m for m in _imports(path) if not any(m == a or m.startswith(a + ".") for a in ALLOWED)}
        assert not wrong, f"reports/{path.name} imports {sorted(wrong)}"


def test_nothing_above_the_findings_is_loaded_by_rendering() -> None:
    """Transitively too: a fresh interpreter that imports every report module loads no spec, provider or run code."""
    probe = (
        "import importlib, pkgutil, sys\n"
        "import conformance.reports as r\n"
        "for m in pkgutil.iter_modules(r.__path__):\n"
        "    importlib.import_module('conformance.reports.' + m.name)\n"
        "print('\\n'.join(m for m in sys.modules if m.startswith('conformance.')))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=60, check=True
    )
    loaded = set(result.stdout.split())
    assert "conformance.reports.writer" in loaded
    docstring_only = {"conformance.coverage", "conformance.core", "conformance.findings", "conformance.document"}
    below = docstring_only | {"conformance.core.safe_yaml"}  # baseline's YAML reader
    outside = {m for m in loaded - below if not any(m == a or m.startswith(a + ".") for a in ALLOWED)}
    assert not outside, sorted(outside)
