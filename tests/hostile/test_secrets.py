"""Nothing leaks: credentials go to the configured origin only, and no secret of the run — the
credentials, every token issued, every cookie — reaches any byte written or printed, in any
spelling, even when the server echoes them back."""

from __future__ import annotations

import base64
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from conformance.http import transport
from conformance.providers import get_provider
from conformance.scenarios.client import WorkflowClient
from conformance.targets.double_server import running_double
from tests.conftest import fake_credentials, invoice_reads
from tests.hostile import servers
from tests.hostile.conftest import assert_one_sentence, conformance, tree_bytes
from tests.hostile.echo import EchoProxy
from tests.webhooks.test_live_run import capture_endpoints, free_port

MARKER = "CNRY"  # in every credential: any raw, URL-, JSON- or HTML-escaped trace of one contains it
# Every credential of every registered provider, with characters each escaping changes.
CANARY = fake_credentials(MARKER, "<&>\"'/+=% x")


def spellings(value: str) -> set[str]:
    """Spellings of a value that need not contain it: URL-encoded and base64 (alone, as a Basic user)."""
    forms = {value, quote(value, safe=""), quote_plus(value)}
    for raw in (value, value + ":"):
        forms.add(base64.b64encode(raw.encode()).decode())
        forms.add(base64.b64encode(raw.encode()).decode().rstrip("="))
    return {f for f in forms if len(f) >= 6}


def leaks(written: dict[str, bytes], secrets: list[str]) -> list[tuple[str, str]]:
    found = []
    for name, data in written.items():
        text = data.decode("utf-8", "replace")
        if MARKER in text:
            at = text.index(MARKER)
            found.append((name, text[max(0, at - 60) : at + 60]))
        found += [(name, form) for secret in secrets for form in spellings(secret) if form in text]
    return found


def test_canary_records_against_every_double_through_an_echoing_proxy(tmp_path: Path) -> None:
    env = {name: value for credentials in CANARY.values() for name, value in credentials.items()}
    # The run receives the doubles' webhooks too (WooshPay's endpoint registered through its API, UseePay's URL
    # given to its double): their signing secret and the credentials they echo in headers are secrets as well.
    port = free_port()
    hooks = f"http://127.0.0.1:{port}/hooks"
    fast: dict[str, object] = {"webhook_time_scale": 0.000001}
    options = {"wooshpay": fast, "useepay": {**fast, "webhook_url": hooks}}
    with ExitStack() as stack:
        elsewhere = stack.enter_context(servers.serving(servers.answers_ok))
        doubles = {
            name: stack.enter_context(
                running_double(name, demo_data=True, credentials=CANARY[name], options=options.get(name))
            )
            for name in CANARY
        }
        endpoints = capture_endpoints(doubles["wooshpay"])
        proxies = {name: EchoProxy(double, elsewhere.url) for name, double in doubles.items()}
        base_urls = [arg for name, d in doubles.items() for arg in ("--base-url", f"{name}={d.base_url}")]
        ran = conformance(
            [
                "run",
                "--target",
                "record",
                *base_urls,
                "--no-audit",
                "--max-examples",
                "1",
                # The engine on the invoice reads (its auth, echoes, cookies and redirects are the same on
                # every operation); the workflows, which run whole, send every kind of request.
                *(arg for name in CANARY for op in invoice_reads(name) for arg in ("--include-operation-id", op)),
                "--cassette-dir",
                str(tmp_path / "cassettes"),
                "--report-dir",
                str(tmp_path / "reports"),
                "--webhook-listen",
                f"127.0.0.1:{port}",
                "--webhook-public-url",
                hooks,
                "--webhook-timeout",
                "5",
            ],
            env=env,
        )
        tokens = [token for token in doubles["lynkwell"].double.tokens]
        delivered = {name: len(doubles[name].double.webhooks.sent) for name in ("wooshpay", "useepay")}  # type: ignore[union-attr]
    assert ran.code in (0, 1), ran.stderr[-3000:]
    assert all(p.requests > 50 for p in proxies.values()), {n: p.requests for n, p in proxies.items()}
    assert tokens, "the Lynkwell double issued no token"
    cookies = [c for p in proxies.values() for c in p.cookies]
    basic = base64.b64encode(
        f"{CANARY['wooshpay']['WOOSHPAY_API_KEY']}:{CANARY['wooshpay']['WOOSHPAY_API_SECRET']}".encode()
    ).decode()
    signing = [e.secret for e in endpoints if e.secret]
    assert signing, "the run registered no WooshPay endpoint"
    assert all(delivered.values()), delivered
    secrets = [v for c in CANARY.values() for v in c.values()] + tokens + cookies + [basic] + signing

    written = {**tree_bytes(tmp_path), "<stdout>": ran.stdout.encode(), "<stderr>": ran.stderr.encode()}
    cassettes = [name for name in written if name.startswith("cassettes/")]
    assert {n.split("/")[1] for n in cassettes} == set(CANARY)
    assert any("/workflows/" in n for n in cassettes)
    assert [n for n in cassettes if n.endswith(".webhooks.json") and n.split("/")[1] == "useepay"]
    assert not [n for n in written if n.endswith((".recording", ".tmp"))]
    assert {"reports/findings.json", "reports/report.html", "reports/junit.xml"} <= set(written)
    assert leaks(written, secrets) == []
    # The echoes were there to be scrubbed, and the redirects went nowhere with credentials.
    assert b"X-Echo" in written["cassettes/useepay/engine/cassette.yaml"]
    assert b"session=REDACTED" in written["cassettes/useepay/engine/cassette.yaml"]
    assert not [r for r in elsewhere.received if MARKER.encode() in r or b"uthorization" in r]


