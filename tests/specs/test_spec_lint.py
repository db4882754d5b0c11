"""The spec lint (tests/specs/spec_lint.py): silent on the shipped specs, firing on each kind of mutation.

The mutations are drawn by Hypothesis from the shipped specs themselves: any string of the document may
gain a defect reference, any x-inferred may lose its reason, any component schema or response of an
inferred operation may lose its provenance. Each has a twin that makes the same edit with valid data
(a defined id, another reason, a recorded page) and must stay silent.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.core import pointers
from conformance.providers import get_provider
from tests.conftest import PROVIDERS, ROOT
from tests.specs import spec_lint
from tests.specs.spec_lint import Problem, lint

DOCUMENTS = {name: get_provider(name).spec.document for name in PROVIDERS}
SETTINGS = settings(max_examples=15, deadline=None, derandomize=True)


def _copy(provider: str) -> dict[str, Any]:
    return copy.deepcopy(DOCUMENTS[provider])


def _parent(document: Any, pointer: str) -> tuple[Any, str]:
    tokens = pointers.split(pointer)
    node = document
    for token in tokens[:-1]:
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node, tokens[-1]


def _set(document: Any, pointer: str, value: Any) -> None:
    parent, key = _parent(document, pointer)
    parent[int(key) if isinstance(parent, list) else key] = value


PROSE = frozenset({"description", "summary", "title", "reason", "x-inferred", "docs_say", "reading"})


def _strings(provider: str) -> list[str]:
    """Pointers of the prose of a spec (where a text may name a defect), from its top to its lifecycle."""
    return [p for p, _ in spec_lint._strings(DOCUMENTS[provider], "") if pointers.split(p)[-1] in PROSE]


def _inferred(provider: str) -> list[str]:
    return [p + "/x-inferred" for p, node in spec_lint._mappings(DOCUMENTS[provider], "") if "x-inferred" in node]


def _rules(problems: list[Problem]) -> set[tuple[str, str]]:
    return {(p.pointer, p.rule) for p in problems}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_shipped_specs_pass_the_lint(provider: str) -> None:
    assert lint(DOCUMENTS[provider]) == []


def test_the_lint_runs_on_files_from_the_command_line() -> None:
    specs = sorted(str(p) for p in (ROOT / "specs").glob("*.yaml"))
    result = subprocess.run(
        [sys.executable, "-m", "tests.specs.spec_lint", *specs], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout) == (0, "")


# -- defect ids ---------------------------------------------------------------------------------------


@SETTINGS
@given(
    data=st.data(),
    provider=st.sampled_from(PROVIDERS),
    name=st.from_regex(r"[A-Z]{4,8}(-[A-Z0-9]{2,6}){0,2}", fullmatch=True),
)
def test_a_reference_to_an_undefined_defect_is_reported_where_it_is(
    data: st.DataObject, provider: str, name: str
) -> None:
    document = _copy(provider)
    prefix = sorted(spec_lint.defined_defects(document))[0].split("-", 1)[0]
    undefined = f"{prefix}-{name}-UNDEFINED"
    pointer = data.draw(st.sampled_from(_strings(provider)))
    parent, key = _parent(document, pointer)
    _set(document, pointer, f"{parent[int(key) if isinstance(parent, list) else key]} ({undefined})")

    problems = [p for p in lint(document) if p.rule == "undefined-defect"]
    assert [(p.pointer, undefined in p.message) for p in problems] == [(pointer, True)]


@SETTINGS
@given(data=st.data(), provider=st.sampled_from(PROVIDERS))
def test_a_reference_to_a_defined_defect_is_silent(data: st.DataObject, provider: str) -> None:
    document = _copy(provider)
    defined = data.draw(st.sampled_from(sorted(spec_lint.defined_defects(document))))
    pointer = data.draw(st.sampled_from(_strings(provider)))
    parent, key = _parent(document, pointer)
    _set(document, pointer, f"{parent[int(key) if isinstance(parent, list) else key]} (see {defined}).")
    assert lint(document) == []


def test_an_id_that_merely_starts_like_a_defined_one_is_undefined() -> None:
    document = _copy("wooshpay")
    document["info"]["description"] += " See WP-DELETE-AS-GET-AGAIN."
    assert _rules(lint(document)) == {("/info/description", "undefined-defect")}


# -- inferences ---------------------------------------------------------------------------------------


@SETTINGS
@given(data=st.data(), provider=st.sampled_from(PROVIDERS), empty=st.sampled_from(["", "   ", None, True, [], {}]))
def test_an_inference_without_a_reason_is_reported(data: st.DataObject, provider: str, empty: Any) -> None:
    document = _copy(provider)
    pointer = data.draw(st.sampled_from(_inferred(provider)))
    _set(document, pointer, empty)
    assert (pointer, "inferred-without-reason") in _rules(lint(document))


@SETTINGS
@given(data=st.data(), provider=st.sampled_from(PROVIDERS), reason=st.text(min_size=1).filter(str.strip))
def test_an_inference_with_another_reason_is_silent(data: st.DataObject, provider: str, reason: str) -> None:
    document = _copy(provider)
    pointer = data.draw(st.sampled_from(_inferred(provider)))
    _set(document, pointer, reason.replace("-", " "))  # no accidental defect id
    assert lint(document) == []


@pytest.mark.parametrize("provider", PROVIDERS)
def test_an_inferred_lifecycle_rule_or_operation_needs_a_reason(provider: str) -> None:
    document = _copy(provider)
    rule = next(iter(document["x-lifecycle"]["actions"].values()))["provenance"]
    rule.update(status="inferred", reason=" ")
    operation = next(op for path in document["paths"].values() for op in path.values() if "x-provenance" in op)
    operation["x-provenance"]["status"] = "partial"
    operation["x-provenance"].pop("reason", None)
    rules = {rule for _, rule in _rules(lint(document))}
    assert rules == {"inferred-without-reason"}
    assert len(lint(document)) == 2


# -- provenance ---------------------------------------------------------------------------------------


def _schemas_with(provider: str, key: str) -> list[str]:
    return sorted(name for name, s in DOCUMENTS[provider]["components"]["schemas"].items() if key in s)


@SETTINGS
@given(data=st.data(), provider=st.sampled_from(PROVIDERS))
def test_a_schema_without_provenance_is_reported(data: st.DataObject, provider: str) -> None:
    document = _copy(provider)
    name = data.draw(st.sampled_from(sorted(document["components"]["schemas"])))
    schema = document["components"]["schemas"][name]
    schema.pop("x-source", None)
    schema.pop("x-inferred", None)
    assert (pointers.join("components", "schemas", name), "no-provenance") in _rules(lint(document))


@SETTINGS
@given(data=st.data(), provider=st.sampled_from(PROVIDERS), recorded=st.booleans())
def test_an_x_source_must_name_a_recorded_page(data: st.DataObject, provider: str, recorded: bool) -> None:
    document = _copy(provider)
    name = data.draw(st.sampled_from(_schemas_with(provider, "x-source")))
    pages = sorted(spec_lint.recorded_urls(document))
    page = data.draw(st.sampled_from(pages)) if recorded else "https://example.com/not-a-recorded-page"
    document["components"]["schemas"][name]["x-source"] = page
    found = _rules(lint(document))
    where = (pointers.join("components", "schemas", name, "x-source"), "unrecorded-source")
    assert found == (set() if recorded else {where})


def _inferred_operations(provider: str) -> list[tuple[str, str, str]]:
    """(path, method, status) of the responses of wholly inferred operations, with x-inferred inline."""
    found = []
    for pointer, _, operation in spec_lint._operations(DOCUMENTS[provider]):
        if operation["x-provenance"]["status"] == "inferred":
            for status, response in operation["responses"].items():
                if "x-inferred" in response:
                    found.append((pointer, status, response["x-inferred"]))
    return [(p, s, r) for p, s, r in found]


@pytest.mark.parametrize("provider", ["wooshpay", "useepay"])
def test_a_response_of_an_inferred_operation_needs_its_own_provenance(provider: str) -> None:
    cases = _inferred_operations(provider)
    assert cases, "each of these specs has an inferred operation with an inline inferred response"
    for pointer, status, _ in cases:
        document = _copy(provider)
        response = _parent(document, pointer + pointers.join("responses", status, "x-inferred"))[0]
        del response["x-inferred"]
        assert _rules(lint(document)) == {(pointer + pointers.join("responses", status), "no-provenance")}
        response["x-source"] = sorted(spec_lint.recorded_urls(document))[0]
        assert lint(document) == []


def test_a_documented_operation_s_responses_are_its_page_s() -> None:
    document = _copy("wooshpay")
    responses = document["paths"]["/v1/products"]["post"]["responses"]
    responses["418"] = {"description": "I'm a teapot", "content": {}}
    assert lint(document) == []  # a partial operation's page documents its responses: only a reader can tell
    document["paths"]["/v1/products"]["post"]["x-provenance"]["status"] = "inferred"
    document["paths"]["/v1/products"]["post"]["x-provenance"]["reason"] = "a test"
    assert ("/paths/~1v1~1products/post/responses/418", "no-provenance") in _rules(lint(document))


def test_an_operation_must_name_a_recorded_page() -> None:
    document = _copy("lynkwell")
    operation = document["paths"]["/billing/v1/invoices/{invoiceId}/retry-payment"]["post"]
    operation["x-provenance"]["sources"] = [{"title": "a page nobody recorded"}]
    pointer = "/paths/~1billing~1v1~1invoices~1{invoiceId}~1retry-payment/post/x-provenance"
    assert (pointer, "no-provenance") in _rules(lint(document))


# -- webhooks (issue 27) ----------------------------------------------------------------------------------

EVENT_SPECS = ("wooshpay", "useepay")


@pytest.mark.parametrize("provider", EVENT_SPECS)
@SETTINGS
@given(data=st.data())
def test_a_webhook_must_name_a_recorded_page(data: st.DataObject, provider: str) -> None:
    document = _copy(provider)
    event = data.draw(st.sampled_from(sorted(document["webhooks"])))
    post = document["webhooks"][event]["post"]
    pointer = pointers.join("webhooks", event, "post", "x-provenance")
    post["x-provenance"]["sources"] = [{"title": "a page nobody recorded"}]
    assert (pointer, "no-provenance") in _rules(lint(document))
    # The same edit naming a page the spec records elsewhere is silent.
    post["x-provenance"]["sources"] = [{"url": sorted(spec_lint.recorded_urls(_copy(provider)))[0], "title": "x"}]
    assert lint(document) == []


@pytest.mark.parametrize("provider", EVENT_SPECS)
@SETTINGS
@given(data=st.data())
def test_an_emitted_event_must_be_a_declared_webhook(data: st.DataObject, provider: str) -> None:
    document = _copy(provider)
    rules = document["x-lifecycle"]["emits"]["rules"]
    index = data.draw(st.integers(0, len(rules) - 1))
    declared = sorted(document["webhooks"])
    rules[index]["event"] = data.draw(st.sampled_from(declared))  # another declared event: silent
    assert lint(document) == []
    rules[index]["event"] = "invoice.teleported"
    pointer = pointers.join("x-lifecycle", "emits", "rules", index, "event")
    assert _rules(lint(document)) == {(pointer, "undeclared-event")}


@pytest.mark.parametrize("provider", EVENT_SPECS)
def test_webhooks_need_their_delivery_rules_and_an_inferred_rule_its_reason(provider: str) -> None:
    document = _copy(provider)
    delivery = document.pop("x-webhook-delivery")
    assert ("/webhooks", "undeclared-event") in _rules(lint(document))
    document["x-webhook-delivery"] = delivery
    assert lint(document) == []
    delivery["provenance"] = {"status": "inferred", "url": delivery["provenance"]["url"], "reason": ""}
    assert ("/x-webhook-delivery/provenance", "inferred-without-reason") in _rules(lint(document))


# -- x-behaviour ---------------------------------------------------------------------------------------

_LIST_INVOICES = ("/v1/invoices", "get")
_CREATE_INVOICE = ("/v1/invoices", "post")


def _behaviour_of(document: dict[str, Any], where: tuple[str, str]) -> dict[str, Any]:
    declared: dict[str, Any] = document["paths"][where[0]][where[1]]["x-behaviour"]
    return declared


@pytest.mark.parametrize(
    ("where", "key", "broken", "fixed", "says"),
    [
        (_CREATE_INVOICE, "reads", ["retrieveInvoiceTypo"], ["retrieveInvoice"], "unknown operation"),
        (
            _LIST_INVOICES,
            "filters",
            {"customer_typo": {"field": "/customer"}},
            {"customer": {"field": "/x"}},
            "no such",
        ),
        (_LIST_INVOICES, "make", "retrieveInvoice", "createInvoice", "declares no probe body"),
        (_CREATE_INVOICE, "encodings", ["xml"], ["form"], "json or form"),
    ],
)
def test_a_declaration_the_probes_cannot_follow_is_reported_and_a_followable_one_is_silent(
    where: tuple[str, str], key: str, broken: Any, fixed: Any, says: str
) -> None:
    document = _copy("wooshpay")
    _behaviour_of(document, where)[key] = broken
    (problem,) = lint(document)
    assert (problem.rule, says in problem.message) == ("behaviour", True), problem
    _behaviour_of(document, where)[key] = fixed
    assert lint(document) == []


def test_a_documented_behaviour_names_a_recorded_page_and_an_inferred_one_its_reason() -> None:
    document = _copy("wooshpay")
    declared = _behaviour_of(document, _LIST_INVOICES)
    pointer = "/paths/~1v1~1invoices/get/x-behaviour/provenance"
    declared["provenance"] = {"status": "documented", "url": "https://docs.wooshpay.com/nowhere"}
    assert _rules(lint(document)) == {(pointer, "unrecorded-source")}
    declared["provenance"] = {"status": "inferred"}
    assert (pointer, "inferred-without-reason") in _rules(lint(document))
    declared["provenance"] = {"status": "inferred", "reason": "Stripe's order"}
    assert lint(document) == []
