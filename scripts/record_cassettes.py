"""Re-record the shipped cassettes from the bundled provider doubles.

    python scripts/record_cassettes.py [PROVIDER ...]

For each provider: start its double on a free loopback port (with the demo data a sandbox account
holds, and a fixed id seed), then run `conformance run --target record --base-url PROVIDER=URL`
against it with the double's test credentials. This is `conformance run --target sandbox`, recorded.
Then each workflow scenario is recorded against a fresh double of its own, as
`pytest tests/workflows --record-mode=rewrite` does, so that its cassette does not depend on what the
engine left behind; the double delivers its webhook events to a receiver of the run meanwhile, and they
are recorded beside the scenario's cassette (`<scenario>.webhooks.json`, docs/webhooks-runs.md). The
cassettes' metadata says they were recorded against the double.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from conformance.providers import get_provider, select_providers
from conformance.spec.resources import cassettes_dir
from conformance.targets.double_server import running_double
from conformance.workflows import RECORDING_SEED
from conformance.workflows.doubles import record_on_doubles

ID_SEED = RECORDING_SEED


def record(provider_name: str) -> int:
    with (
        running_double(provider_name, seed=ID_SEED, demo_data=True) as double,
        tempfile.TemporaryDirectory() as reports,
    ):
        env = {**os.environ, **double.credentials, "CONFORMANCE_RECORDED_AGAINST": f"{provider_name} double"}
        command = [
            sys.executable, "-m", "conformance", "run", "--target", "record", "--provider", provider_name,
            "--base-url", f"{provider_name}={double.base_url}", "--no-audit", "--no-workflows", "--report-dir", reports,
        ]  # fmt: skip
        print("$", " ".join(command), flush=True)
        code = subprocess.run(command, env=env, check=False).returncode
    workflows = get_provider(provider_name).workflows()
    if workflows is not None:
        for outcome in record_on_doubles(workflows, cassettes_dir()):
            heard = "" if outcome.events is None else f", events {', '.join(outcome.events) or 'none'}"
            print(
                f"  workflow {outcome.scenario}: {outcome.requests} requests, {len(outcome.findings)} findings{heard}",
                flush=True,
            )
            code = max(code, 1 if outcome.findings or not outcome.completed else 0)
    return code


def main(argv: list[str]) -> int:
    worst = 0
    for provider in select_providers(argv):
        code = record(provider.name)
        print(f"{provider.name}: exit {code}", flush=True)
        worst = max(worst, code)
    return worst


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
