"""Every check `drift --spec` implements, fired by a spec pair and graded at oasdiff's level, both ways.

The pairs are tests/drift/spec_corpus.py. Each is compared old → new and new → old; the checks and
levels found must be exactly the expected ones (so every check is shown firing on its fault and
staying silent on the valid variants and on the direction that does not break).
"""

from __future__ import annotations

import pytest

from conformance.drift.changes import Change
from conformance.drift.rules import RULES
from conformance.drift.spec_diff import compare_specs
from conformance.drift.spec_loader import SpecDocument
from tests.drift.spec_corpus import corpus
from tests.drift.spec_pairs import Doc, Pair

PAIRS = corpus()
# Rules only cassette drift uses: observed values and headers, never a spec's.
CASSETTE_ONLY = {
    "response-property-added",
    "response-property-value-added",
    "response-property-value-removed",
    "observed-optional-response-header-removed",
}


def _compare(old: Doc, new: Doc) -> list[Change]:
    return compare_specs(SpecDocument(_path("old.yaml"), old), SpecDocument(_path("new.yaml"), new))


def _path(name: str):
    from pathlib import Path

    return Path(name)


def _found(changes: list[Change]) -> set[tuple[str, str]]:
    return {(c.rule, RULES[c.rule].level.name) for c in changes}


@pytest.mark.parametrize("pair", PAIRS, ids=[p.name for p in PAIRS])
def test_each_pair_fires_its_checks_at_oasdiff_level_both_ways(pair: Pair) -> None:
    forward = _compare(pair.old, pair.new)
    assert _found(forward) == set(pair.forward), [c.clause for c in forward]
    backward = _compare(pair.new, pair.old)
    assert _found(backward) == set(pair.backward), [c.clause for c in backward]


def test_every_spec_check_has_a_pair_that_fires_it() -> None:
    fired = {check for pair in PAIRS for check, _ in (*pair.forward, *pair.backward)}
    assert set(RULES) - CASSETTE_ONLY - fired == set()


def test_the_corpus_states_the_table_levels() -> None:
    """The levels written in the corpus are oasdiff's; the rule table must agree with them."""
    stated = {check: level for pair in PAIRS for check, level in (*pair.forward, *pair.backward)}
    assert {check: RULES[check].level.name for check in stated} == stated


def test_changes_name_the_element_precisely() -> None:
    by_name = {pair.name: pair for pair in PAIRS}
    (param,) = _compare(by_name["parameter: maximum tightened"].old, by_name["parameter: maximum tightened"].new)
    assert param.pointer == "/parameters/query/q"
    assert "query parameter q" in param.clause
    assert "from <= 10 to <= 5" in param.clause
    (field,) = _compare(
        by_name["response property: enum value added"].old, by_name["response property: enum value added"].new
    )
    assert (field.pointer, field.status) == ("/p", 200)
    assert "'b'" in field.clause
    assert "200 response (application/json)" in field.clause
    (body,) = _compare(
        by_name["request body: map value maxLength tightened"].old,
        by_name["request body: map value maxLength tightened"].new,
    )
    assert body.pointer == "/requestBody/{*}"
    assert "(application/json)" in body.clause
    (vendor,) = _compare(
        by_name["response property: field retyped under application/vnd.items+json"].old,
        by_name["response property: field retyped under application/vnd.items+json"].new,
    )
    assert "application/vnd.items+json" in vendor.clause
    (nested,) = _compare(
        by_name["header object: property became required"].old, by_name["header object: property became required"].new
    )
    assert nested.pointer == "/parameters/header/X-Filter/p"


def test_operations_without_operation_id_are_named_by_method_and_path() -> None:
    pair = next(p for p in PAIRS if p.name == "operation deprecated")
    (change,) = _compare(pair.old, pair.new)
    assert change.operation == "GET /items/{id}"
