"""Replay benchmark: prints figures and ratios, asserts nothing.

    python benchmarks/replay_benchmark.py [--repeat N] [--scale 10]

1. Wall time of the default `conformance run` (audit + re-judged replay + workflow replays + reports),
   next to a plain baseline doing the same parse + validate work (libyaml parse of specs and cassettes,
   each interaction mapped to its operation, each JSON body validated with a compiled jsonschema-rs
   validator), and their ratio. Both run as fresh processes; best of --repeat runs. The run is timed
   with the replay cache (docs/replay-cache.md) cold (an empty directory for each run: every cassette
   parsed, judged and remembered), warm (filled by an earlier run: nothing changed since), and off;
   the spec-validation cache is warm throughout, except in the last figure (CONFORMANCE_CACHE_DIR=off).
   Every cache lives in a temporary directory: the user's is neither read nor filled.
2. Per phase, in one process: load specs, load cassettes, judge, workflows, reports.
3. Growth: the same with every engine cassette --scale times larger (a generated set: each recorded
   interaction repeated), run and baseline, per interaction.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


# -- the plain baseline (runs in its own process: `--baseline CASSETTE_DIR`) -------------------------


def baseline(cassette_dir: Path) -> int:
    """libyaml + path templates + jsonschema-rs over every cassette; returns the interactions validated."""
    import jsonschema_rs
    import yaml

    from conformance.spec.validation import strict_document

    loader = yaml.CSafeLoader
    validated = 0
    for spec_path in sorted((ROOT / "specs").glob("*.yaml")):
        provider = spec_path.stem
        spec = strict_document(yaml.load(spec_path.read_bytes(), Loader=loader))
        components = spec.get("components", {})
        routes = []
        for template, item in spec["paths"].items():
            pattern = re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)))
            for method, operation in item.items():
                if isinstance(operation, dict) and "responses" in operation:
                    routes.append((template.count("{"), method.upper(), pattern, operation["responses"]))
        routes.sort(key=lambda route: route[0])
        compiled: dict[tuple[int, str], Any] = {}
        for cassette in sorted((cassette_dir / provider).rglob("*.yaml")):
            data = yaml.load(cassette.read_bytes(), Loader=loader)
            prefix = re.sub(r"^https?://[^/]+", "", str((data.get("metadata") or {}).get("base_url") or ""))
            for interaction in data["interactions"]:
                request, response = interaction["request"], interaction["response"]
                path = re.sub(r"^https?://[^/]+", "", request["uri"]).split("?")[0]
                path = path[len(prefix) :] if prefix and path.startswith(prefix) else path
                route = next((r for r in routes if r[1] == request["method"] and r[2].fullmatch(path)), None)
                text = (response.get("body") or {}).get("string")
                if route is None or not text:
                    continue
                status = str(response["status"]["code"])
                documented = route[3].get(status) or route[3].get(f"{status[0]}XX") or route[3].get("default")
                if not isinstance(documented, dict):
                    continue
                if "$ref" in documented:
                    documented = components["responses"][documented["$ref"].rsplit("/", 1)[-1]]
                media = next((m for k, m in (documented.get("content") or {}).items() if "json" in k), None)
                if not media or "schema" not in media:
                    continue
                key = (id(media), provider)
                validator = compiled.get(key)
                if validator is None:
                    schema = {**media["schema"], "components": components}
                    validator = compiled[key] = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
                try:
                    body = json.loads(text)
                except ValueError:
                    continue
                validator.is_valid(body)
                validated += 1
    return validated


# -- timing helpers ---------------------------------------------------------------------------------


class Timing(float):
    """Wall seconds (best of the repeats), with the CPU seconds (user + system) the process tree used.

    On a shared machine wall time follows everyone's load; CPU time is the figure that does not."""

    cpu: float