def test_leak_search_finds_a_planted_secret() -> None:
    """The canary's search itself: it fails on each spelling it claims to check."""
    secret = CANARY["useepay"]["USEEPAY_API_KEY"]
    for form in spellings(secret) | {secret.replace("<", "&lt;"), secret.replace('"', '\\"')}:
        assert leaks({"f": f"x {form} y".encode()}, [secret]), form


@pytest.mark.parametrize("provider", ["useepay", "wooshpay"])
def test_workflow_client_does_not_follow_a_redirect_to_another_origin(provider: str) -> None:
    spec = get_provider(provider).spec
    credentials = CANARY[provider]
    with (
        servers.serving(servers.answers_ok) as elsewhere,
        servers.serving(servers.redirects_to(elsewhere.url)) as redirector,
        transport.guarded(5),
    ):
        client = WorkflowClient(spec, redirector.url, get_provider(provider).auth(credentials, redirector.url))
        operation = next(op for op in spec.operations.values() if op.method == "GET" and "{" not in op.path)
        exchange = client.call(operation.operation_id)
    assert exchange.status == 307  # returned as it is, to be judged (an undocumented status)
    assert redirector.received
    assert MARKER.encode() in redirector.received[0] or b"Authorization" in redirector.received[0]
    assert elsewhere.received == []


def test_token_fetch_refuses_a_redirect_to_another_origin() -> None:
    provider = get_provider("lynkwell")
    with (
        servers.serving(servers.answers_ok) as elsewhere,
        servers.serving(servers.redirects_to(elsewhere.url)) as redirector,
        transport.guarded(5),
    ):
        auth = provider.auth(CANARY["lynkwell"], redirector.url)
        with pytest.raises(Exception, match="redirected to another origin") as raised:
            auth.token()
    assert MARKER.encode() in redirector.received[0]  # the configured origin got the request
    assert elsewhere.received == []
    assert getattr(raised.value, "exit_code", None) == 3


def test_a_run_against_a_redirecting_target_sends_credentials_nowhere_else(tmp_path: Path) -> None:
    with (
        servers.serving(servers.answers_ok) as elsewhere,
        servers.serving(servers.redirects_to(elsewhere.url)) as redirector,
    ):
        ran = conformance(
            [
                "run",
                "--provider",
                "useepay",
                "--base-url",
                f"useepay={redirector.url}",
                "--no-audit",
                "--max-examples",
                "1",
                "--report-dir",
                str(tmp_path),
            ],
            env=CANARY["useepay"],
        )
    assert ran.code == 1, ran.stderr  # every answer is an undocumented 307
    assert len(redirector.received) > 10
    assert [r.split(b"\r\n", 1)[0] for r in elsewhere.received if MARKER.encode() in r] == []
    assert leaks(tree_bytes(tmp_path), [v for v in CANARY["useepay"].values()]) == []


def test_lynkwell_run_with_a_redirecting_token_endpoint_exits_3(tmp_path: Path) -> None:
    with (
        servers.serving(servers.answers_ok) as elsewhere,
        servers.serving(servers.redirects_to(elsewhere.url)) as redirector,
    ):
        ran = conformance(
            [
                "run",
                "--provider",
                "lynkwell",
                "--base-url",
                f"lynkwell={redirector.url}",
                "--no-audit",
                "--max-examples",
                "1",
                "--report-dir",
                str(tmp_path),
            ],
            env=CANARY["lynkwell"],
        )
    assert_one_sentence(ran, 3, "token endpoint", "redirected to another origin")
    assert elsewhere.received == []
