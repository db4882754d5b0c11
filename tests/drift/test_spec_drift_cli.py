"""`conformance drift --spec` on specs as people publish them: loading, bad input, levels, --fail-on."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.drift.spec_diff import compare_specs
from conformance.drift.spec_loader import SpecDocument, load_document
from tests.drift.conftest import run_drift

# A spec as published for OpenAPI 3.0: integer status codes, `nullable`, boolean exclusive bounds,
# no operationIds, no project extensions.
PETS_30 = """\
openapi: 3.0.3
info: {title: Pets, version: "1.0"}
paths:
  /pets:
    get:
      parameters:
        - {name: limit, in: query, schema: {type: integer, minimum: 0, maximum: 100, exclusiveMaximum: true}}
        - {name: on, in: query, schema: {type: string, enum: [on, off]}}
      responses:
        200:
          description: A page of pets
          content:
            application/json:
              schema:
                type: array
                items: {$ref: '#/components/schemas/Pet'}
        default:
          description: An error
  /pets/{petId}:
    get:
      parameters:
        - {name: petId, in: path, required: true, schema: {type: string}}
      responses:
        200:
          description: A pet
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
components:
  schemas:
    Pet:
      type: object
      required: [id, name]
      properties:
        id: {type: integer, format: int64}
        name: {type: string, maxLength: 64}
        born: {type: string, format: date, example: 2020-01-01}
        tag: {type: string, nullable: true}
