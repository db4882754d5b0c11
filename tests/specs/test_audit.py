"""The documentation audit through the command line, on the shipped specs and on broken copies."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conformance.cli.main import main
from conformance.providers import get_provider
from tests.conftest import PROVIDERS, ROOT


def _audit(cli: CliRunner, spec_dir: Path, report_dir: Path, *providers: str) -> tuple[int, dict | None, str]:
    args = ["--spec-dir", str(spec_dir), "audit", "--report-dir", str(report_dir)]
    for provider in providers:
        args += ["--provider", provider]
    result = cli.invoke(main, args)
    findings = report_dir / "findings.json"
    return result.exit_code, json.loads(findings.read_text()) if findings.exists() else None, result.output


@pytest.fixture
def spec_copy(tmp_path: Path) -> Path:
    target = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", target)
    return target


def test_shipped_specs_audit_reports_every_defect_and_nothing_breaking(cli: CliRunner, tmp_path: Path) -> None:
    code, document, _ = _audit(cli, ROOT / "specs", tmp_path / "reports")
    assert code == 0
    assert document is not None
    for provider in PROVIDERS:
        spec = get_provider(provider).spec
        defect_pointers = {
            f["pointer"] for f in document["findings"] if f["provider"] == provider and f["kind"] == "doc_defect"
        }
        assert defect_pointers == {f"/x-doc-defects/{d.id}" for d in spec.defects}
    assert all(f["severity"] == "info" for f in document["findings"])
    assert all(
        f["source"] == "documentation" and f["doc_ref"].startswith(("https://", "http://"))
        for f in document["findings"]
    )
    mismatches = [f for f in document["findings"] if f["kind"] == "doc_example_mismatch"]
    assert all("documentation defect" in f["message"] for f in mismatches), "every mismatch names its defect"


def test_broken_example_is_reported_with_pointer_and_values(cli: CliRunner, spec_copy: Path, tmp_path: Path) -> None:
    path = spec_copy / "lynkwell.yaml"
    document = yaml.safe_load(path.read_text())
    example = document["components"]["examples"]["InvoiceFromGetInvoicePage"]["value"]["data"]
    example["subTotal"] = "12.50"  # retyped
    del example["id"]  # removed
    example["status"] = None  # null where none is allowed
    path.write_text(yaml.safe_dump(document, sort_keys=False))

    code, findings, _ = _audit(cli, spec_copy, tmp_path / "reports", "lynkwell")

    assert code == 0  # documentation findings are info: they inform, they do not gate
    assert findings is not None
    base = "/components/examples/InvoiceFromGetInvoicePage/value/data"
    got = {
        (f["pointer"], f["expected"], f["observed"])
        for f in findings["findings"]
        if f["kind"] == "doc_example_mismatch"
    }
    assert (f"{base}/subTotal", "type number", '"12.50"') in got
    # Lynkwell prints no required flags: the required list is the spec's reading, and the finding says so.
    assert (f"{base}/id", "required field (inferred, not documented)", "absent") in got
    assert any(p == f"{base}/status" and o == "null" for p, _, o in got)
    broken = [f for f in findings["findings"] if f["kind"] == "doc_example_mismatch" and f["pointer"].startswith(base)]
    assert all(f["operation"] == "getInvoice" for f in broken)
    assert all("no documentation defect names this yet" in f["message"] for f in broken)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("openapi: 3.1.0\ninfo: [unclosed\n", "not valid YAML at line"),
        ("- just\n- a list\n", "does not hold an OpenAPI document"),
        ("openapi: 3.1.0\ninfo: {title: x}\npaths: {}\n", "not valid OpenAPI 3.1"),
        ("openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths: {}\n", "not OpenAPI 3.1"),
    ],
)
def test_malformed_spec_exits_2_with_one_clear_message(
    cli: CliRunner, spec_copy: Path, tmp_path: Path, content: str, says: str
) -> None:
    (spec_copy / "useepay.yaml").write_text(content)
    reports = tmp_path / "reports"
    code, findings, output = _audit(cli, spec_copy, reports, "useepay")
    assert code == 2
    assert says in output
    assert "Traceback" not in output
    assert len([line for line in output.splitlines() if line.strip()]) <= 2  # one sentence, maybe wrapped
    assert findings is None, "nothing half-written"


def test_missing_spec_file_names_the_file(cli: CliRunner, spec_copy: Path, tmp_path: Path) -> None:
    (spec_copy / "wooshpay.yaml").unlink()
    code, _, output = _audit(cli, spec_copy, tmp_path / "reports", "wooshpay")
    assert code == 2
    assert "has no wooshpay.yaml" in output
    assert "--provider" in output  # and how to fix it


def test_operation_without_provenance_is_a_usage_error(cli: CliRunner, spec_copy: Path, tmp_path: Path) -> None:
    path = spec_copy / "lynkwell.yaml"
    document = yaml.safe_load(path.read_text())
    del document["paths"]["/billing/v1/invoices"]["get"]["x-provenance"]
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    code, _, output = _audit(cli, spec_copy, tmp_path / "reports", "lynkwell")
    assert code == 2
    assert "listInvoices has no x-provenance" in output


def test_unknown_provider_exits_2(cli: CliRunner, tmp_path: Path) -> None:
    code, _, output = _audit(cli, ROOT / "specs", tmp_path / "reports", "paypal")
    assert code == 2
    assert "unknown provider 'paypal'" in output


def test_providers_lists_every_operation_with_its_provenance(cli: CliRunner) -> None:
    everything = cli.invoke(main, ["providers"])
    assert everything.exit_code == 0
    for name in PROVIDERS:
        result = cli.invoke(main, ["providers", "--provider", name])
        assert get_provider(name).title in everything.output
        for op in get_provider(name).spec.operations.values():
            line = next((ln for ln in result.output.splitlines() if f" {op.operation_id} " in ln), None)
            assert line is not None, op.operation_id
            assert op.provenance.status in line
