"""A known findings document, rendered once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.document.model import FindingsDocument
from conformance.reports import findings_json
from conformance.reports.writer import write_all
from conformance.spec.resources import specs_from
from tests.reports import sample


@pytest.fixture(scope="session")
def document() -> FindingsDocument:
    return sample.document()


@pytest.fixture(scope="session")
def report_dir(tmp_path_factory: pytest.TempPathFactory, document: FindingsDocument) -> Path:
    # An earlier test's `--spec-dir` must not decide what these reports render: render on the shipped specs.
    directory = tmp_path_factory.mktemp("reports")
    with specs_from(None):
        findings_json.write(document, directory)
        write_all(document, directory)
    return directory


@pytest.fixture(scope="session")
def faulty_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, FindingsDocument, tuple[str, ...]]:
    """WooshPay's double with several Invoice fields removed, run live through the workflows (real HTTP).

    The workflow stage alone: it calls most invoice-returning operations, in seconds.
    """
    from conformance.cli.reporting import run_and_report
    from conformance.findings.severity_policy import SeverityPolicy
    from conformance.targets import TargetOptions
    from conformance.targets.double_server import running_double
    from conformance.workflows.stage import workflow_stage

    directory = tmp_path_factory.mktemp("faulty-run")
    with running_double("wooshpay", faults=("fields_removed",), seed=7, demo_data=True) as double:
        options = TargetOptions(target="live", base_urls={"wooshpay": double.base_url}, env=dict(double.credentials))
        document = run_and_report(
            provider_names=("wooshpay",),
            target="live",
            stages=[workflow_stage(options)],
            seed=0,
            report_dir=directory,
            # WooshPay's Invoice required list is Stripe's (inferred): strict, so the removed fields break.
            policy=SeverityPolicy(strict_inferred=True),
        )
        removed = double.double.fault_targets.removed_fields
    return directory, document, removed
