"""Generator artefacts are not vendor defects (issue 24, point 4), over real HTTP against the UseePay double
behind a server that refuses what most servers refuse: whole numbers written as floats, and numbers
beyond RFC 8259's interoperable range."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from hypothesis import given
from hypothesis import strategies as st
from werkzeug.wrappers import Request

from conformance.checks.generated_values import INTEROPERABLE, beyond_documented_range, integral
from conformance.providers import get_provider
from tests.workflows.proxies import in_front, run_through

# A JSON number written with a fraction or an exponent whose value is whole: 52028342577.0, 1e3.
_WHOLE_FLOAT = re.compile(rb"(?<![\w.\"])-?\d+(?:\.0+)?(?:[eE][-+]?\d+)?(?![\w.\"])")


def _floats_written_whole(body: bytes) -> list[str]:
    found = []
    for match in _WHOLE_FLOAT.finditer(body):
        token = match.group().decode()
        if ("." in token or "e" in token.lower()) and float(token).is_integer():
            found.append(token)
    return found


def _numbers(request: Request) -> list[float]:
    values: list[Any] = [v for _, v in parse_qsl(request.query_string.decode(), keep_blank_values=True)]
    try:
        body = json.loads(request.get_data() or b"null")
    except ValueError:
        body = None

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for item in node.values():
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        else:
            values.append(node)

    walk(body)
    found = []
    for value in values:
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
            value = int(value)
        if isinstance(value, int | float) and not isinstance(value, bool):
            found.append(value)
    return found


def test_whole_numbers_go_out_as_json_integers(tmp_path: Path) -> None:
    seen: list[str] = []

    def strict_integers(request: Request) -> str | None:
        floats = _floats_written_whole(request.get_data())
        seen.extend(floats)
        return f"expected integers, got {', '.join(floats)}" if floats else None

    with in_front("useepay", refuse=strict_integers) as double:
        findings = run_through(double, tmp_path, "createSubscription", examples=10, workflows=False)
        requests = double.double.requests_seen
    assert requests > 10
    assert seen == []
    assert [f for f in findings if f["kind"] == "positive_data_rejected"] == []


# UseePay's pages allow a 400 for any refusal of a valid request ("failed another validation test"), so the
# refusals below use a status they do not allow: only the judgement of generator artefacts can excuse it.
NOT_A_DOCUMENTED_REFUSAL = 422


def _refusing_beyond(limit: int) -> Any:
    refused: list[float] = []

    def refuse(request: Request) -> str | None:
        too_big = [n for n in _numbers(request) if abs(n) > limit]
        refused.extend(too_big)
        return f"{too_big[0]} is out of range" if too_big else None

    return refuse, refused


def test_a_refusal_of_a_number_beyond_any_documented_bound_is_silent(tmp_path: Path) -> None:
    refuse, refused = _refusing_beyond(INTEROPERABLE)
    with in_front("useepay", refuse=refuse, refuse_status=NOT_A_DOCUMENTED_REFUSAL) as double:
        findings = run_through(double, tmp_path, "createSubscription", examples=10, workflows=False)
    assert refused, "the generator sent no number beyond the interoperable range: the test proves nothing"
    assert [f for f in findings if f["kind"] == "positive_data_rejected"] == []


def test_a_refusal_of_a_valid_number_within_range_still_fires(tmp_path: Path) -> None:
    refuse, refused = _refusing_beyond(1000)
    with in_front("useepay", refuse=refuse, refuse_status=NOT_A_DOCUMENTED_REFUSAL) as double:
        # Customers created first, so that the refused subscriptions name a real one (a refusal of a made-up
        # customer would be excused as a refusal of a reference the run made up).
        findings = run_through(double, tmp_path, "createCustomer", "createSubscription", examples=10, workflows=False)
    assert any(1000 < abs(n) <= INTEROPERABLE for n in refused)
    rejected = [f for f in findings if f["kind"] == "positive_data_rejected"]
    assert [(f["operation"], f["severity"]) for f in rejected] == [("createSubscription", "breaking")]


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=10,
)


@given(_JSON)
def test_integral_keeps_every_value_and_writes_no_whole_float(value: Any) -> None:
    sent = integral(value)
    assert sent == value  # the same JSON Schema value (5 == 5.0)
    assert _floats_written_whole(json.dumps(sent).encode()) == []


USEEPAY = get_provider("useepay").spec
LIST = USEEPAY.operations["listInvoices"]  # page_size: minimum 1, no maximum; page_num: minimum 0
SUBSCRIBE = USEEPAY.operations["createSubscription"]
JSON_HEADERS = {"Content-Type": "application/json"}


@given(st.integers(min_value=INTEROPERABLE + 1))
def test_a_number_beyond_the_interoperable_range_where_no_maximum_is_documented_is_an_artefact(size: int) -> None:
    url = f"http://127.0.0.1/api/v1/invoices?page_size={size}&page_num=0"
    assert beyond_documented_range(USEEPAY, LIST, url, {}, None) == ["query page_size"]


@given(st.integers(min_value=1, max_value=INTEROPERABLE))
def test_a_number_within_the_interoperable_range_is_no_artefact(size: int) -> None:
    url = f"http://127.0.0.1/api/v1/invoices?page_size={size}"
    assert beyond_documented_range(USEEPAY, LIST, url, {}, None) == []


def test_a_documented_bound_makes_a_big_number_no_artefact_on_its_side_only() -> None:
    big = INTEROPERABLE * 10
    body = {"customer_id": "cus_1", "currency": "USD", "recurring": {"interval": "month", "unit_amount": big}}
    sent = json.dumps(body).encode()
    # unit_amount documents a minimum (0) and no maximum: a huge positive value is unbounded on its side.
    assert beyond_documented_range(USEEPAY, SUBSCRIBE, "http://h/x", JSON_HEADERS, sent) == [
        "body /recurring/unit_amount"
    ]
    body["recurring"]["unit_amount"] = -big  # bounded by the documented minimum: invalid, not an artefact
    sent = json.dumps(body).encode()
    assert beyond_documented_range(USEEPAY, SUBSCRIBE, "http://h/x", JSON_HEADERS, sent) == []


def test_form_bodies_are_read_as_typed_by_their_schema() -> None:
    spec = get_provider("wooshpay").spec
    operation = spec.operations["createSubscription"]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    big = b"customer=cus_1&items[0][price]=p&items[0][quantity]=99999999999999999999"
    assert beyond_documented_range(spec, operation, "http://h/v1/subscriptions", form, big) == [
        "body /items/0/quantity"
    ]
    small = b"customer=cus_1&items[0][price]=p&items[0][quantity]=5"
    assert beyond_documented_range(spec, operation, "http://h/v1/subscriptions", form, small) == []