def _wall(command: list[str], env: dict[str, str] | None = None, repeat: int = 1) -> Timing:
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(
            command,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        best = min(best, time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        best_cpu = min(best_cpu, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    timing = Timing(best)
    timing.cpu = best_cpu
    return timing


def _run(cassette_dir: Path, repeat: int, env: dict[str, str] | None = None, *extra: str) -> Timing:
    with tempfile.TemporaryDirectory() as reports:
        command = [sys.executable, "-m", "conformance", "run", "--cassette-dir", str(cassette_dir)]
        return _wall([*command, "--report-dir", reports, *extra], env, repeat)


def _cold(cassette_dir: Path, repeat: int, scratch: Path) -> Timing:
    """Best of `repeat` runs, each with a replay cache of its own, empty when it starts."""
    timings = [_run(cassette_dir, 1, {REPLAY_CACHE: str(scratch / f"cold-{n}")}) for n in range(repeat)]
    best = Timing(min(timings))
    best.cpu = min(t.cpu for t in timings)
    return best


REPLAY_CACHE = "CONFORMANCE_REPLAY_CACHE"


def _baseline(cassette_dir: Path, repeat: int) -> Timing:
    return _wall([sys.executable, str(Path(__file__).resolve()), "--baseline", str(cassette_dir)], None, repeat)


def _interactions(cassette_dir: Path) -> int:
    import yaml

    return sum(
        len(yaml.load(p.read_bytes(), Loader=yaml.CSafeLoader)["interactions"]) for p in cassette_dir.rglob("*.yaml")
    )


def scaled_copy(source: Path, target: Path, factor: int) -> None:
    """The cassette set with every engine cassette `factor` times longer (its interactions repeated)."""
    import yaml

    shutil.copytree(source, target)
    for path in target.glob("*/engine/cassette.yaml"):
        data = yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
        # Copies, not repeats of the same objects: YAML would write those once, as aliases.
        data["interactions"] = [copy.deepcopy(i) for _ in range(factor) for i in data["interactions"]]
        path.write_text(yaml.dump(data, Dumper=yaml.CSafeDumper, allow_unicode=True))


def phases(cassette_dir: Path) -> dict[str, float]:
    """Each phase of a default run, timed serially in this process (fresh: nothing parsed yet)."""
    from conformance.audit.stage import audit_stage
    from conformance.cassettes import store
    from conformance.cli.reporting import run_and_report
    from conformance.providers import select_providers
    from conformance.replay.engine import judge_cassette
    from conformance.targets import TargetOptions
    from conformance.workflows.stage import workflow_stage

    times: dict[str, float] = {}
    started = time.perf_counter()
    providers = select_providers(())
    for provider in providers:
        provider.spec  # noqa: B018
    times["load specs"] = time.perf_counter() - started

    started = time.perf_counter()
    cassettes = {
        p.name: store.read_cassette(store.cassette_path(cassette_dir, p.name, "engine"), p.name) for p in providers
    }
    for provider in providers:
        for path in sorted((cassette_dir / provider.name / "workflows").glob("*.yaml")):
            store.read_cassette(path, provider.name, "workflows")
    times["load cassettes"] = time.perf_counter() - started

    started = time.perf_counter()
    result = audit_stage(providers)
    for provider in providers:
        outcome = judge_cassette(provider, provider.spec, cassettes[provider.name], label=provider.name)
        result.findings.extend(outcome.findings)
    times["judge (audit + engine cassettes)"] = time.perf_counter() - started

    started = time.perf_counter()
    workflows = workflow_stage(TargetOptions(cassette_dir=cassette_dir))(providers)
    times["workflows"] = time.perf_counter() - started

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as reports:
        run_and_report(
            provider_names=(),
            target="replay",
            stages=[lambda _: result, lambda _: workflows],
            seed=0,
            report_dir=Path(reports),
        )
    times["reports"] = time.perf_counter() - started
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs per figure")
    parser.add_argument("--scale", type=int, default=10, help="growth factor of the generated cassette set")
    parser.add_argument("--baseline", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--phases", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline:
        baseline(args.baseline)
        return
    if args.phases:
        print(json.dumps(phases(args.phases)))
        return

    shipped = ROOT / "cassettes"
    count = _interactions(shipped)
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}; {count} recorded interactions")
    scratch = Path(tempfile.mkdtemp(prefix="replay-benchmark-"))
    os.environ["CONFORMANCE_CACHE_DIR"] = str(scratch / "cache")  # the runs' caches, not the user's
    warm_cache = {REPLAY_CACHE: str(scratch / "warm")}
    _run(shipped, 1, warm_cache)  # fills the spec-validation cache and the warm replay cache
    plain = _baseline(shipped, args.repeat)
    cold = _cold(shipped, args.repeat, scratch)
    warm = _run(shipped, args.repeat, warm_cache)
    off = _run(shipped, args.repeat, {REPLAY_CACHE: "off"})
    serial = _run(shipped, args.repeat, {REPLAY_CACHE: "off"}, "--workers", "1")
    nothing = _run(shipped, args.repeat, {"CONFORMANCE_CACHE_DIR": "off"})
    print(f"plain baseline (libyaml + operation mapping + jsonschema-rs): {plain:.2f} s wall, {plain.cpu:.2f} s CPU")
    for name, timing, target in (
        ("replay cache cold", cold, 1.2),
        ("replay cache warm", warm, 0.5),
        ("replay cache off", off, None),
        ("replay cache off, serial (--workers 1)", serial, None),
        ("every cache off (spec validation too)", nothing, None),
    ):
        goal = f"; goal <= {target} CPU: {'met' if timing.cpu / plain.cpu <= target else 'MISSED'}" if target else ""
        print(
            f"conformance run, {name}: {timing:.2f} s wall, {timing.cpu:.2f} s CPU = "
            f"{timing / plain:.2f}x wall, {timing.cpu / plain.cpu:.2f}x CPU of the baseline{goal}"
        )
    run = off

    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--phases", str(shipped)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), REPLAY_CACHE: "off"},
        capture_output=True,
        text=True,
        check=True,
    )
    print("phases (one process, replay cache off, spec-validation cache warm):")
    for name, seconds in json.loads(out.stdout.strip().splitlines()[-1]).items():
        print(f"  {name:34s} {seconds:6.2f} s")

    with tempfile.TemporaryDirectory() as growth:
        scaled = Path(growth) / "scaled"
        scaled_copy(shipped, scaled, args.scale)
        big = _interactions(scaled)
        run_big = _run(scaled, args.repeat, {REPLAY_CACHE: "off"})
        plain_big = _baseline(scaled, args.repeat)
        cold_big = _cold(scaled, args.repeat, scratch / "scaled")
        warm_big = _run(scaled, args.repeat, {REPLAY_CACHE: str(scratch / "scaled" / "cold-0")})
    print(f"growth with {args.scale}x engine cassettes ({big} interactions, {big / count:.1f}x):")
    print(
        f"  conformance run {run_big:.2f} s wall ({run_big / run:.2f}x), {run_big.cpu:.2f} s CPU "
        f"({run_big.cpu / run.cpu:.2f}x);  baseline {plain_big:.2f} s wall ({plain_big / plain:.2f}x), "
        f"{plain_big.cpu:.2f} s CPU ({plain_big.cpu / plain.cpu:.2f}x)"
    )
    run_slope = (run_big.cpu - run.cpu) / (big - count) * 1000
    plain_slope = (plain_big.cpu - plain.cpu) / (big - count) * 1000
    print(
        f"  CPU per added interaction: run {run_slope:.3f} ms, baseline {plain_slope:.3f} ms; fixed part: "
        f"run {run.cpu - run_slope * count / 1000:.2f} s, baseline {plain.cpu - plain_slope * count / 1000:.2f} s"
    )
    print(
        f"  ratio run / baseline at {args.scale}x: {run_big / plain_big:.2f} wall, {run_big.cpu / plain_big.cpu:.2f} CPU"
        f" (replay cache off); cold {cold_big.cpu / plain_big.cpu:.2f} CPU, warm {warm_big.cpu / plain_big.cpu:.2f} CPU"
    )
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
