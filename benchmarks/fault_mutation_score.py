"""Mutation score of the whole suite on the doubles' fault catalogue, next to plain `st run`: prints figures,
asserts nothing. (benchmarks/mutation_score.py scores strict response validation on mutated schemas; this one
scores runs against mutated servers.)

    python benchmarks/fault_mutation_score.py [--provider NAME ...] [--fault NAME ...] [--max-examples N]
                                              [--with-flips] [--clean-runs N] [--verbose]

For every provider and every fault of its double's catalogue (`conformance sandbox PROVIDER --list-faults`:
the generic faults, the behaviour faults it declares; with --with-flips its lifecycle flips too):

- the suite: `conformance run --target sandbox --provider P --fault F --no-audit` into a temporary directory;
  caught when findings.json holds a finding (what its fingerprint is made of: operation, kind, check, pointer) that the
  clean run of the same provider does not; "on its operation" when one of them names an operation the fault
  breaks (ProviderDouble.operations_broken_by: the behaviour faults' declarations and server_error's
  operation; other faults break no one operation and are not counted there);
- plain schemathesis: `st run SPEC --checks all` against a double served with the same fault (demo data,
  the provider's auth as headers); caught when its JUnit report holds a failure (operation, check code) the
  clean double's does not.

The clean figures are the union of --clean-runs clean runs (ids are random, so a single clean run may miss a
finding that only some runs give; raise it to see how much that matters). Faults whose catalogue entry
expects nothing (rate_limited, slow_responses) are listed but left out of the rates; slow_responses runs
only when named with --fault (every answer is 1.5 s late: over an hour per provider). A whole run of the
three providers takes about an hour on 2 cores at --max-examples 2; --fault narrows it.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conformance.checks.lifecycle import require_lifecycle
from conformance.providers import select_providers
from conformance.providers.base import Provider
from conformance.sandbox.faults import BY_NAME, lifecycle_flips
from conformance.targets.double_server import running_double

ST = Path(sys.executable).with_name("st")
# Every answer 1.5 s late: a run of thousands of requests takes over an hour, to find (rightly) nothing.
SLOW = frozenset({"slow_responses"})
# A failure of st's JUnit report names each failed check on a line of its own: "- ST101 Server error".
_CHECK_LINE = re.compile(r"^- ([A-Z]+[0-9]+) ", re.MULTILINE)
DOUBLE_SEED = 0


@dataclass
class Outcome:
    """What one run reported: its identities (fingerprints or (operation, check) pairs) and the operations
    each names."""

    found: dict[str, str] = field(default_factory=dict)  # identity -> operation
    error: str = ""


def suite_run(provider: Provider, faults: tuple[str, ...], max_examples: int) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="fault-score-") as reports:
        command = [
            sys.executable, "-m", "conformance", "run", "--target", "sandbox", "--provider", provider.name,
            "--no-audit", "--max-examples", str(max_examples), "--report-dir", reports, "--quiet",
            *(arg for fault in faults for arg in ("--fault", fault)),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=tempfile.gettempdir())
        if done.returncode not in (0, 1):
            return Outcome(error=f"exit {done.returncode}: {(done.stderr or done.stdout).strip()[:200]}")
        document = json.loads((Path(reports) / "findings.json").read_text())
    # What a fingerprint is made of (the provider is the same throughout), readable in --verbose.
    return Outcome(
        {f"{f['operation']} {f['kind']} {f['check']} {f['pointer']}": f["operation"] for f in document["findings"]}
    )


def st_run(provider: Provider, faults: tuple[str, ...], max_examples: int) -> Outcome:
    operations = {(op.method.upper(), op.path): op.operation_id for op in provider.spec.operations.values()}
    with (
        running_double(provider.name, faults=faults, seed=DOUBLE_SEED, demo_data=True) as double,
        tempfile.TemporaryDirectory(prefix="fault-score-st-") as work,
    ):
        headers = provider.auth(double.credentials, double.base_url).headers()
        junit = Path(work) / "junit.xml"
        command = [
            str(ST), "run", str(provider.spec_path), "--url", double.base_url, "--checks", "all",
            "--max-examples", str(max_examples), "--seed", "0", "--no-color",
            "--report", "junit", "--report-junit-path", str(junit),
            *(arg for name, value in headers.items() for arg in ("-H", f"{name}: {value}")),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=work)
        if not junit.is_file():
            return Outcome(error=f"st exit {done.returncode}: {(done.stderr or done.stdout).strip()[-200:]}")
        outcome = Outcome()
        for case in ET.parse(junit).iter("testcase"):
            method, _, path = (case.get("name") or "").partition(" ")
            operation = operations.get((method, path), case.get("name") or "")
            for failure in case:
                for code in _CHECK_LINE.findall(failure.text or "") or [failure.get("message") or failure.tag]:
                    outcome.found[f"{operation} {code}"] = operation
        return outcome


Runner = Callable[[Provider, tuple[str, ...], int], Outcome]


@dataclass
class Row:
    fault: str
    expected: bool  # the catalogue expects the suite to report something
    breaks: tuple[str, ...]
    suite_new: dict[str, str]
    st_new: dict[str, str]
    suite_error: str = ""
    st_error: str = ""

    @property
    def suite_caught(self) -> bool:
        return bool(self.suite_new)

    @property
    def on_operation(self) -> bool | None:
        if not self.breaks:
            return None
        return any(operation in self.breaks for operation in self.suite_new.values())

    @property
    def st_caught(self) -> bool:
        return bool(self.st_new)


def _clean(run: Runner, provider: Provider, max_examples: int, times: int) -> Outcome:
    union = Outcome()
    for _ in range(times):
        outcome = run(provider, (), max_examples)
        if outcome.error:
            return outcome
        union.found.update(outcome.found)
    return union


def faults_of(provider: Provider, wanted: list[str], with_flips: bool) -> list[str]:
    double = provider.double()
    names = [fault.name for fault in double.catalogue()]
    if with_flips:
        names += [flip.name for flip in lifecycle_flips(require_lifecycle(provider.spec))]
    return [name for name in names if name in wanted or (not wanted and name not in SLOW)]


def score(provider: Provider, faults: list[str], max_examples: int, clean_runs: int, verbose: bool) -> list[Row]:
    clean_suite = _clean(suite_run, provider, max_examples, clean_runs)
    clean_st = _clean(st_run, provider, max_examples, clean_runs)
    if clean_suite.error or clean_st.error:
        print(f"{provider.name}: the clean run failed ({clean_suite.error or clean_st.error}); nothing scored")
        return []
    double = provider.double()
    rows = []
    for name in faults:
        started = time.monotonic()
        suite = suite_run(provider, (name,), max_examples)
        st = st_run(provider, (name,), max_examples)
        fault = BY_NAME.get(name)
        row = Row(
            fault=name,
            expected=fault is None or fault.expect_kind is not None,  # a flip always expects a finding
            breaks=double.operations_broken_by(name),
            suite_new={k: v for k, v in suite.found.items() if k not in clean_suite.found},
            st_new={k: v for k, v in st.found.items() if k not in clean_st.found},
            suite_error=suite.error,
            st_error=st.error,
        )
        rows.append(row)
        _print_row(row, time.monotonic() - started)
        if verbose:
            for what, new in (("suite", row.suite_new), ("st", row.st_new)):
                for identity in sorted(new):
                    print(f"      {what}: {identity}")
    return rows


def _mark(caught: bool, error: str) -> str:
    return "error" if error else ("yes" if caught else "-")


def _print_row(row: Row, seconds: float) -> None:
    on_op = {None: "n/a", True: "yes", False: "-"}[row.on_operation]
    operations = sorted(set(row.suite_new.values()))
    shown = ", ".join(operations[:3]) + (" ..." if len(operations) > 3 else "")
    print(
        f"  {row.fault:32} {'' if row.expected else '(expects nothing) ':18}"
        f"suite {_mark(row.suite_caught, row.suite_error):5} on its op {on_op:4} "
        f"st {_mark(row.st_caught, row.st_error):5} "
        f"new: suite {len(row.suite_new):>3} st {len(row.st_new):>3}  {seconds:5.0f} s  {shown}"
        + (f"  [{row.suite_error or row.st_error}]" if row.suite_error or row.st_error else "")
    )


def _ratio(part: int, whole: int) -> str:
    return f"{part}/{whole} ({part / whole:.0%})" if whole else "0/0"


def summarize(label: str, rows: list[Row]) -> None:
    scored = [row for row in rows if row.expected]
    with_op = [row for row in scored if row.breaks]
    suite = sum(row.suite_caught for row in scored)
    st = sum(row.st_caught for row in scored)
    on_op = sum(bool(row.on_operation) for row in with_op)
    only_suite = sum(row.suite_caught and not row.st_caught for row in scored)
    only_st = sum(row.st_caught and not row.suite_caught for row in scored)
    print(
        f"{label:10} faults {len(scored):>3}  suite {_ratio(suite, len(scored)):>13}  "
        f"on its operation {_ratio(on_op, len(with_op)):>13}  st run {_ratio(st, len(scored)):>13}  "
        f"suite/st {suite / st if st else float('inf'):.2f}  only suite {only_suite}  only st {only_st}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--provider", action="append", default=[], help="only this provider (repeatable)")
    parser.add_argument("--fault", action="append", default=[], help="only this fault (repeatable)")
    parser.add_argument("--max-examples", type=int, default=2, help="examples per operation, suite and st alike")
    parser.add_argument("--with-flips", action="store_true", help="also every lifecycle rule flipped")
    parser.add_argument("--clean-runs", type=int, default=1, help="clean runs whose findings are the baseline")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each new finding and st failure")
    args = parser.parse_args()
    everything: list[Row] = []
    per_provider: list[tuple[str, list[Row]]] = []
    for provider in select_providers(tuple(args.provider)):
        faults = faults_of(provider, args.fault, args.with_flips)
        if not faults:
            continue
        print(f"{provider.name}: {len(faults)} faults, --max-examples {args.max_examples}")
        rows = score(provider, faults, args.max_examples, args.clean_runs, args.verbose)
        per_provider.append((provider.name, rows))
        everything += rows
    print("\ncaught (faults the catalogue expects a finding for):")
    for name, rows in per_provider:
        summarize(name, rows)
    summarize("total", everything)


if __name__ == "__main__":
    main()
