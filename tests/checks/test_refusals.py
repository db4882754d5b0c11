"""Issue 24, points 1 and 2: accepted invalid input judged as acceptance, refusals by the provider's documented statuses.

Over real HTTP against the docs_only variants of the UseePay and Lynkwell doubles (they follow the pages and
nothing more: they store and echo what only the spec's inference forbids, and refuse with the statuses the
pages allow), each with its twin: a wrong type on valid input, and an undocumented 5xx, still break.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.checks.accepted_input import ECHO_KINDS, TaintedObjects
from conformance.checks.check_failures import accepted_invalid, judged_finding
from conformance.checks.lifecycle import lifecycle_of
from conformance.checks.refusals import _parse, judge_refusal, refusals_of
from conformance.checks.request_conformance import Constraint, wire_constraints
from conformance.checks.response_schema import response_violations
from conformance.cli.main import main
from conformance.core.errors import UsageError
from conformance.core.kinds import Basis, Kind, Severity
from conformance.findings.model import Evidence, Source
from conformance.providers import get_provider
from conformance.spec.validation import Violation
from conformance.targets.double_server import RunningDouble, running_double

DOCS_ONLY = "docs_only"
ECHO = {str(k) for k in (Kind.TYPE_MISMATCH, Kind.NULLABILITY, Kind.ENUM_VIOLATION)}
# The operations points 1 and 2 are about: an invalid create echoed by its reads, a lifecycle refusal, a made-up
# reference refused, the operation the server_error fault breaks. Narrowed so the runs stay short; points 3-4
# (references, integers) are another branch's, so the customers invoices name are created by the run.
OPERATIONS = {
    "useepay": ("createCustomer", "createInvoice", "retrieveInvoice", "payInvoice"),
    "lynkwell": ("createDriver", "listDrivers", "getInvoice", "retryInvoicePayment", "subscribePaymentProfile"),
}
PROVIDERS = sorted(OPERATIONS)
PROBED_KEYWORDS = ("required", "maximum", "minimum", "maxLength", "minLength", "pattern")
HEADERS = {"x-merchant-no": "m", "x-api-key": "k", "x-app-id": "a", "Content-Type": "application/json"}


def _run(
    provider: str, reports: Path, *extra: str, faults: tuple[str, ...] = (DOCS_ONLY,)
) -> tuple[int, dict[str, Any], RunningDouble]:
    with running_double(provider, faults=faults, seed=7, demo_data=True) as double:
        args = ["run", "--provider", provider, "--base-url", f"{provider}={double.base_url}", "--no-audit"]
        for operation in OPERATIONS[provider]:
            args += ["--include-operation-id", operation]
        args += ["--max-examples", "5", "--report-dir", str(reports), *extra]
        result = CliRunner().invoke(main, args, env=dict(double.credentials))
    assert (reports / "findings.json").exists(), result.output
    return result.exit_code, json.loads((reports / "findings.json").read_text()), double


def _of(document: dict[str, Any], *kinds: str) -> list[dict[str, Any]]:
    return [f for f in document["findings"] if f["kind"] in kinds]


def _stored_echoes(provider: str, double: RunningDouble) -> list[Violation]:
    """What the double stored from accepted invalid input, judged as a response: the echoes the run excused."""
    spec = get_provider(provider).spec
    if provider == "useepay":
        read, objects = spec.operations["retrieveInvoice"], [*double.double.invoices.values()]  # type: ignore[attr-defined]
        bodies = objects
    else:
        read, objects = spec.operations["createDriver"], [*double.double.drivers.values()]  # type: ignore[attr-defined]
        bodies = [{"data": o} for o in objects]
    found = [v for body in bodies for v in response_violations(spec, read, 200, body, strict=False) or []]
    return [v for v in found if v.kind in ECHO_KINDS]


# -- the docs_only doubles: 0 breaking by default, the inferred ones back under --strict-inferred -----------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_docs_only_double_passes_and_its_echoes_are_acceptance(provider: str, tmp_path: Path) -> None:
    code, document, double = _run(provider, tmp_path / "default")
    assert [f for f in document["findings"] if f["severity"] == "breaking"] == []
    assert code == 0
    accepted = _of(document, "negative_data_accepted")
    assert accepted, "the docs_only double accepts what only the spec infers: there must be accepted invalid input"
    for finding in accepted:
        assert finding["pointer"].startswith("/body")
        # The engine's check names the keyword; the constraint probes' is behaviour.constraint (docs/behaviour.md),
        # and their message names the pointer and keyword the same way.
        assert finding["check"].startswith("request.") or finding["check"] == "behaviour.constraint"
        keyword = finding["check"].removeprefix("request.")
        if finding["check"] == "behaviour.constraint":
            keyword = next(k for k in PROBED_KEYWORDS if f"`{k}`" in finding["message"])
        assert f"{finding['pointer']} `{keyword}`" in finding["message"]
        assert finding["basis"] == "inferred"
        assert finding["inference"]
    assert _of(document, *ECHO) == []
    if provider == "useepay":
        # The double did store invalid values (read back they break the schema), and no echo became a finding.
        assert _stored_echoes(provider, double), "the double must have stored what it accepted"
    else:
        # A server that stopped requiring a driver's name: its own finding, by constraint (issue 24's case).
        assert any(f["pointer"] == "/body/name" and f["check"] == "request.required" for f in accepted)

    inferred = [f for f in document["findings"] if f.get("graded")]
    assert inferred, "docs_only leaves out nulls only an inferred required list asks for"
    code, strict, _ = _run(provider, tmp_path / "strict", "--strict-inferred")
    assert code == 1
    assert {f["fingerprint"] for f in strict["findings"] if f["severity"] == "breaking"} >= {
        f["fingerprint"] for f in inferred
    }
    assert all(f["basis"] == "inferred" for f in strict["findings"] if f["severity"] == "breaking")


@pytest.mark.parametrize("provider", PROVIDERS)
def test_wrong_type_on_valid_input_and_a_server_error_still_break(provider: str, tmp_path: Path) -> None:
    """The twin: the same docs_only double, retyping a field of every invoice and answering 500 to valid input."""
    code, document, _ = _run(provider, tmp_path, faults=(DOCS_ONLY, "field_retyped", "server_error"))
    assert code == 1
    field = get_provider(provider).double().fault_targets.retyped_field
    retyped = [f for f in _of(document, "type_mismatch") if f["pointer"].endswith("/" + field)]
    assert retyped, [f["pointer"] for f in _of(document, "type_mismatch")]
    # Judged as a response defect, at the severity its basis gives it (breaking when documented).
    assert all((f["severity"] == "breaking") == (f["basis"] == "documented") for f in retyped)
    assert [f for f in _of(document, "server_error") if f["severity"] == "breaking"]


def test_replay_judges_accepted_invalid_input_as_the_live_run(tmp_path: Path) -> None:
    """The recording carries what the replay needs (each case's generation mode): the same verdicts."""
    cassettes = tmp_path / "cassettes"
    code, live, _ = _run(
        "useepay", tmp_path / "live", "--target", "record", "--cassette-dir", str(cassettes), "--no-workflows"
    )
    assert code == 0
    result = CliRunner().invoke(
        main,
        [
            "run",
            "--provider",
            "useepay",
            "--no-audit",
            "--no-workflows",
            "--cassette-dir",
            str(cassettes),
            "--report-dir",
            str(tmp_path / "replay"),
        ],
    )
    replayed = json.loads((tmp_path / "replay" / "findings.json").read_text())
    assert result.exit_code == 0, result.output
    engine = [f for f in _of(live, "negative_data_accepted") if not f["evidence"].get("steps")]
    assert engine
    assert {f["fingerprint"] for f in _of(replayed, "negative_data_accepted")} == {f["fingerprint"] for f in engine}
    assert _of(replayed, *ECHO) == []


# -- one finding per constraint, identified by it ---------------------------------------------------------


def test_accepted_invalid_input_is_identified_by_its_constraint() -> None:
    spec = get_provider("useepay").spec
    create = spec.operations["createInvoice"]
    url = "http://127.0.0.1" + create.path
    body = {"customer_id": "cus_1", "currency": "USD", "total_amount": 100}
    by_type = wire_constraints(spec, create, url, HEADERS, json.dumps({**body, "metadata": 0}))
    by_bound = wire_constraints(spec, create, url, HEADERS, json.dumps({**body, "total_amount": -1}))
    assert by_type
    assert by_bound
    assert (by_type[0].pointer, by_type[0].keyword) == ("/body/metadata", "type")
    assert (by_bound[0].pointer, by_bound[0].keyword) == ("/body/total_amount", "minimum")
    assert wire_constraints(spec, create, url, HEADERS, json.dumps(body)) == []

    def finding(constraint: Constraint) -> Any:
        fields = accepted_invalid(create, 200, constraint)
        return judged_finding(create, **fields, source=Source.LIVE, evidence=Evidence())

    first, second = finding(by_type[0]), finding(by_bound[0])
    again = finding(wire_constraints(spec, create, url, HEADERS, json.dumps({**body, "metadata": False}))[0])  # type: ignore[index]
    assert first.fingerprint != second.fingerprint  # another constraint: another finding
    assert first.fingerprint == again.fingerprint  # another value breaking the same constraint: the same one
    assert "/body/metadata `type`" in first.message
    assert first.basis is by_type[0].basis


def test_positive_data_rejected_is_identified_by_status_and_error_code() -> None:
    spec = get_provider("useepay").spec
    pay = spec.operations["payInvoice"]
    unknown = judge_refusal(spec, pay, 422, {"code": "invoice_closed", "message": "no"}, "")
    other = judge_refusal(spec, pay, 422, {"code": "card_declined", "message": "no"}, "")
    assert unknown is not None
    assert other is not None
    assert (unknown.check, other.check) == ("refusal.422.invoice_closed", "refusal.422.card_declined")
    assert unknown.severity is None
    assert unknown.basis is Basis.DOCUMENTED


# -- refusals by the documented statuses -----------------------------------------------------------------


def test_documented_refusal_status_passes_and_another_does_not() -> None:
    spec = get_provider("useepay").spec
    pay = spec.operations["payInvoice"]
    body = {"code": "invalid_argument", "message": "Only open invoices can be paid."}
    assert judge_refusal(spec, pay, 400, body, "") is None  # the Errors page's "failed another validation test"
    assert judge_refusal(spec, pay, 422, body, "") is not None
    assert refusals_of(spec).allowed(400).basis is Basis.DOCUMENTED  # type: ignore[union-attr]
    lifecycle = lifecycle_of(spec)
    assert lifecycle is not None
    assert (lifecycle.refused_with, lifecycle.refused_basis) == ((400,), "documented")


def test_unlisted_statuses_make_a_4xx_in_the_error_shape_a_non_breaking_refusal() -> None:
    spec = get_provider("lynkwell").spec
    listing = spec.operations["listDrivers"]
    refused = judge_refusal(spec, listing, 400, {"error": {"code": "resource_missing", "message": "no"}}, "")
    assert refused is not None
    assert (refused.severity, refused.basis, refused.check) == (
        Severity.NON_BREAKING,
        Basis.INFERRED,
        "refusal.400.resource_missing",
    )
    assert "LW-NO-ERROR-FORMAT" in refused.inference
    # Not the error shape: nothing says it is a refusal, so it is a rejection of valid data.
    shapeless = judge_refusal(spec, listing, 400, {"oops": True}, "")
    assert shapeless is not None
    assert shapeless.severity is None
    lifecycle = lifecycle_of(spec)
    assert lifecycle is not None
    assert lifecycle.refused_basis == "unstated"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"statuses": {500: {"basis": "documented"}}}, "not a 4xx status"),
        ({"statuses": {400: {"basis": "maybe"}}}, "documented or inferred"),
        ({"error_code": "code"}, "JSON pointer"),
    ],
)
def test_a_broken_refusal_declaration_is_a_usage_error(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        _parse(get_provider("useepay").spec, raw)


# -- echoes are excused on the objects that took invalid input, and only there -----------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=3), inner, max_size=2),
    max_leaves=4,
)


