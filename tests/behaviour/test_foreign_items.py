"""A walk over a whole list meets objects others made (on a live sandbox: earlier runs, or this run's own invalid
input the server accepted, which the engine reports). The walking probes judge the shape of the objects they
made and leave the rest unjudged; their own objects stay judged."""

from __future__ import annotations

from typing import Any

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.sandbox.double import ApiRequest, ApiResponse
from tests.behaviour.faulty import Handler, probe, served

# Values the Lynkwell driver schema refuses where a name object belongs (what a docs_only double stored).
WRONG_NAMES = st.one_of(st.text(max_size=5), st.integers(), st.booleans())


def _shape_findings(outcome: Any) -> list[str]:
    return [
        f.pointer for f in outcome.findings if f.operation == "listDrivers" and not f.check.startswith("behaviour.")
    ]


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=WRONG_NAMES)
def test_a_malformed_object_the_probe_did_not_make_is_not_judged(name: Any) -> None:
    with served("lynkwell") as running:
        double: Any = running.double
        session = requests.Session()
        session.auth = running.provider.auth(running.credentials, running.base_url)
        made = session.post(
            f"{running.base_url}/identity/v1/drivers", json={"name": {"first": "Ada", "last": "Lovelace"}}, timeout=10
        )
        assert made.ok, made.text
        double.drivers[made.json()["data"]["id"]]["name"] = name  # stored as a lenient server would
        outcome = probe(running, "behaviour_pagination")
    assert _shape_findings(outcome) == []
    assert outcome.probed, "the walk ran"


@settings(max_examples=3, deadline=None)
@given(name=WRONG_NAMES)
def test_its_own_objects_listed_malformed_are_still_judged(name: Any) -> None:
    def retyped(original: Handler) -> Handler:
        def handler(request: ApiRequest) -> ApiResponse:
            answer = original(request)
            for item in (answer.body or {}).get("data", {}).get("items", []):
                item["name"] = name
            return answer

        return handler

    with served("lynkwell", handlers={"listDrivers": retyped}) as running:
        outcome = probe(running, "behaviour_pagination")
    assert [p for p in _shape_findings(outcome) if p.startswith("/data/items/*/name")]
