"""Bad webhook options end `conformance run` before it starts: one sentence, exit 2, nothing written."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.core.errors import UsageError
from conformance.providers import get_provider
from conformance.targets.webhook_options import WebhookOptions, webhook_options
from conformance.targets.webhook_session import webhook_notices
from tests.hostile.conftest import assert_one_sentence, conformance

LIVE = ["--target", "live", "--provider", "wooshpay", "--base-url", "wooshpay=http://127.0.0.1:9"]


@pytest.fixture
def taken() -> Iterator[int]:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    yield holder.getsockname()[1]
    holder.close()


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--webhook-listen", "127.0.0.1:8765"], ["for live, record and sandbox runs"]),
        (["--webhook-public-url", "https://x.example/hooks"], ["for live, record and sandbox runs"]),
        ([*LIVE, "--webhook-listen", "127.0.0.1:8765"], ["--webhook-public-url", "127.0.0.1:8765"]),
        ([*LIVE, "--webhook-public-url", "https://x.example/hooks"], ["needs --webhook-listen"]),
        ([*LIVE, "--webhook-listen", "localhost", "--webhook-public-url", "https://x.example"], ["is not HOST:PORT"]),
        ([*LIVE, "--webhook-listen", "127.0.0.1:8765", "--webhook-public-url", "ftp://x"], ["not a usable URL"]),
        ([*LIVE, "--webhook-listen", "127.0.0.1:8765", "--webhook-public-url", "https://:0"], ["not a usable URL"]),
        (["--target", "sandbox", "--webhook-public-url", "https://x.example"], ["for live runs"]),
    ],
)
def test_bad_webhook_options_are_one_sentence(tmp_path: Path, args: list[str], fragments: list[str]) -> None:
    ran = conformance(["run", *args, "--report-dir", str(tmp_path / "reports")])
    assert_one_sentence(ran, 2, *fragments)
    assert not (tmp_path / "reports").exists()


def test_a_listen_port_in_use_is_one_sentence(tmp_path: Path, taken: int) -> None:
    ran = conformance(
        ["run", "--target", "sandbox", "--webhook-listen", f"127.0.0.1:{taken}", "--report-dir", str(tmp_path / "r")]
    )
    assert_one_sentence(ran, 2, f"127.0.0.1:{taken}", "choose another --webhook-listen")
    assert not (tmp_path / "r").exists()


def test_a_timeout_must_be_positive(tmp_path: Path) -> None:
    ran = conformance(["run", "--target", "sandbox", "--webhook-timeout", "0", "--report-dir", str(tmp_path)])
    assert ran.code == 2
    assert "--webhook-timeout" in ran.stderr


def test_good_options_pass_through() -> None:
    assert webhook_options(None, None, 5.0, ["replay"]) == WebhookOptions(timeout=5.0)
    assert webhook_options(None, None, 5.0, ["sandbox"]) == WebhookOptions(timeout=5.0)
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    live = webhook_options(f"127.0.0.1:{port}", "https://t.example/h", 9.0, ["live", "replay"])
    assert live == WebhookOptions(("127.0.0.1", port), "https://t.example/h", 9.0)
    assert live.asked
    with pytest.raises(UsageError):
        webhook_options(f"127.0.0.1:{port}", None, 9.0, ["record"])


def test_a_live_run_is_told_to_register_the_url_where_the_spec_has_no_endpoint_api() -> None:
    providers = [get_provider(name) for name in ("lynkwell", "useepay", "wooshpay")]
    live = {"lynkwell": "live", "useepay": "live", "wooshpay": "live"}
    options = WebhookOptions(("127.0.0.1", 8765), "https://t.example/h")
    [notice] = webhook_notices(providers, live, options)
    assert notice.startswith("UseePay has no API to register a webhook endpoint: register https://t.example/h")
    # WooshPay's endpoint is registered by the run; Lynkwell sends none; a sandbox or a run not asked says nothing.
    assert webhook_notices(providers, {**live, "useepay": "sandbox"}, options) == []
    assert webhook_notices(providers, live, WebhookOptions()) == []
