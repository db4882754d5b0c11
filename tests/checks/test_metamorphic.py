"""Metamorphic tests of strict response validation over every response schema of every spec (issue #10).

Schema-valid instances stay silent; undocumented fields injected at any depth (inside nullable
oneOf/anyOf objects and array items too) are each reported once, as non-breaking undocumented_field
at their normalised pointer; each single mutation (required property removed, retyped, null where not
nullable, enum value outside the list, malformed format) gives exactly one finding of the expected
kind at the exact pointer. Derandomized, with a small budget.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.core.kinds import Kind, Severity
from conformance.findings.model import DEFAULT_SEVERITY
from conformance.providers import get_provider
from conformance.spec.specs import Spec
from tests.checks.metamorphic import MUTATIONS, inject, instances, judge, mutants, response_schemas, strict_schema
from tests.conftest import PROVIDERS

CASES = [
    (provider, label, pointer)
    for provider in PROVIDERS
    for label, pointer in response_schemas(get_provider(provider).spec).items()
]
BUDGET = settings(
    max_examples=3,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _found(spec: Spec, pointer: str, instance: Any) -> list[tuple[Kind, str]]:
    return [(v.kind, v.pointer) for v in judge(spec, pointer, instance)]


@pytest.mark.parametrize(("provider", "label", "pointer"), CASES, ids=[label for _, label, _ in CASES])
def test_valid_instances_injections_and_single_mutations(provider: str, label: str, pointer: str) -> None:
    spec = get_provider(provider).spec
    schema = strict_schema(spec, spec.resolve(pointer))

    @BUDGET
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        instance = data.draw(instances(schema), label="instance")
        assert _found(spec, pointer, instance) == []

        chosen = data.draw(st.lists(st.integers(0, 500), min_size=1, max_size=3), label="injection sites")
        injected, expected = inject(instance, schema, chosen)
        found = _found(spec, pointer, injected)
        assert sorted(found) == sorted((Kind.UNDOCUMENTED_FIELD, p) for p in expected)
        assert all(DEFAULT_SEVERITY[kind] is not Severity.BREAKING for kind, _ in found)

        every = mutants(instance, schema)
        for mutation in MUTATIONS:
            of_kind = [m for m in every if m.kind == mutation]
            if of_kind:
                mutant = of_kind[data.draw(st.integers(0, len(of_kind) - 1), label=mutation)]
                assert _found(spec, pointer, mutant.apply(instance)) == [mutant.expected], mutant.name

    check()


def test_every_spec_has_response_schemas_with_nested_nullable_objects_and_arrays() -> None:
    """The cases above reach what the issue measured: nullable oneOf/anyOf objects and array items."""
    labels = {label for _, label, _ in CASES}
    assert {"wooshpay:listInvoices:200", "lynkwell:listSubscriptions:200", "useepay:createCustomer:200"} <= labels
    spec = get_provider("lynkwell").spec
    schema = strict_schema(spec, spec.resolve(dict(response_schemas(spec))["lynkwell:listSubscriptions:200"]))
    item = schema["properties"]["data"]["properties"]["items"]["items"]
    assert "oneOf" in item["properties"]["billingThreshold"]
