"""Every verdict carries its basis (issue 22): a deviation from what the spec only infers is said to be
inferred, is non_breaking by default and breaking under --strict-inferred or a severity policy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from conformance.checks.response_schema import violation_message
from conformance.cli.main import main
from conformance.core.errors import UsageError
from conformance.core.kinds import Basis, Kind, Severity
from conformance.findings.model import Finding, Source, make_finding
from conformance.findings.severity_policy import SeverityPolicy, load_policy
from conformance.providers import get_provider
from conformance.providers.wooshpay.workflows import WORKFLOWS
from conformance.sandbox.double import DOCS_ONLY
from conformance.spec.validation import violations
from conformance.targets.double_server import running_double
from conformance.workflows.doubles import run_on_double

WOOSHPAY = get_provider("wooshpay").spec
INFERRED = "Required list is Stripe's Invoice: the page marks every field optional."


def _object(**extra: Any) -> dict[str, Any]:
    return {"type": "object", "required": ["customer"], "properties": {"customer": {"type": "string"}}, **extra}


# -- the basis, derived where the expectation is written ----------------------------------------------


def test_missing_inferred_field_is_inferred_and_never_called_documented() -> None:
    """The defect of issue 22: `expected` said "inferred from Stripe" while the message said "documented"."""
    (found,) = violations(Draft202012Validator(_object(**{"x-inferred": INFERRED})), {})
    assert (found.kind, found.basis, found.inference) == (Kind.MISSING_FIELD, Basis.INFERRED, INFERRED)
    operation = WOOSHPAY.operations["retrieveInvoice"]
    message = violation_message(operation, 200, found)
    assert "documented" not in message.replace("not a promise the documentation makes", "")
    assert "inference" in message
    assert INFERRED in message


def test_missing_documented_field_stays_documented() -> None:
    (found,) = violations(Draft202012Validator(_object()), {})
    assert (found.basis, found.inference) == (Basis.DOCUMENTED, "")
    assert "lacks the documented field /customer" in violation_message(
        WOOSHPAY.operations["retrieveInvoice"], 200, found
    )


@settings(max_examples=20, derandomize=True)
@given(st.sampled_from(["customer", "status", "lines", "amount_due", "created"]), st.booleans())
def test_wooshpay_invoice_required_list_is_inferred(name: str, present: bool) -> None:
    invoice = dict(WOOSHPAY.document["components"]["examples"]["InvoiceObjectFromDeletePage"]["value"])
    if not present:
        del invoice[name]
    every = violations(WOOSHPAY.validator("/components/schemas/Invoice"), invoice)
    found = [v for v in every if v.pointer == f"/{name}" and v.kind is Kind.MISSING_FIELD]
    assert [v.basis for v in found] == ([] if present else [Basis.INFERRED])


def test_old_findings_json_without_basis_loads_as_documented() -> None:
    finding = make_finding(
        provider="wooshpay",
        operation="retrieveInvoice",
        method="GET",
        path="/v1/invoices/{id}",
        kind=Kind.MISSING_FIELD,
        pointer="/customer",
        expected="required field",
        observed="absent",
        message="m",
        source=Source.REPLAY,
        doc_ref="https://docs.wooshpay.com/",
    )
    data = finding.to_json()
    assert data["basis"] == "documented"
    del data["basis"]
    assert Finding.from_json(data).basis is Basis.DOCUMENTED
    inferred = Finding.from_json({**data, "basis": "inferred", "inference": INFERRED})
    assert (inferred.basis, inferred.inference) == (Basis.INFERRED, INFERRED)
    assert Finding.from_json(inferred.to_json()) == inferred


# -- the gate ---------------------------------------------------------------------------------------


def _finding(kind: Kind, basis: Basis, provider: str = "wooshpay") -> Finding:
    return make_finding(
        provider=provider,
        operation="listInvoices",
        method="GET",
        path="/v1/invoices",
        kind=kind,
        pointer="/data/*/customer",
        expected="e",
        observed="o",
        message="m",
        source=Source.LIVE,
        doc_ref="d",
        basis=basis,
        inference="because" if basis is Basis.INFERRED else "",
    )


@settings(max_examples=60, derandomize=True)
@given(st.sampled_from(list(Kind)), st.sampled_from(list(Basis)), st.booleans())
def test_only_inferred_breaking_findings_are_lowered_and_strict_keeps_them(
    kind: Kind, basis: Basis, strict: bool
) -> None:
    finding = _finding(kind, basis)
    (graded,) = SeverityPolicy(strict_inferred=strict).grade([finding])
    lowered = basis is Basis.INFERRED and finding.severity is Severity.BREAKING and not strict
    assert graded.severity is (Severity.NON_BREAKING if lowered else finding.severity)
    assert graded.kind is kind
    assert graded.basis is basis
    assert ("--strict-inferred" in graded.graded) is lowered


def _policy(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    return path


def test_policy_rules_regrade_by_kind_provider_and_basis(tmp_path: Path) -> None:
    path = _policy(
        tmp_path,
        "version: 1\nrules:\n"
        "  - match: {kind: undocumented_field, provider: useepay}\n    severity: breaking\n"
        "  - match: {basis: inferred, check: schema.strict}\n    severity: ignore\n",
    )
    policy = load_policy(path)
    assert policy.sha256
    assert len(policy.sha256) == 64
    assert policy.path == str(path)
    raised, kept, dropped = (
        _finding(Kind.UNDOCUMENTED_FIELD, Basis.DOCUMENTED, "useepay"),
        _finding(Kind.UNDOCUMENTED_FIELD, Basis.DOCUMENTED, "wooshpay"),
        _finding(Kind.MISSING_FIELD, Basis.INFERRED),
    )
    graded = policy.grade([raised, kept, dropped])
    assert [(f.provider, f.severity) for f in graded] == [
        ("useepay", Severity.BREAKING),
        ("wooshpay", Severity.NON_BREAKING),
    ]
    assert "rule 1" in graded[0].graded
    assert graded[1].graded == ""


@pytest.mark.parametrize(
    "text",
    [
        "rules: []\n",  # no version
        "version: 2\nrules: []\n",
        "version: 1\nrules:\n  - match: {kind: no_such_kind}\n    severity: breaking\n",
        "version: 1\nrules:\n  - match: {basis: guessed}\n    severity: breaking\n",
        "version: 1\nrules:\n  - match: {colour: red}\n    severity: breaking\n",
        "version: 1\nrules:\n  - match: {kind: drift}\n    severity: fatal\n",
        "version: 1\nrules:\n  - match: {}\n    severity: info\n",
        "version: 1\nstrict_inferred: maybe\n",
        "version: 1\nextra: 1\n",
        "version: [1\n",
    ],
)
def test_bad_policy_is_a_usage_error(tmp_path: Path, text: str) -> None:
    with pytest.raises(UsageError):
        load_policy(_policy(tmp_path, text))


def test_valid_policy_loads(tmp_path: Path) -> None:
    policy = load_policy(_policy(tmp_path, "version: 1\nstrict_inferred: true\nrules: []\n"))
    assert policy.strict_inferred
    assert policy.rules == ()


def test_bad_policy_on_the_command_line_exits_2_in_one_sentence(tmp_path: Path) -> None:
    path = _policy(tmp_path, "version: 7\n")
    result = CliRunner().invoke(
        main, ["run", "--provider", "wooshpay", "--severity-levels", str(path), "--report-dir", str(tmp_path / "r")]
    )
    assert result.exit_code == 2, result.output
    assert "version: 1" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "r" / "findings.json").exists()


# -- a server that follows the pages and nothing more, over real HTTP -----------------------------------


def _run_docs_only(tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    reports = tmp_path / "reports"
    with running_double("wooshpay", faults=(DOCS_ONLY,), seed=7, demo_data=True) as double:
        args = ["run", "--provider", "wooshpay", "--base-url", f"wooshpay={double.base_url}", "--no-audit"]
        args += ["--no-workflows", "--include-operation-id", "listInvoices", "--max-examples", "3"]
        result = CliRunner().invoke(main, [*args, "--report-dir", str(reports), *extra], env=dict(double.credentials))
    return result.exit_code, json.loads((reports / "findings.json").read_text())


def test_docs_only_server_passes_and_strict_inferred_fails_it(tmp_path: Path) -> None:
    code, document = _run_docs_only(tmp_path / "default")
    inferred = [f for f in document["findings"] if f["basis"] == "inferred"]
    assert inferred, "docs_only leaves out what only Stripe's required list asks for: there must be inferred findings"
    assert [f for f in document["findings"] if f["severity"] == "breaking"] == []
    assert code == 0
    assert all(f["severity"] == "non_breaking" and "--strict-inferred" in f["graded"] for f in inferred)
    assert all("documented field" not in f["message"] and f["inference"] for f in inferred)
    assert document["run"]["severity_policy"] == {"strict_inferred": False}

    code, strict = _run_docs_only(tmp_path / "strict", "--strict-inferred")
    assert code == 1
    breaking = {f["fingerprint"] for f in strict["findings"] if f["severity"] == "breaking"}
    assert breaking == {f["fingerprint"] for f in inferred}
    assert strict["run"]["severity_policy"] == {"strict_inferred": True}


def test_clean_double_answers_what_docs_only_leaves_out(tmp_path: Path) -> None:
    """The silent twin of the variant: the default double sends the null fields docs_only drops."""
    with running_double("wooshpay", seed=7, demo_data=True) as plain:
        invoices = plain.double.invoices
        assert invoices
        sent = plain.double._invoice_object(next(iter(invoices.values())))
    assert "charge" in sent
    assert sent["charge"] is None


# -- invoice_lines_pages: self-consistency, not Stripe's 10 embedded lines ------------------------------

LINES_PAGES = WORKFLOWS.scenario("invoice_lines_pages")
LINE_CHECKS = {"invariant.embedded_lines", "invariant.lines_readable"}


@pytest.mark.parametrize("faults", [(), (DOCS_ONLY,)], ids=["10-embedded", "all-embedded"])
def test_embedded_lines_consistent_either_way_are_silent(faults: tuple[str, ...]) -> None:
    findings = run_on_double(WORKFLOWS, LINES_PAGES, faults=faults).findings
    assert [f for f in findings if f.check in LINE_CHECKS] == []


def test_embedded_lines_that_contradict_has_more_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.providers.wooshpay import double as module

    original = module.WooshPayDouble._invoice_object

    def lying(self: module.WooshPayDouble, invoice: dict[str, Any]) -> dict[str, Any]:
        body = original(self, invoice)
        body["lines"]["has_more"] = False  # 10 of 12 embedded, yet "no more"
        return body

    monkeypatch.setattr(module.WooshPayDouble, "_invoice_object", lying)
    findings = run_on_double(WORKFLOWS, LINES_PAGES).findings
    (found,) = [f for f in findings if f.check == "invariant.embedded_lines"]
    assert (found.kind, found.basis, found.severity) == (Kind.INVARIANT_VIOLATION, Basis.INFERRED, Severity.BREAKING)
    assert "10 of its 12 lines" in found.message
    assert found.inference


# -- lifecycle rules: their provenance is the basis of a breach ----------------------------------------


@pytest.mark.parametrize(
    ("state", "action", "basis"),
    [("open", "deleteInvoice", Basis.DOCUMENTED), ("open", "finalizeInvoice", Basis.INFERRED)],
)
def test_a_flipped_rule_is_reported_on_the_basis_of_its_provenance(state: str, action: str, basis: Basis) -> None:
    from tests.workflows.test_lifecycle_probe import LIFECYCLES, _flip, _probe_cell

    rule = LIFECYCLES["wooshpay"].action(action)
    assert rule.provenance.basis is basis
    outcome = _probe_cell("wooshpay", state, action, faults=(_flip(rule, state),))
    caught = [f for f in outcome.findings if f.kind is Kind.STATE_TRANSITION and f.operation == action]
    assert caught
    assert {f.basis for f in caught} == {basis}
    (graded,) = SeverityPolicy().grade(caught[:1])
    assert graded.severity is (Severity.BREAKING if basis is Basis.DOCUMENTED else Severity.NON_BREAKING)


def test_an_unlisted_transition_rests_on_the_rules_that_leave_its_state() -> None:
    from conformance.checks.invariants import Lifecycle as Moves
    from conformance.checks.invariants import transition

    moves = Moves("/status", {"draft": frozenset({"open"}), "open": frozenset({"paid"}), "paid": frozenset()}, "d")
    assert transition("draft", "open", moves) is None  # allowed: silent
    documented = transition("draft", "paid", moves)
    assert documented is not None
    assert documented.basis is Basis.DOCUMENTED
    inferred = transition("draft", "paid", Moves(moves.status, moves.transitions, "d", {"draft": "finalize: Stripe"}))
    assert inferred is not None
    assert (inferred.basis, inferred.inference) == (Basis.INFERRED, "finalize: Stripe")


# -- root causes and reports carry the basis -------------------------------------------------------------


def _document(findings: list[Finding]) -> Any:
    from conformance.document.model import FindingsDocument, RunInfo, Summary
    from conformance.findings.root_cause_model import group_findings

    return FindingsDocument(
        tool_version="0",
        run=RunInfo("live", ("wooshpay",), {}, 0, "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z"),
        summary=Summary.of(findings, operations=1, requests=1),
        findings=tuple(findings),
        root_causes=group_findings(findings, lambda f: ("Invoice", f.pointer.rsplit("/", 1)[-1])),
    )


def _missing(pointer: str, basis: Basis) -> Finding:
    from dataclasses import replace

    return replace(_finding(Kind.MISSING_FIELD, basis), pointer=pointer)


def test_root_causes_keep_inferred_and_documented_apart_and_say_which() -> None:
    graded = SeverityPolicy().grade(
        [_missing("/data/*/customer", Basis.INFERRED), _missing("/data/*/id", Basis.DOCUMENTED)]
    )
    causes = {c.basis: c for c in _document(graded).root_causes}
    assert set(causes) == {"inferred", "documented"}
    assert "documented" not in causes["inferred"].title
    assert "infers as required" in causes["inferred"].title
    assert "documented field" in causes["documented"].title
    assert causes["inferred"].severity is Severity.NON_BREAKING
    assert causes["documented"].severity is Severity.BREAKING


@pytest.mark.parametrize("basis", [Basis.INFERRED, Basis.DOCUMENTED])
def test_every_report_shows_the_basis(basis: Basis) -> None:
    from conformance.reports import html_report, junit, markdown

    document = _document(SeverityPolicy().grade([_missing("/data/*/customer", basis)]))
    vendor = markdown.render_vendor(document, "wooshpay")
    assert f"| Basis | {basis.value}" in vendor
    assert ("--strict-inferred" in vendor) is (basis is Basis.INFERRED)
    details = junit.render(document)
    assert f"basis: {basis.value}" in details
    assert ("<failure" in details) is (basis is Basis.DOCUMENTED)  # only a documented deviation fails JUnit
    assert f"<dt>basis</dt><dd>{basis.value}" in html_report.render(document)


def test_the_policy_a_run_used_is_recorded_with_its_hash(tmp_path: Path) -> None:
    import hashlib

    path = _policy(tmp_path, "version: 1\nrules:\n  - match: {kind: drift}\n    severity: info\n")
    reports = tmp_path / "reports"
    with running_double("wooshpay", seed=7, demo_data=True) as double:
        args = ["run", "--provider", "wooshpay", "--base-url", f"wooshpay={double.base_url}", "--no-audit"]
        args += ["--no-workflows", "--include-operation-id", "retrieveInvoice", "--max-examples", "1"]
        args += ["--severity-levels", str(path), "--report-dir", str(reports)]
        result = CliRunner().invoke(main, args, env=dict(double.credentials))
    assert result.exit_code == 0, result.output
    recorded = json.loads((reports / "findings.json").read_text())["run"]["severity_policy"]
    assert recorded == {
        "strict_inferred": False,
        "path": str(path),
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "rules": 1,
    }


@pytest.mark.parametrize(
    ("provider", "operation", "inferred"),
    [("lynkwell", "getInvoice", True), ("wooshpay", "retrieveInvoice", False)],
)
def test_an_unlisted_status_is_inferred_only_where_every_listed_one_is(
    provider: str, operation: str, inferred: bool
) -> None:
    from conformance.checks.response_schema import status_inference

    spec = get_provider(provider).spec
    found = status_inference(spec, spec.operations[operation], 202)
    assert bool(found) is inferred
    # Another class of status (no 3xx is listed anywhere) rests on the operation's own provenance.
    assert bool(status_inference(spec, spec.operations[operation], 302)) is (
        spec.operations[operation].provenance.status == "inferred"
    )
