"""Metamorphic mutation score of strict response validation, per spec: prints figures, asserts nothing.

    python benchmarks/mutation_score.py [--instances N] [--max-mutants N] [--provider NAME ...]

For every JSON response schema of every spec, N schema-valid instances (derandomized) and, on each:
- valid variants: the instance as generated, and with undocumented fields injected at every depth;
  a breaking finding on either is a false breaking finding;
- mutants: every single mutation (required property removed, retyped, null where not nullable, enum
  value outside the list, malformed format), evenly sampled down to --max-mutants per instance;
  a mutant is caught when the strict validator gives exactly its one expected finding (kind and
  normalised pointer).
The baseline is plain jsonschema on the same strict schema, each error classified by its keyword
after jsonschema's own best_match into a failed oneOf/anyOf (what the suite did before issue #10).
Compare the lines over time.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema.exceptions import best_match

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conformance.core.kinds import Kind, Severity
from conformance.findings.model import DEFAULT_SEVERITY
from conformance.providers import select_providers
from conformance.spec.specs import Spec
from tests.checks.metamorphic import (
    inject,
    instances,
    judge,
    mutants,
    response_schemas,
    strict_schema,
)

_PLAIN_KINDS = {
    "required": Kind.MISSING_FIELD,
    "type": Kind.TYPE_MISMATCH,
    "enum": Kind.ENUM_VIOLATION,
    "const": Kind.ENUM_VIOLATION,
    "format": Kind.FORMAT_VIOLATION,
    "unevaluatedProperties": Kind.UNDOCUMENTED_FIELD,
    "additionalProperties": Kind.UNDOCUMENTED_FIELD,
}


def _plain(spec: Spec, pointer: str, instance: Any) -> list[tuple[Kind, str]]:
    """The baseline: jsonschema's own best_match per error, no descent into the matching branch."""
    found = []
    for error in spec.validator(pointer, strict=True).iter_errors(instance):
        while error.validator in ("oneOf", "anyOf") and error.context:
            error = best_match(error.context)
        at = "".join("/" + ("*" if isinstance(p, int) else str(p)) for p in error.absolute_path)
        kind = _PLAIN_KINDS.get(str(error.validator), Kind.SCHEMA_VIOLATION)
        if kind is Kind.TYPE_MISMATCH and error.instance is None:
            kind = Kind.NULLABILITY
        if kind is Kind.MISSING_FIELD:
            missing = [n for n in error.validator_value if isinstance(error.instance, dict) and n not in error.instance]
            found += [(kind, f"{at}/{name}") for name in missing]
        else:
            found.append((kind, at))
    return sorted(set(found))


def _breaking(found: list[tuple[Kind, str]]) -> bool:
    return any(DEFAULT_SEVERITY[kind] is Severity.BREAKING for kind, _ in found)


def score(spec: Spec, count: int, max_mutants: int) -> Counter[str]:
    totals: Counter[str] = Counter()
    for pointer in response_schemas(spec).values():
        _score_schema(spec, pointer, strict_schema(spec, spec.resolve(pointer)), count, max_mutants, totals)
    return totals


def _score_schema(spec: Spec, pointer: str, schema: Any, count: int, max_mutants: int, totals: Counter[str]) -> None:
    @settings(
        max_examples=count, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(instance=instances(schema), chosen=st.lists(st.integers(0, 500), min_size=1, max_size=4))
    def measure(instance: Any, chosen: list[int]) -> None:
        totals["valid variants"] += 2
        for variant in (instance, inject(instance, schema, chosen)[0]):
            if _breaking([(v.kind, v.pointer) for v in judge(spec, pointer, variant)]):
                totals["false breaking"] += 1
            if _breaking(_plain(spec, pointer, variant)):
                totals["baseline false breaking"] += 1
        injected, expected = inject(instance, schema, chosen)
        got = sorted(v.pointer for v in judge(spec, pointer, injected))
        totals["fields injected"] += len(expected)
        totals["injected reported once"] += sum(1 for p in expected if got.count(p) == 1)
        every = mutants(instance, schema)
        step = max(1, len(every) // max_mutants)
        for mutant in every[::step]:
            mutated = mutant.apply(instance)
            totals["mutants"] += 1
            totals[f"mutants {mutant.kind}"] += 1
            found = [(v.kind, v.pointer) for v in judge(spec, pointer, mutated)]
            if found == [mutant.expected]:
                totals["caught"] += 1
                totals[f"caught {mutant.kind}"] += 1
            if _plain(spec, pointer, mutated) == [mutant.expected]:
                totals["baseline caught"] += 1

    measure()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, default=3, help="valid instances per response schema")
    parser.add_argument("--max-mutants", type=int, default=60, help="mutants per instance (evenly sampled)")
    parser.add_argument("--provider", action="append", default=[])
    args = parser.parse_args()
    print(
        f"{'spec':10} {'schemas':>7} {'mutants':>8} {'caught':>8} {'score':>7} {'baseline':>9} "
        f"{'injected ok':>12} {'false breaking':>15} {'baseline':>9} {'seconds':>8}"
    )
    for provider in select_providers(tuple(args.provider)):
        started = time.monotonic()
        totals = score(provider.spec, args.instances, args.max_mutants)
        made = totals["mutants"] or 1
        print(
            f"{provider.name:10} {len(response_schemas(provider.spec)):>7} {totals['mutants']:>8} "
            f"{totals['caught']:>8} {totals['caught'] / made:>7.1%} {totals['baseline caught'] / made:>9.1%} "
            f"{totals['injected reported once']:>5}/{totals['fields injected']:<6} "
            f"{totals['false breaking']:>6}/{totals['valid variants']:<8} "
            f"{totals['baseline false breaking']:>4}/{totals['valid variants']:<4} {time.monotonic() - started:>8.1f}"
        )
        kinds = ", ".join(
            f"{kind} {totals[f'caught {kind}']}/{totals[f'mutants {kind}']}"
            for kind in ("remove", "retype", "null", "enum", "format")
        )
        print(f"{'':10} by mutation: {kinds}")


if __name__ == "__main__":
    main()
