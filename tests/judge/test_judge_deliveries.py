"""`conformance judge` on captured webhook deliveries (issue 28, item 4): JSON files of the suite's Delivery
records and HAR files of inbound posts, judged against the providers' `webhooks`; twins: clean deliveries
pass, one mutation is found with its kind and check; bad input gets one sentence and its exit code."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conformance.cli.main import main
from conformance.core.deliveries import Delivery
from tests.checks import webhook_kit as kit


def _judge(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, dict[str, Any] | None]:
    report_dir = tmp_path / "reports"
    result = CliRunner().invoke(main, ["judge", *args, "--report-dir", str(report_dir)], env=env or {})
    findings = report_dir / "findings.json"
    return result.exit_code, result.output, json.loads(findings.read_text()) if findings.exists() else None


def _story(provider: str) -> list[Delivery]:
    invoices = kit.invoices_by_state(provider)
    names = {"wooshpay": ["invoice.finalized", "invoice.paid"], "useepay": ["invoice.paid", "invoice.payment_failed"]}
    states = {"invoice.finalized": "open", "invoice.paid": "paid", "invoice.payment_failed": "payment_failed"}
    return [
        kit.delivery(provider, kit.envelope(provider, name, invoices[states[name]]), sequence=i, at=float(i))
        for i, name in enumerate(names[provider])
    ]


def _write(path: Path, deliveries: list[Delivery]) -> Path:
    path.write_text(json.dumps([d.to_json() for d in deliveries]))
    return path


def _events(tmp_path: Path, provider: str) -> list[str]:
    """The documented events the judge observed (judge.json; a judge run measures no API coverage)."""
    notes = json.loads((tmp_path / "reports" / "judge.json").read_text())
    return list(notes["deliveries"]["events"].get(provider, []))


@pytest.mark.parametrize("provider", ["wooshpay", "useepay"])
def test_clean_delivery_records_pass_and_count_as_observed_events(tmp_path: Path, provider: str) -> None:
    deliveries = _story(provider)
    code, output, document = _judge(tmp_path, str(_write(tmp_path / "deliveries.json", deliveries)))
    assert code == 0, output
    assert document is not None
    assert [f for f in document["findings"] if f["operation"].startswith("webhook")] == []
    names = {json.loads(d.body.decode())["type" if provider == "wooshpay" else "name"] for d in deliveries}
    assert _events(tmp_path, provider) == sorted(names)
    assert "judged 2 webhook delivery(ies)" in output


def test_one_retyped_field_in_a_documented_event_fails_the_judge(tmp_path: Path) -> None:
    invoice = dict(kit.invoices_by_state("useepay")["paid"])
    invoice["currency"] = 840
    broken = kit.delivery("useepay", kit.envelope("useepay", "invoice.paid", invoice))
    code, output, document = _judge(tmp_path, str(_write(tmp_path / "d.json", [broken])))
    assert code == 1, output
    assert document is not None
    (finding,) = [f for f in document["findings"] if f["operation"] == "webhook invoice.paid"]
    assert (finding["kind"], finding["check"], finding["pointer"]) == (
        "type_mismatch",
        "webhook.payload",
        "/data/currency",
    )
    assert finding["severity"] == "breaking"
    assert finding["evidence"]["cassette"].endswith("d.json")


def _har(tmp_path: Path, deliveries: list[Delivery], name: str = "inbound.har") -> Path:
    start = datetime(2026, 12, 7, tzinfo=UTC).timestamp()
    entries = []
    for delivery in deliveries:
        started = datetime.fromtimestamp(start + delivery.received_at, UTC).isoformat().replace("+00:00", "Z")
        entries.append(
            {
                "startedDateTime": started,
                "request": {
                    "method": "POST",
                    "url": f"http://127.0.0.1:8080{delivery.path}",
                    "headers": [{"name": k, "value": v} for k, v in delivery.headers],
                    "postData": {"mimeType": delivery.content_type, "text": delivery.body.decode("utf-8")},
                },
                "response": {"status": delivery.status or 0, "headers": [], "content": {"text": "ok"}},
            }
        )
    path = tmp_path / name
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}))
    return path


def test_inbound_posts_in_a_har_are_told_apart_by_their_body(tmp_path: Path) -> None:
    code, output, document = _judge(tmp_path, str(_har(tmp_path, _story("useepay"))))
    assert code == 0, output
    assert document is not None
    assert _events(tmp_path, "useepay") == ["invoice.paid", "invoice.payment_failed"]


def test_an_undocumented_event_name_at_the_webhooks_path_is_found(tmp_path: Path) -> None:
    event = kit.envelope("wooshpay", "invoice.exploded", kit.invoices_by_state("wooshpay")["paid"])
    har = _har(tmp_path, [kit.delivery("wooshpay", event)])
    # Without the path the post reads as no documented event: nothing to judge (exit 3, one sentence).
    code, output, _ = _judge(tmp_path, str(har), "--provider", "wooshpay")
    assert code == 3, output
    assert "Traceback" not in output
    code, output, document = _judge(tmp_path, str(har), "--provider", "wooshpay", "--webhooks-path", "/hooks")
    assert document is not None
    found = {(f["kind"], f["check"]) for f in document["findings"] if f["operation"].startswith("webhook")}
    assert found == {("enum_violation", "webhook.event_name")}
    assert code == 0  # WooshPay's events are Stripe's (inferred): never breaking by default


def test_retries_recorded_in_a_har_are_judged_against_the_schedule(tmp_path: Path) -> None:
    event = kit.envelope("useepay", "invoice.paid", kit.invoices_by_state("useepay")["paid"])
    # Answered 500, then retried after 0.1 s where UseePay declares 1 s.
    attempts = [
        kit.delivery("useepay", event, sequence=0, at=0.0, status=500),
        kit.delivery("useepay", event, sequence=1, at=0.1, status=200),
    ]
    code, _, document = _judge(tmp_path, str(_har(tmp_path, attempts)))
    assert document is not None
    assert {f["check"] for f in document["findings"] if f["operation"].startswith("webhook")} == {"webhook.retries"}
    assert code == 1
    on_time = [attempts[0], kit.delivery("useepay", event, sequence=1, at=1.0, status=200)]
    code, output, _ = _judge(tmp_path / "again", str(_har(tmp_path, on_time, "on-time.har")))
    assert code == 0, output


def test_signatures_are_verified_with_the_key_the_environment_gives(tmp_path: Path) -> None:
    good = _story("useepay")
    other_signature = kit.sign("useepay", b"another body")[1]
    tampered = Delivery(
        **{**good[0].__dict__, "headers": tuple((k, other_signature if k == "sign" else v) for k, v in good[0].headers)}
    )
    path = _write(tmp_path / "d.json", [tampered])
    code, output, _ = _judge(tmp_path, str(path))
    assert "signatures were not verified; set USEEPAY_WEBHOOK_PUBLIC_KEY" in output
    code, output, document = _judge(tmp_path, str(path), env={"USEEPAY_WEBHOOK_PUBLIC_KEY": kit.public_pem()})
    assert document is not None
    assert "webhook.signature" in {f["check"] for f in document["findings"]}
    code, output, document = _judge(
        tmp_path, str(_write(tmp_path / "g.json", good)), env={"USEEPAY_WEBHOOK_PUBLIC_KEY": kit.public_pem()}
    )
    assert code == 0, output


def test_the_wooshpay_signing_secret_reaches_no_written_byte(tmp_path: Path) -> None:
    deliveries = _story("wooshpay")
    path = _write(tmp_path / "d.json", deliveries)
    code, output, _ = _judge(tmp_path, str(path), env={"WOOSHPAY_WEBHOOK_SECRET": kit.WHSEC})
    assert code == 0, output
    written = b"".join(p.read_bytes() for p in (tmp_path / "reports").iterdir())
    for form in (kit.WHSEC, base64.b64encode(kit.WHSEC.encode()).decode()):
        assert form.encode() not in written


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["--webhooks-path", "hooks"], 2, "is not a path"),
    ],
)
def test_bad_input_is_one_sentence_and_its_exit_code(tmp_path: Path, args: list[str], code: int, says: str) -> None:
    path = _write(tmp_path / "d.json", _story("useepay"))
    exit_code, output, _ = _judge(tmp_path, str(path), *args)
    assert exit_code == code
    assert says in output
    assert "Traceback" not in output
    assert not (tmp_path / "reports" / "findings.json").exists()


def test_a_malformed_delivery_record_is_named(tmp_path: Path) -> None:
    records = [d.to_json() for d in _story("useepay")]
    records[1]["sequence"] = "first"
    path = tmp_path / "d.json"
    path.write_text(json.dumps(records))
    code, output, _ = _judge(tmp_path, str(path))
    assert code == 2
    assert "delivery 2 is not a Delivery record" in output