"""

# The same API translated to OpenAPI 3.1: nothing a client can tell apart.
PETS_31 = (
    PETS_30.replace("openapi: 3.0.3", "openapi: 3.1.0")
    .replace("maximum: 100, exclusiveMaximum: true", "exclusiveMaximum: 100")
    .replace("tag: {type: string, nullable: true}", "tag: {type: [string, 'null']}")
)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _drift(tmp_path: Path, old: Path, new: Path, *extra: str | Path) -> tuple[Any, list[dict[str, Any]]]:
    return run_drift("--spec", old, new, "--report-dir", tmp_path / "reports", *extra)


def test_a_published_3_0_spec_compared_with_itself_says_no_changes(tmp_path: Path) -> None:
    spec = _write(tmp_path / "pets.yaml", PETS_30)
    result, findings = _drift(tmp_path, spec, spec)
    assert (result.exit_code, findings) == (0, []), result.output
    assert result.output.strip().splitlines() == [f"no changes between {spec} and {spec}"]


def test_a_3_0_spec_and_its_3_1_translation_compare_equal(tmp_path: Path) -> None:
    old, new = _write(tmp_path / "v30.yaml", PETS_30), _write(tmp_path / "v31.yaml", PETS_31)
    result, findings = _drift(tmp_path, old, new)
    assert (result.exit_code, findings) == (0, []), result.output


def test_a_json_spec_compares_with_its_yaml_form(tmp_path: Path) -> None:
    old = _write(tmp_path / "pets.yaml", PETS_30)
    new = _write(tmp_path / "pets.json", json.dumps(load_document(old).document))
    result, findings = _drift(tmp_path, old, new)
    assert (result.exit_code, findings) == (0, []), result.output


def test_yaml_is_read_as_json_would_be(tmp_path: Path) -> None:
    document = load_document(_write(tmp_path / "pets.yaml", PETS_30)).document
    get = document["paths"]["/pets"]["get"]
    assert set(get["responses"]) == {"200", "default"}  # integer status codes are status strings
    assert get["parameters"][1]["name"] == "on"  # not the boolean True
    assert get["parameters"][1]["schema"]["enum"] == ["on", "off"]
    assert document["components"]["schemas"]["Pet"]["properties"]["born"]["example"] == "2020-01-01"


def test_a_change_in_a_3_0_spec_is_named_by_method_and_path(tmp_path: Path) -> None:
    old = _write(tmp_path / "old.yaml", PETS_30)
    new = _write(tmp_path / "new.yaml", PETS_30.replace("tag: {type: string, nullable: true}", "tag: {type: string}"))
    result, findings = _drift(tmp_path, new, old)  # the field becomes nullable: breaking for readers
    assert result.exit_code == 1, result.output
    assert {(f["operation"], f["pointer"], f["check"]) for f in findings} == {
        ("GET /pets", "/*/tag", "response-property-became-nullable"),
        ("GET /pets/{petId}", "/tag", "response-property-became-nullable"),
    }


def test_refs_to_other_files_are_followed(tmp_path: Path) -> None:
    pet = {"type": "object", "properties": {"id": {"type": "integer"}, "kind": {"$ref": "kinds.yaml"}}}
    spec = PETS_30.replace("$ref: '#/components/schemas/Pet'", "$ref: 'schemas/pet.yaml#/Pet'")
    for version, kinds in (("old", ["cat", "dog"]), ("new", ["cat", "dog", "fox"])):
        _write(tmp_path / version / "openapi.yaml", spec)
        _write(tmp_path / version / "schemas" / "pet.yaml", yaml.safe_dump({"Pet": pet}))
        _write(tmp_path / version / "schemas" / "kinds.yaml", yaml.safe_dump({"type": "string", "enum": kinds}))
    result, findings = _drift(tmp_path, tmp_path / "old" / "openapi.yaml", tmp_path / "new" / "openapi.yaml")
    assert result.exit_code == 1, result.output
    assert {(f["operation"], f["pointer"], f["check"]) for f in findings} == {
        ("GET /pets", "/*/kind", "response-property-enum-value-added"),
        ("GET /pets/{petId}", "/kind", "response-property-enum-value-added"),
    }


def _one_clear_line(result: Any) -> str:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    return lines[0]


def test_malformed_specs_exit_2_with_one_sentence(tmp_path: Path) -> None:
    good = _write(tmp_path / "good.yaml", PETS_30)
    cases = {
        "broken.yaml": ("openapi: 3.0.3\npaths: {/pets: [\n", "is not valid YAML or JSON at line"),
        "swagger.yaml": ("swagger: '2.0'\npaths: {}\n", "is Swagger 2.0"),
        "list.yaml": ("- openapi\n", "is not an OpenAPI document"),
        "status.yaml": (
            PETS_30.replace("        default:", "        sometimes:"),
            "'sometimes', which is not a status code",
        ),
        "dangling.yaml": (
            PETS_30.replace("'#/components/schemas/Pet'", "'#/components/schemas/Cat'"),
            "points at nothing",
        ),
        "missing-file.yaml": (
            PETS_30.replace("'#/components/schemas/Pet'", "'gone.yaml#/Pet'"),
            "which does not exist",
        ),
        "bomb.yaml": (_alias_bomb(), "expands too far through YAML aliases"),
        "remote.yaml": (
            PETS_30.replace("'#/components/schemas/Pet'", "'https://example.com/pet.yaml'"),
            "on the network",
        ),
    }
    for name, (text, words) in cases.items():
        report_dir = tmp_path / f"reports-{name}"
        result, _ = run_drift("--spec", good, _write(tmp_path / name, text), "--report-dir", report_dir)
        assert words in _one_clear_line(result), name
        assert not (report_dir / "findings.json").exists()  # nothing half-written


def _alias_bomb() -> str:
    """Nine levels of nine aliases each: 9**9 strings once expanded, a few hundred bytes written."""
    lines = [
        "openapi: 3.0.3",
        "info: {title: bomb, version: '1'}",
        "paths: {}",
        "x-0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
    ]
    lines += [f"x-{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, 9)]
    return "\n".join(lines) + "\n"


def test_a_missing_spec_file_exits_2(tmp_path: Path) -> None:
    good = _write(tmp_path / "good.yaml", PETS_30)
    result, _ = _drift(tmp_path, good, tmp_path / "gone.yaml")
    assert "gone.yaml does not exist" in _one_clear_line(result)


def _removed_field(tmp_path: Path) -> tuple[Path, Path]:
    """A request field removed (request-property-removed, WARN) and an optional parameter added (INFO)."""
    body = "    post:\n      requestBody:\n        content:\n          application/json:\n            schema:\n              type: object\n              properties:\n                name: {type: string}\n{extra}      responses:\n        201: {description: created}\n"
    old = PETS_30.replace(
        "  /pets/{petId}:", body.replace("{extra}", "                note: {type: string}\n") + "  /pets/{petId}:"
    )
    new = PETS_30.replace("  /pets/{petId}:", body.replace("{extra}", "") + "  /pets/{petId}:").replace(
        "      responses:\n        200:\n          description: A page of pets",
        "        - {name: sort, in: query, schema: {type: string}}\n      responses:\n        200:\n          description: A page of pets",
        1,
    )
    return _write(tmp_path / "old.yaml", old), _write(tmp_path / "new.yaml", new)


def test_fail_on_picks_the_level_that_fails_the_run(tmp_path: Path) -> None:
    old, new = _removed_field(tmp_path)
    expected = {("POST /pets", "request-property-removed"), ("GET /pets", "new-optional-request-parameter")}
    for fail_on, exit_code, breaking in (
        ("ERR", 0, set()),
        ("WARN", 1, {"request-property-removed"}),
        ("INFO", 1, {"request-property-removed", "new-optional-request-parameter"}),
    ):
        result, findings = _drift(tmp_path, old, new, "--fail-on", fail_on)
        assert {(f["operation"], f["check"]) for f in findings} == expected
        assert result.exit_code == exit_code, (fail_on, result.output)
        assert {f["check"] for f in findings if f["severity"] == "breaking"} == breaking


def test_a_severity_levels_file_raises_lowers_and_silences_checks(tmp_path: Path) -> None:
    old, new = _removed_field(tmp_path)
    levels = _write(tmp_path / "levels.txt", "# ours\nrequest-property-removed info\n")
    result, findings = _drift(tmp_path, old, new, "--severity-levels", levels)
    assert result.exit_code == 0, result.output
    assert {f["severity"] for f in findings} == {"non_breaking"}
    levels.write_text("new-optional-request-parameter ERR\nrequest-property-removed none\n")
    result, findings = _drift(tmp_path, old, new, "--severity-levels", levels)
    assert result.exit_code == 1, result.output
    assert {(f["check"], f["severity"]) for f in findings} == {("new-optional-request-parameter", "breaking")}


def test_a_bad_severity_levels_file_exits_2(tmp_path: Path) -> None:
    old, new = _removed_field(tmp_path)
    for text, words in (
        ("request-property-removed fatal\n", "line 1"),
        ("no-such-check err\n", "unknown check 'no-such-check'"),
    ):
        levels = _write(tmp_path / "levels.txt", text)
        result, _ = _drift(tmp_path, old, new, "--severity-levels", levels)
        assert words in _one_clear_line(result)


def test_spec_drift_loads_nothing_but_the_two_files(tmp_path: Path) -> None:
    """No schemathesis, no bundled spec, no provider registry: what made a comparison take seconds."""
    spec = _write(tmp_path / "pets.yaml", PETS_30)
    probe = (
        "import atexit, sys\n"
        "atexit.register(lambda: print(sorted(m for m in ('schemathesis', 'hypothesis', 'conformance.spec.specs', "
        "'conformance.providers', 'conformance.cli.main', 'conformance.cli.common') if m in sys.modules)))\n"
        f"sys.argv = ['conformance', 'drift', '--spec', {str(spec)!r}, {str(spec)!r}, '--report-dir', {str(tmp_path)!r}]\n"
        "from conformance.entry import main\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


# -- property: a spec compared with a copy of itself, however its schemas look, shows no change

_leaf = st.fixed_dictionaries(
    {"type": st.sampled_from(["string", "integer", "number", "boolean"])},
    optional={
        "maxLength": st.integers(0, 50),
        "minimum": st.integers(-5, 5),
        "enum": st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=3, unique=True),
        "pattern": st.sampled_from(["^a", "^[0-9]+$"]),
        "nullable": st.booleans(),
        "readOnly": st.booleans(),
    },
)
_schemas = st.recursive(
    _leaf,
    lambda inner: st.one_of(
        st.builds(
            lambda props, req: {"type": "object", "properties": props, "required": sorted(set(req) & set(props))},
            st.dictionaries(st.sampled_from(["id", "name", "tags", "meta"]), inner, max_size=3),
            st.lists(st.sampled_from(["id", "name", "tags", "meta"]), max_size=2),
        ),
        st.builds(lambda items: {"type": "array", "items": items, "maxItems": 10}, inner),
        st.builds(lambda members: {"oneOf": members}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda value: {"type": "object", "additionalProperties": value}, inner),
    ),
    max_leaves=8,
)


def _spec_with(request: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/things": {
                "post": {
                    "parameters": [{"name": "q", "in": "query", "schema": copy.deepcopy(request)}],
                    "requestBody": {"content": {"application/json": {"schema": request}}},
                    "responses": {"200": {"description": "ok", "content": {"*/*": {"schema": response}}}},
                }
            }
        },
    }


@settings(max_examples=40, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(request=_schemas, response=_schemas)
def test_a_copy_with_only_descriptions_added_shows_no_change(request: dict[str, Any], response: dict[str, Any]) -> None:
    old = _spec_with(request, response)
    new = copy.deepcopy(old)
    _describe(new)
    assert compare_specs(SpecDocument(Path("a.yaml"), old), SpecDocument(Path("b.yaml"), new)) == []


def _describe(node: Any) -> None:
    """Annotations added everywhere (a new `description`), which no client can observe."""
    if isinstance(node, dict):
        for value in list(node.values()):
            _describe(value)
        if "type" in node or "oneOf" in node:
            node["description"] = "documented"
    elif isinstance(node, list):
        for value in node:
            _describe(value)


def test_an_accepted_change_is_reported_but_does_not_fail(tmp_path: Path) -> None:
    old, new = _removed_field(tmp_path)
    _, findings = _drift(tmp_path, old, new)
    (removed,) = [f for f in findings if f["check"] == "request-property-removed"]
    baseline = _write(
        tmp_path / "baseline.yaml",
        yaml.safe_dump(
            {"version": 1, "accepted": [{"fingerprint": removed["fingerprint"], "reason": "agreed with the vendor"}]}
        ),
    )
    result, findings = _drift(tmp_path, old, new, "--baseline", baseline)
    assert result.exit_code == 0, result.output
    assert {f["check"]: f["baselined"] for f in findings}["request-property-removed"] is True


_objects = st.builds(
    lambda props, extra: {"type": "object", "properties": props, "required": sorted(props)[: 1 + extra % len(props)]},
    st.dictionaries(st.sampled_from(["id", "name", "tags", "meta", "total"]), _schemas, min_size=1, max_size=4),
    st.integers(0, 3),
)


@settings(max_examples=30, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=_objects, data=st.data())
def test_a_required_field_dropped_from_any_response_is_breaking(schema: dict[str, Any], data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(schema["required"]))
    old = _spec_with({"type": "string"}, schema)
    new = copy.deepcopy(old)
    reply = new["paths"]["/things"]["post"]["responses"]["200"]["content"]["*/*"]["schema"]
    del reply["properties"][name]
    reply["required"].remove(name)
    changes = compare_specs(SpecDocument(Path("a.yaml"), old), SpecDocument(Path("b.yaml"), new))
    expected = (
        set() if schema["properties"][name].get("writeOnly") else {("response-required-property-removed", f"/{name}")}
    )
    assert {(c.rule, c.pointer) for c in changes} == expected
