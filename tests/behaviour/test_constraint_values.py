"""The constraint probe's values: just past each documented bound (the schema refuses the probed value) while
the declared body it starts from is valid (the schema accepts it) — a property over bounds and bodies."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from conformance.behaviour.declarations import Constraint, Grounds
from conformance.behaviour.probes import _past
from conformance.core.kinds import Basis

GROUNDS = Grounds(Basis.DOCUMENTED, "https://docs.example.test/widgets")


def _valid(schema: dict[str, Any], body: dict[str, Any]) -> bool:
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).is_valid(body)


@st.composite
def bounded(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], Constraint]:
    rule = draw(st.sampled_from(["maximum", "minimum", "maxLength", "minLength", "pattern", "required"]))
    if rule in ("maximum", "minimum"):
        bound = draw(st.integers(-1000, 1000))
        value = draw(st.integers(-1000, bound) if rule == "maximum" else st.integers(bound, bound + 1000))
        prop: dict[str, Any] = {"type": "integer", rule: bound}
    elif rule in ("maxLength", "minLength"):
        bound = draw(st.integers(1, 30))
        size = draw(st.integers(0, bound) if rule == "maxLength" else st.integers(bound, bound + 30))
        value, prop = "a" * size, {"type": "string", rule: bound}
    elif rule == "pattern":
        bound = draw(st.sampled_from([r"^[A-Z]{3}$", r"^[A-Za-z]{3}$", r"^cus_[A-Za-z0-9]+$", r"^\d+$"]))
        value = draw(st.from_regex(bound, fullmatch=True))
        prop = {"type": "string", "pattern": bound}
    else:
        bound, value, prop = True, draw(st.text(min_size=1, max_size=5)), {"type": "string"}
    schema = {
        "type": "object",
        "properties": {"field": prop},
        **({"required": ["field"]} if rule == "required" else {}),
    }
    return schema, {"field": value, "other": 1}, Constraint("createWidget", "field", rule, bound, GROUNDS)


@given(bounded())
def test_the_probed_value_is_just_past_the_bound_and_the_body_it_starts_from_is_valid(
    case: tuple[dict[str, Any], dict[str, Any], Constraint],
) -> None:
    schema, body, constraint = case
    assert _valid(schema, body)  # silent: the declared body keeps the constraint
    past = _past(constraint, body)
    if past is None:  # no value lies past a minLength of 0 or a pattern every candidate matches
        return
    assert not _valid(schema, past)  # fires: the probed body breaks exactly this constraint
    assert {k: v for k, v in past.items() if k != "field"} == {"other": 1}
