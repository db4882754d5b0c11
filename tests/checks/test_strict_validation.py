"""Strict validation inside nullable oneOf/anyOf objects and arrays: each violation at its own pointer.

Measured defect (issue #10, item 1): an extra field in a `oneOf: [{$ref}, {type: null}]` object was
reported as a breaking type_mismatch "expected type null" at the parent, a missing or retyped field
inside it at the parent too, and findings inside arrays came once per index.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from conformance.core.kinds import Kind
from conformance.providers import get_provider
from conformance.spec.validation import Violation, violations

LIST = "/components/schemas/SubscriptionListEnvelope"


def _page(count: int = 3) -> dict[str, Any]:
    spec = get_provider("lynkwell").spec
    page = copy.deepcopy(spec.resolve("/components/examples/SubscriptionListFromSubscriptionPage")["value"])
    [item] = page["data"]["items"]
    page["data"]["items"] = [{**copy.deepcopy(item), "id": f"sub_{n}"} for n in range(count)]
    return page


def _violations(body: Any) -> list[Violation]:
    return violations(get_provider("lynkwell").spec.validator(LIST, strict=True), body)


def _found(body: Any) -> list[tuple[Kind, str]]:
    return [(v.kind, v.pointer) for v in _violations(body)]


def test_a_valid_nullable_object_its_null_and_reordered_keys_are_silent() -> None:
    page = _page()
    assert _found(page) == []
    page["data"]["items"][1]["billingThreshold"] = None
    page["data"]["items"][2] = dict(reversed(list(page["data"]["items"][2].items())))
    assert _found(page) == []


def test_an_extra_field_in_a_nullable_object_is_undocumented_at_its_own_pointer() -> None:
    page = _page()
    page["data"]["items"][0]["billingThreshold"]["tier"] = "gold"
    assert _found(page) == [(Kind.UNDOCUMENTED_FIELD, "/data/items/*/billingThreshold/tier")]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda t: t.pop("currency"), (Kind.MISSING_FIELD, "/data/items/*/billingThreshold/currency")),
        (lambda t: t.update(amount="12.00"), (Kind.TYPE_MISMATCH, "/data/items/*/billingThreshold/amount")),
        (lambda t: t.update(currency=None), (Kind.NULLABILITY, "/data/items/*/billingThreshold/currency")),
    ],
    ids=["missing", "retyped", "null"],
)
def test_a_fault_inside_a_nullable_object_is_reported_at_its_own_pointer(
    mutate: Callable[[dict[str, Any]], Any], expected: tuple[Kind, str]
) -> None:
    page = _page()
    mutate(page["data"]["items"][2]["billingThreshold"])
    assert _found(page) == [expected]


def test_a_retyped_nullable_object_names_every_documented_type() -> None:
    page = _page()
    page["data"]["items"][0]["billingThreshold"] = "1000 USD"
    [found] = _violations(page)
    assert (found.kind, found.pointer) == (Kind.TYPE_MISMATCH, "/data/items/*/billingThreshold")
    assert found.expected == "type null | object"


def test_array_findings_come_once_per_field_with_the_concrete_index_kept() -> None:
    page = _page()
    for item in page["data"]["items"][1:]:
        item["billingThreshold"]["tier"] = "gold"
    [found] = _violations(page)
    assert (found.kind, found.pointer) == (Kind.UNDOCUMENTED_FIELD, "/data/items/*/billingThreshold/tier")
    assert found.instance_pointer == "/data/items/1/billingThreshold/tier"


def test_any_other_keyword_is_a_schema_violation_at_its_pointer_and_silent_within_bounds() -> None:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(
        {"type": "object", "properties": {"tags": {"type": "array", "maxItems": 2, "items": {"type": "string"}}}}
    )
    assert violations(validator, {"tags": ["a", "b"]}) == []
    assert violations(validator, {}) == []
    [found] = violations(validator, {"tags": ["a", "b", "c"]})
    assert (found.kind, found.pointer, found.expected) == (Kind.SCHEMA_VIOLATION, "/tags", "maxItems: 2")
