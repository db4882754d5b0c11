"""The specs are valid OpenAPI 3.1, honest about provenance, and every failing example is explained."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from openapi_spec_validator import validate

from conformance.audit.stage import unexplained_example_failures
from conformance.providers import get_provider
from conformance.spec.specs import PROVENANCE_STATUSES, Spec
from tests.conftest import PROVIDERS, ROOT


@pytest.fixture(params=PROVIDERS)
def spec(request: pytest.FixtureRequest) -> Spec:
    return get_provider(request.param).spec


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_spec_is_valid_openapi_31(spec: Spec) -> None:
    assert spec.document["openapi"].startswith("3.1")
    validate(spec.document)


def test_every_ref_resolves(spec: Spec) -> None:
    refs = _refs(spec.document)
    assert refs, "a hand-written spec without a single $ref is suspicious"
    for ref in refs:
        assert ref.startswith("#/"), f"external $ref {ref} in {spec.path.name}"
        assert spec.resolve(ref.removeprefix("#")) is not None


def test_every_operation_has_provenance(spec: Spec) -> None:
    assert spec.operations
    for op in spec.operations.values():
        assert op.provenance.status in PROVENANCE_STATUSES
        assert op.provenance.sources, op.operation_id
        assert all(s.url or s.seed for s in op.provenance.sources), op.operation_id
        if op.provenance.status != "documented":
            assert op.provenance.reason, f"{op.operation_id} is {op.provenance.status} without a reason"


def test_servers_are_marked_by_environment(spec: Spec) -> None:
    environments = {s.environment for s in spec.servers}
    assert {"sandbox", "production"} <= environments


def test_every_failing_example_is_named_by_a_defect(spec: Spec) -> None:
    assert unexplained_example_failures(spec) == []


def test_defects_name_only_real_examples_and_operations(spec: Spec) -> None:
    examples = set((spec.document.get("components") or {}).get("examples") or {})
    for defect in spec.defects:
        assert set(defect.examples) <= examples, defect.id
        assert set(defect.operations) <= set(spec.operations), defect.id
    ids = [d.id for d in spec.defects]
    assert len(ids) == len(set(ids)), "defect ids must be unique"


def test_every_documented_example_is_referenced(spec: Spec) -> None:
    examples = set((spec.document.get("components") or {}).get("examples") or {})
    used = {use.name for use in spec.example_uses()}
    assert examples <= used, f"unreferenced examples: {sorted(examples - used)}"


def _spectral() -> str | None:
    local = ROOT / "node_modules" / ".bin" / "spectral"
    return str(local) if local.exists() else shutil.which("spectral")


def test_spectral_oas_ruleset_reports_no_errors(spec: Spec) -> None:
    spectral = _spectral()
    if spectral is None:
        if os.environ.get("CI"):
            pytest.fail("Spectral is not installed: `npm ci` installs it (CI must run it).")
        pytest.skip("Spectral not installed here; run `npm ci`.")
    result = subprocess.run(
        [spectral, "lint", "--ruleset", str(ROOT / ".spectral.yaml"), "--format", "json", "--quiet", str(spec.path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    output = result.stdout.strip()
    assert output.startswith("["), result.stderr
    errors = [p for p in json.loads(output) if p.get("severity") == 0]
    assert not errors, json.dumps(errors[:5], indent=1)
