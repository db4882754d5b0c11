"""How long `conformance drift --spec` takes, next to what it cannot avoid.

For each shipped spec: the whole command comparing the spec with a copy of itself (a fresh
process, as CI runs it), the same with one breaking edit, and the in-process parts (load both
files, compare). Baselines: a bare `python -c pass` (interpreter start-up) and a process that only
parses the two YAML files with PyYAML's C loader, so the ratio says what the command adds beyond
reading its input. Prints medians of N runs; nothing is asserted.

    python benchmarks/spec_drift_benchmark.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conformance.drift.spec_diff import compare_specs  # noqa: E402
from conformance.drift.spec_loader import load_document  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _median(runs: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _cpu(runs: int, action: Callable[[], object]) -> float:
    """Median CPU seconds (user + system) of a child process: steadier than wall time on a shared machine."""
    times = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        action()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(times)


def _process(*argv: str) -> Callable[[], object]:
    def run() -> object:
        return subprocess.run([sys.executable, *argv], env=ENV, cwd=ROOT, capture_output=True, check=False)

    return run


def _edited(spec: Path, out: Path) -> Path:
    """The spec with every `required` list of its components emptied: response fields no longer guaranteed."""
    text = spec.read_text()
    document = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    for schema in (document.get("components", {}).get("schemas") or {}).values():
        if isinstance(schema, dict) and schema.get("required"):
            schema["required"] = schema["required"][1:]
    out.write_text(yaml.safe_dump(document, sort_keys=False))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    work = Path(tempfile.mkdtemp(prefix="spec-drift-bench-"))
    try:
        start_up = _median(runs, _process("-c", "pass"))
        start_up_cpu = _cpu(runs, _process("-c", "pass"))
        print(f"python start-up: {start_up * 1000:.0f} ms wall, {start_up_cpu * 1000:.0f} ms CPU (medians of {runs})")
        header = ("spec", "KiB", "parse wall", "drift wall", "ratio", "parse CPU", "drift CPU", "ratio", "edited wall")
        print(
            "{:<14} {:>4} {:>11} {:>11} {:>6} {:>10} {:>10} {:>6} {:>12} {:>8} {:>8}".format(*header, "load", "compare")
        )
        for spec in sorted((ROOT / "specs").glob("*.yaml")):
            copy = work / f"{spec.stem}-copy.yaml"
            shutil.copyfile(spec, copy)
            edited = _edited(spec, work / f"{spec.stem}-edited.yaml")
            parse = "import sys, yaml\nfor p in sys.argv[1:]: yaml.load(open(p).read(), Loader=yaml.CSafeLoader)\n"
            parse_only = _median(runs, _process("-c", parse, str(spec), str(copy)))
            reports = str(work / "reports")
            same = _median(
                runs, _process("-m", "conformance", "drift", "--spec", str(spec), str(copy), "--report-dir", reports)
            )
            changed = _median(
                runs, _process("-m", "conformance", "drift", "--spec", str(spec), str(edited), "--report-dir", reports)
            )
            same_cpu = _cpu(
                runs, _process("-m", "conformance", "drift", "--spec", str(spec), str(copy), "--report-dir", reports)
            )
            parse_cpu = _cpu(runs, _process("-c", parse, str(spec), str(copy)))
            load = _median(runs, lambda spec=spec, edited=edited: (load_document(spec), load_document(edited)))
            old, new = load_document(spec), load_document(edited)
            compare = _median(runs, lambda old=old, new=new: compare_specs(old, new))
            print(
                f"{spec.name:<14} {spec.stat().st_size / 1024:>4.0f} {parse_only * 1000:>9.0f}ms {same * 1000:>9.0f}ms "
                f"{same / parse_only:>5.1f}x {parse_cpu * 1000:>8.0f}ms {same_cpu * 1000:>8.0f}ms "
                f"{same_cpu / parse_cpu:>5.1f}x {changed * 1000:>10.0f}ms {load * 1000:>6.0f}ms {compare * 1000:>6.0f}ms"
            )
        print("parse: a process that only parses the two files (the baseline); drift: `drift --spec SPEC COPY`;")
        print("edited wall: `drift --spec` against an edited copy (findings: table + findings.json);")
        print("load: both files read, checked and bundled in process; compare: the diff of the edited pair in process.")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
