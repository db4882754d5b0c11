"""`conformance judge`: users' VCR.py cassettes and HAR files, judged exactly as the replay judges."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from conformance.cassettes.store import INTENT_KEY, LoadedCassette
from conformance.cli.main import main
from conformance.findings.model import Finding
from conformance.judge.judging import judge_recordings
from conformance.judge.recordings import read_recording
from conformance.judge.routing import origins, route
from conformance.providers import all_providers, get_provider
from conformance.replay.engine import judge_cassette
from conformance.targets.double_server import running_double
from tests.conftest import FAKE_CREDENTIALS, secret_forms
from tests.judge.recorders import bill, recording

WOOSHPAY = get_provider("wooshpay")


def _judge_cli(tmp_path: Path, *args: str) -> tuple[int, str, dict[str, Any] | None]:
    report_dir = tmp_path / "reports"
    result = CliRunner().invoke(main, ["judge", *args, "--report-dir", str(report_dir)])
    findings = report_dir / "findings.json"
    document = json.loads(findings.read_text()) if findings.exists() else None
    written = "".join(p.read_text(errors="replace") for p in report_dir.iterdir()) if report_dir.exists() else ""
    return result.exit_code, result.output + written, document


def _essence(findings: list[Finding] | list[dict[str, Any]]) -> Counter[tuple[Any, ...]]:
    """What a finding says, without where the recording lies (paths differ between the two files)."""
    rows = [f.to_json() if isinstance(f, Finding) else f for f in findings]
    return Counter(
        (
            r["fingerprint"],
            r["kind"],
            r["severity"],
            r["pointer"],
            r["expected"],
            r["observed"],
            r["evidence"]["status"],
        )
        for r in rows
    )


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[Path, Path]:
    """The same exchanges in a cassette and a HAR file, under faults the schema and status checks see."""
    cassette, har = tmp_path / "billing.yaml", tmp_path / "billing.har"
    faults = ["field_removed", "field_added", "field_retyped"]
    with running_double("wooshpay", faults=faults) as running, recording(running, cassette, har) as session:
        bill(session, running.base_url, [300, 200])
    return cassette, har


def test_cassette_and_har_give_the_replays_findings(tmp_path: Path, recorded: tuple[Path, Path]) -> None:
    cassette, har = recorded
    known = origins([WOOSHPAY], {"wooshpay": "http://127.0.0.1"})
    from_cassette = judge_recordings(read_recording(cassette), known, root=tmp_path)
    from_har = judge_recordings(read_recording(har), known, root=tmp_path)
    # The replay's own entry point, on the same exchanges as the suite's cassettes hold them.
    interactions = yaml.safe_load(cassette.read_text())["interactions"]
    for interaction in interactions:  # as a suite recording notes them: cases, with no intent to judge
        interaction[INTENT_KEY] = {"role": "case"}
    base_url = interactions[0]["request"]["uri"].split("/v1/")[0]
    replayed = judge_cassette(
        WOOSHPAY, WOOSHPAY.spec, LoadedCassette(cassette, interactions, {"base_url": base_url}), label="x"
    )
    assert from_cassette.findings, "the faults must show"
    assert _essence(from_cassette.findings) == _essence(from_har.findings) == _essence(replayed.findings)
    kinds = {f.kind.value for f in from_cassette.findings}
    assert {"missing_field", "undocumented_field", "type_mismatch"} <= kinds


def test_the_cli_reports_the_same_for_both_files(tmp_path: Path, recorded: tuple[Path, Path]) -> None:
    cassette, har = recorded
    code_a, output_a, doc_a = _judge_cli(tmp_path / "a", str(cassette), "--base-url", "wooshpay=http://127.0.0.1")
    code_b, output_b, doc_b = _judge_cli(tmp_path / "b", str(har), "--base-url", "wooshpay=http://127.0.0.1")
    assert code_a == code_b == 1
    assert doc_a is not None
    assert doc_b is not None
    assert _essence(doc_a["findings"]) == _essence(doc_b["findings"])
    assert doc_a["run"]["target"] == "judge"
    credentials = WOOSHPAY.test_credentials({})
    leaked = [s for s in secret_forms(credentials["WOOSHPAY_API_KEY"]) if s in output_a + output_b]
    assert leaked == []


def test_a_conforming_recording_is_judged_clean(tmp_path: Path) -> None:
    cassette, har = tmp_path / "ok.json", tmp_path / "ok.har"
    with running_double("wooshpay") as running, recording(running, cassette, har, serializer="json") as session:
        bill(session, running.base_url, [300, 200])
    code, output, document = _judge_cli(tmp_path, str(cassette), str(har), "--base-url", "wooshpay=http://127.0.0.1")
    assert code == 0, output
    assert document is not None
    assert document["findings"] == []
    assert document["summary"]["requests"] == 12


def test_single_object_invariants_fire_on_a_wrong_total(tmp_path: Path) -> None:
    cassette, har = tmp_path / "totals.yaml", tmp_path / "totals.har"
    with (
        running_double("wooshpay", faults=["totals_mismatch"]) as running,
        recording(running, cassette, har) as session,
    ):
        bill(session, running.base_url, [300, 200])
    # No WooshPay page defines `total` (the sum of the lines is Stripe's rule): breaking only when strict.
    code, _, document = _judge_cli(tmp_path, str(har), "--base-url", "wooshpay=http://127.0.0.1")
    assert document is not None
    assert code == 0, [
        (f["check"], f["pointer"], f["basis"]) for f in document["findings"] if f["severity"] == "breaking"
    ]
    totals = [f for f in document["findings"] if f["pointer"] == "/total"]
    assert totals
    assert {(f["basis"], f["severity"]) for f in totals} == {("inferred", "non_breaking")}
    code, _, document = _judge_cli(
        tmp_path / "strict", str(har), "--base-url", "wooshpay=http://127.0.0.1", "--strict-inferred"
    )
    assert code == 1
    assert document is not None
    found = {(f["kind"], f["operation"], f["pointer"]) for f in document["findings"]}
    assert ("invariant_violation", "retrieveInvoice", "/total") in found
    assert ("invariant_violation", "finalizeInvoice", "/total") in found


def test_other_hosts_are_ignored_with_a_note_and_unknown_paths_listed(tmp_path: Path) -> None:
    cassette, har = tmp_path / "mixed.yaml", tmp_path / "mixed.har"
    with running_double("wooshpay") as running, recording(running, cassette, har) as session:
        bill(session, running.base_url, [100])
        session.get(f"{running.base_url}/v1/balance_transactions", timeout=10)
        session.get(running.base_url.replace("127.0.0.1", "localhost") + "/v1/invoices", timeout=10)
    code, output, _ = _judge_cli(tmp_path, str(cassette), "--base-url", "wooshpay=http://127.0.0.1")
    assert code == 0, output
    assert "note: ignored 1 exchange(s) with localhost:" in output
    assert "undocumented: wooshpay GET /v1/balance_transactions matches no documented operation" in output
    notes = json.loads((tmp_path / "reports" / "judge.json").read_text())
    assert notes["unmatched"][0]["path"] == "/v1/balance_transactions"
    assert list(notes["ignored_hosts"].values()) == [1]


def test_lynkwell_tokens_and_client_secret_never_reach_the_reports(tmp_path: Path) -> None:
    credentials = FAKE_CREDENTIALS["lynkwell"]
    cassette, har = tmp_path / "lynkwell.yaml", tmp_path / "lynkwell.har"
    with running_double("lynkwell", credentials=credentials) as running:
        running.double.inject("wrong_content_type")  # findings, so evidence (curl lines) is written
        with recording(running, cassette, har) as session:
            # Secrets where the replay's curl evidence would carry them: the query and a cookie.
            session.headers["Cookie"] = "session=FAKEcookieValue99"
            session.get(f"{running.base_url}/billing/v1/payment-profiles?api_key=FAKEqueryKey123", timeout=10)
            session.get(f"{running.base_url}/billing/v1/payment-profiles", timeout=10)
        tokens = list(running.double.tokens)
    assert tokens
    assert tokens[0] in har.read_text()  # the user's recording holds them
    code, output, _ = _judge_cli(tmp_path, str(har), str(cassette), "--base-url", "lynkwell=http://127.0.0.1")
    assert code == 1, output
    assert "1 token request(s) not judged" in output  # requests fetched it outside the session: no HAR entry
    assert "content_type" in output
    secrets = [*credentials.values(), *tokens, "FAKEqueryKey123", "FAKEcookieValue99"]
    leaked = [form for secret in secrets for form in secret_forms(secret) if form in output]
    assert leaked == []


def test_documented_hosts_need_no_mapping() -> None:
    known = origins(list(all_providers().values()), {})
    found = route("https://apitest.wooshpay.com/v1/invoices/in_123", "GET", known)
    assert found.provider is WOOSHPAY
    assert found.operation is not None
    assert found.operation.operation_id == "retrieveInvoice"
    assert route("https://apitest.wooshpay.com:8443/v1/invoices", "GET", known).provider is None
    assert route("https://api.example.com/v1/invoices", "GET", known).provider is None
    token = route("https://lynkwell-prod.us.auth0.com/oauth/token", "POST", known)
    assert token.provider is get_provider("lynkwell")
    assert token.token_request


def test_a_mapping_with_a_port_or_a_path_is_exact() -> None:
    known = origins([WOOSHPAY], {"wooshpay": "http://proxy.local:8080/wooshpay"})
    found = route("http://proxy.local:8080/wooshpay/v1/invoices", "POST", known)
    assert found.operation is not None
    assert found.operation.operation_id == "createInvoice"
    assert route("http://proxy.local:9090/wooshpay/v1/invoices", "POST", known).provider is None
    assert route("http://proxy.local:8080/other/v1/invoices", "POST", known).provider is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("interactions: [\n  - {request: ", "is not valid YAML at line"),
        ('{"log": 1}', "is neither a VCR.py cassette"),
        ('{"log": [', "is not valid JSON (Expecting value at line 1)"),
        # json raises a plain ValueError (no line) for an integer past Python's digit limit.
        pytest.param(
            '{"log": ' + "1" * 5000 + "}",
            "is not valid JSON (Exceeds the limit (4300 digits)",
            id="json-too-many-digits",
        ),
        (
            "interactions:\n- {request: {method: GET}, response: {status: {code: 200}}}\n",
            "has no request method or uri",
        ),
    ],
)
def test_bad_recordings_stop_with_one_sentence(tmp_path: Path, content: str, message: str) -> None:
    bad = tmp_path / ("bad.json" if content.startswith("{") else "bad.yaml")
    bad.write_text(content)
    code, output, document = _judge_cli(tmp_path, str(bad))
    assert code == 2
    assert message in output
    assert "Traceback" not in output
    assert document is None  # nothing written


def test_an_accepted_finding_in_the_baseline_turns_the_verdict(tmp_path: Path) -> None:
    cassette, har = tmp_path / "totals.yaml", tmp_path / "totals.har"
    with (
        running_double("wooshpay", faults=["totals_mismatch"]) as running,
        recording(running, cassette, har) as session,
    ):
        bill(session, running.base_url, [300, 200])
    mapping = ("--base-url", "wooshpay=http://127.0.0.1", "--strict-inferred")  # the total is Stripe's rule
    assert _judge_cli(tmp_path / "first", str(cassette), *mapping)[0] == 1
    baseline = tmp_path / "baseline.yaml"
    accepted = CliRunner().invoke(
        main,
        [
            "baseline",
            "update",
            "--baseline",
            str(baseline),
            "--findings",
            str(tmp_path / "first" / "reports" / "findings.json"),
            "--reason",
            "known WooshPay rounding",
        ],
    )
    assert accepted.exit_code == 0, accepted.output
    code, _, document = _judge_cli(tmp_path / "second", str(har), *mapping, "--baseline", str(baseline))
    assert code == 0
    assert document is not None
    assert document["summary"]["baselined"] >= 1
    assert document["summary"]["breaking"] == 0


def test_a_directory_is_searched_and_other_files_in_it_skipped(tmp_path: Path, recorded: tuple[Path, Path]) -> None:
    cassette, _ = recorded
    suite = tmp_path / "tests" / "cassettes" / "test_billing"  # pytest-recording's layout
    suite.mkdir(parents=True)
    (suite / "test_bill.yaml").write_text(cassette.read_text())
    (tmp_path / "tests" / "settings.json").write_text('{"debug": true}')
    code, output, document = _judge_cli(tmp_path, str(tmp_path / "tests"), "--base-url", "wooshpay=http://127.0.0.1")
    assert code == 1
    assert document is not None
    assert document["summary"]["requests"] == 6
    assert "note: skipped" in output
    assert "settings.json: not a VCR.py cassette or HAR file" in output


def test_recordings_without_provider_traffic_say_how_to_map_a_host(tmp_path: Path) -> None:
    cassette = tmp_path / "other.yaml"
    interaction = {
        "request": {"method": "GET", "uri": "http://127.0.0.1:5000/v1/invoices", "headers": {}, "body": None},
        "response": {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": "{}"}},
    }
    cassette.write_text(yaml.safe_dump({"version": 1, "interactions": [interaction]}))
    code, output, _ = _judge_cli(tmp_path, str(cassette))
    assert code == 3  # judging zero exchanges is no verdict
    assert "map its host with --base-url PROVIDER=URL" in output
    assert _judge_cli(tmp_path, str(tmp_path / "missing.har"))[0] == 2
