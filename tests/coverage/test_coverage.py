"""Contract coverage on a crafted spec and a crafted run: every figure computed by hand in the test."""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.core.errors import UsageError
from conformance.coverage.compute import TransitionProbes, compute
from conformance.coverage.exchanges import Exchange
from conformance.coverage.gate import Threshold, parse_thresholds, shortfalls
from conformance.spec.specs import Spec, parse_spec

_PROVENANCE = {"status": "documented", "sources": [{"url": "https://docs.example.test/widgets"}]}


def _json(schema: dict[str, object], description: str = "ok") -> dict[str, object]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


WIDGET = {"$ref": "#/components/schemas/Widget"}
ERROR = {"$ref": "#/components/schemas/Error"}
SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "Widgets", "version": "1", "x-provider": "widgets"},
    "paths": {
        "/widgets": {
            "get": {
                "operationId": "listWidgets",
                "x-provenance": _PROVENANCE,
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                    {"name": "status", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {"data": {"type": "array", "items": WIDGET}, "has_more": {"type": "boolean"}},
                        }
                    ),
                    "4XX": _json(ERROR),
                },
            },
            "post": {
                "operationId": "createWidget",
                "x-provenance": _PROVENANCE,
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"name": {"type": "string"}, "color": {"type": "string"}},
                            }
                        }
                    }
                },
                "responses": {"201": _json(WIDGET), "400": _json(ERROR)},
            },
        },
        "/widgets/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {
                "operationId": "retrieveWidget",
                "x-provenance": _PROVENANCE,
                "responses": {"200": _json(WIDGET), "404": _json(ERROR)},
            },
            "delete": {
                "operationId": "deleteWidget",
                "x-provenance": _PROVENANCE,
                "responses": {"204": {"description": "gone"}, "default": _json(ERROR)},
            },
        },
    },
    "components": {
        "schemas": {
            "Widget": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "name": {"type": "string"},
                    "status": {"type": "string", "enum": ["active", "archived", "deleted"]},
                    "dimensions": {
                        "type": "object",
                        "properties": {"width": {"type": "integer"}, "height": {"type": "integer"}},
                    },
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
            },
            "Error": {
                "type": "object",
                "properties": {
                    "code": {"type": "string", "enum": ["not_found", "invalid"]},
                    "message": {"type": "string"},
                },
            },
        }
    },
}

BASE = "http://127.0.0.1:9"
RUN = [
    Exchange(
        "GET",
        f"{BASE}/widgets?limit=2",
        200,
        body={"data": [{"id": "w1", "name": "a", "status": "active", "dimensions": {"width": 1}}], "has_more": False},
    ),
    Exchange(
        "POST",
        f"{BASE}/widgets",
        201,
        request_content_type="application/json",
        request_body=json.dumps({"name": "b"}),
        body={"id": "w2", "name": "b", "status": "archived", "tags": []},
    ),
    # No operation hint: found by method and path, as for recordings.
    Exchange("GET", f"{BASE}/widgets/w1", 404, body={"code": "not_found", "message": "no such widget"}),
    # Not an operation of the spec: ignored.
    Exchange("GET", f"{BASE}/elsewhere", 200, body={"id": "x"}),
]


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Spec:
    path = tmp_path_factory.mktemp("spec") / "widgets.yaml"
    path.write_text(yaml.safe_dump(SPEC, sort_keys=False))
    return parse_spec(path)


def test_figures_of_a_crafted_run(spec: Spec) -> None:
    coverage = compute(spec, RUN)
    figures = {m.name: (m.exercised, m.documented, m.never) for m in coverage.metrics}
    # Operations: 4 documented; list, create and retrieve called; only list and create answered 2xx.
    assert figures["operations"] == (3, 4, ("deleteWidget",))
    assert figures["success"] == (2, 4, ("retrieveWidget", "deleteWidget"))
    # Statuses (default excluded, 4XX a range): list 200, 4XX; create 201, 400; retrieve 200, 404; delete 204.
    assert figures["statuses"] == (
        3,
        7,
        ("listWidgets 4XX", "createWidget 400", "retrieveWidget 200", "deleteWidget 204"),
    )
    # Fields: the list envelope's 2, Widget's 7 (dimensions and its 2 counted), Error's 2 = 11;
    # never seen: Widget /dimensions/height.
    assert figures["fields"] == (10, 11, ("Widget /dimensions/height",))
    # Enums: Widget status 3 + Error code 2; seen active, archived, not_found.
    assert figures["enums"] == (3, 5, ("Widget /status = deleted", "Error /code = invalid"))
    # Parameters: list limit, status; create body name, color; retrieve id; delete id; sent limit, name, id.
    assert figures["parameters"] == (
        3,
        6,
        ("listWidgets query:status", "createWidget body:color", "deleteWidget path:id"),
    )
    assert figures["transitions"] == (None, None, ())
    assert coverage.metric("operations").percent == 75.0  # type: ignore[union-attr]
    assert coverage.metric("fields").percent == round(100 * 10 / 11, 1)  # type: ignore[union-attr]
    assert coverage.metric("transitions").shown == "n/a"  # type: ignore[union-attr]


def test_transitions_when_a_stage_reports_them(spec: Spec) -> None:
    probes = TransitionProbes(documented=("draft->open", "open->paid", "open->void"), probed=("open->paid",))
    metric = compute(spec, RUN, probes).metric("transitions")
    assert metric is not None
    assert (metric.exercised, metric.documented, metric.never) == (1, 3, ("draft->open", "open->void"))


def test_reads_back_from_findings_json(spec: Spec) -> None:
    from conformance.coverage.model import ProviderCoverage

    coverage = compute(spec, RUN)
    assert ProviderCoverage.from_json(json.loads(json.dumps(coverage.to_json()))) == coverage


@settings(max_examples=20, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(range(len(RUN))), unique=True))
def test_more_exchanges_never_cover_less(spec_for_property: Spec, chosen: list[int]) -> None:
    part = compute(spec_for_property, [RUN[i] for i in chosen])
    whole = compute(spec_for_property, RUN)
    for metric in part.metrics:
        other = whole.metric(metric.name)
        assert other is not None
        assert (metric.exercised or 0) <= (other.exercised or 0)
        assert set(other.never) <= set(metric.never)


@pytest.fixture(scope="module")
def spec_for_property(spec: Spec) -> Spec:
    return spec


def test_gate_fails_below_and_passes_at_the_threshold(spec: Spec) -> None:
    coverage = [compute(spec, RUN)]
    assert shortfalls(coverage, parse_thresholds(["operations=75,fields=90"])) == []
    (short,) = shortfalls(coverage, parse_thresholds(["operations=100", "fields=90"]))
    assert (short.metric, short.exercised, short.documented) == ("operations", 3, 4)
    assert "wooshpay" not in short.line
    assert "widgets operations 75.0% (3/4) is below the required 100%" in short.line
    (unmeasured,) = shortfalls(coverage, [Threshold("transitions", 10)])
    assert "not measured" in unmeasured.line


@pytest.mark.parametrize("bad", ["operations", "speed=10", "fields=120", "fields=abc"])
def test_bad_thresholds_are_usage_errors(bad: str) -> None:
    with pytest.raises(UsageError, match="--min-coverage"):
        parse_thresholds([bad])


def test_unknown_paths_do_not_count(spec: Spec) -> None:
    coverage = compute(spec, [RUN[-1]])
    assert coverage.called == ()
    assert coverage.exchanges == 1