@settings(max_examples=40, deadline=None)
@given(value=JSON_VALUES, other=JSON_VALUES)
def test_an_echo_is_excused_on_its_object_and_nowhere_else(value: Any, other: Any) -> None:
    tainted = TaintedObjects()
    constraint = Constraint("/body/metadata", "type", "type object", json.dumps(value), instance_pointer="/metadata")
    tainted.accept([constraint], {"metadata": value}, {}, {"id": "inv_1", "metadata": value})
    tainted.done()
    violation = Violation(Kind.TYPE_MISMATCH, "/items/*/metadata", "type object", "x", "/items/0/metadata")
    echoed = {"items": [{"id": "inv_1", "metadata": value}]}
    assert tainted.excused(echoed, violation)
    assert not tainted.excused({"items": [{"id": "inv_2", "metadata": value}]}, violation)  # another object
    if json.dumps(other, sort_keys=True) != json.dumps(value, sort_keys=True):
        assert not tainted.excused({"items": [{"id": "inv_1", "metadata": other}]}, violation)  # not what was sent


# -- lifecycle refusals: the status the pages state, or any 4xx where they state none ---------------------


def _probe(provider: str, monkeypatch: pytest.MonkeyPatch, status: int | None, faults: tuple[str, ...] = ()) -> Any:
    from conformance.sandbox.double import ProviderDouble
    from conformance.workflows.doubles import run_on_double

    if status is not None:
        original = ProviderDouble.refusal

        def refusing(self: ProviderDouble, rule: Any, current: str) -> Any:
            refused = original(self, rule, current)
            refused.status = status
            return refused

        monkeypatch.setattr(get_provider(provider).double(), "refusal", refusing)
    workflows = get_provider(provider).workflows()
    assert workflows is not None
    found = run_on_double(workflows, workflows.scenario("lifecycle_probe"), faults=faults).findings
    return [f for f in found if f.kind is Kind.STATE_TRANSITION]


def test_a_lifecycle_refusal_with_the_documented_status_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _probe("useepay", monkeypatch, None) == []  # 400, as the Errors page allows


def test_a_lifecycle_refusal_with_another_status_is_not_called_documented_by_the_lifecycle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    found = _probe("useepay", monkeypatch, 409)  # the suite's old expectation, stated by no page
    assert found
    assert all(f.basis is Basis.DOCUMENTED for f in found)
    assert all("as the lifecycle documents" not in f.expected for f in found)
    assert all("not the documented 400" in f.message and "as the pages document it" in f.expected for f in found)


def test_where_no_page_names_the_refusal_status_any_4xx_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _probe("lynkwell", monkeypatch, None, faults=(DOCS_ONLY,)) == []  # 400, where the spec's double says 409
    assert _probe("lynkwell", monkeypatch, 422) == []
