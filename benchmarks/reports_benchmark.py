"""Reports benchmark: what root causes and contract coverage add to a run. Prints figures, asserts nothing.

    python benchmarks/reports_benchmark.py [--repeat N]

Over the shipped cassettes (engine and workflows, every provider), read as exchanges:
1. coverage: compute() per provider, next to the plain baseline of parsing every response body once;
2. root causes: grouping N synthetic schema findings spread over every invoice-returning operation,
   next to the plain baseline of sorting them (what the reports did before).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conformance.cassettes.store import read_cassette
from conformance.core.kinds import Kind
from conformance.coverage.compute import compute
from conformance.coverage.exchanges import from_cassette
from conformance.findings.model import Evidence, Source, finding_on, sort_findings
from conformance.findings.root_causes import group
from conformance.providers import all_providers
from conformance.spec.resources import cassettes_dir


def _best(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    root = cassettes_dir()
    print(f"{'provider':10} {'exchanges':>9} {'parse s':>8} {'coverage s':>10} {'ratio':>6}")
    for name, provider in sorted(all_providers().items()):
        raw = []
        for path in sorted(Path(root, name).rglob("*.yaml")):
            suite = path.parent.name
            raw += read_cassette(path, name, suite).interactions
        exchanges = [from_cassette(i) for i in raw]
        spec = provider.spec
        compute(spec, exchanges[:1])  # validators compiled once, as in a run

        def parse(raw: list[dict[str, Any]] = raw) -> None:
            for interaction in raw:
                body = (interaction["response"].get("body") or {}).get("string")
                if body:
                    with contextlib.suppress(ValueError):
                        json.loads(body)

        baseline = _best(args.repeat, parse)
        measured = _best(args.repeat, lambda spec=spec, exchanges=exchanges: compute(spec, exchanges))
        print(f"{name:10} {len(exchanges):9d} {baseline:8.3f} {measured:10.3f} {measured / max(baseline, 1e-9):6.1f}")

    spec = all_providers()["wooshpay"].spec
    ops = ["retrieveInvoice", "createInvoice", "finalizeInvoice", "voidInvoice", "payInvoice", "sendInvoice"]
    fields = spec.document["components"]["schemas"]["Invoice"]["required"]
    findings = [
        finding_on(
            spec.operations[op],
            kind=Kind.MISSING_FIELD,
            pointer=f"/{field}",
            expected="required field",
            observed="absent",
            message="m",
            source=Source.LIVE,
            evidence=Evidence(status=200),
        )
        for op in ops
        for field in fields
    ]
    baseline = _best(args.repeat, lambda: sort_findings(findings))
    measured = _best(args.repeat, lambda: group(findings, {"wooshpay": spec}.get))
    causes = group(findings, {"wooshpay": spec}.get)
    print(
        f"root causes: {len(findings)} findings -> {len(causes)} root cause(s) in {measured:.3f}s "
        f"(sorting them: {baseline:.4f}s, ratio {measured / max(baseline, 1e-9):.0f})"
    )


if __name__ == "__main__":
    main()
