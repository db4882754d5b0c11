"""A secret registered with a documented public prefix (WooshPay's whsec_) is redacted after the prefix, so a
schema that judges the prefix judges a recording as it judged the live answer; the secret itself never stays."""

from __future__ import annotations

import json
import socket
import string
from collections.abc import Callable
from urllib.parse import quote

import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.core import secrets
from conformance.http import transport
from tests.hostile.servers import serving

# Token characters only, as the double's secrets are; long enough never to collide with another test's secrets.
BODIES = st.text(alphabet=string.ascii_letters + string.digits, min_size=24, max_size=40)


def _written(value: str) -> list[str]:
    """How a created endpoint's secret reaches a cassette or report: JSON, a form, a URL, JSON-escaped twice."""
    return [json.dumps({"secret": value}), f"secret={quote(value, safe='')}&x=1", json.dumps(json.dumps({"s": value}))]


@given(BODIES)
def test_the_public_prefix_stays_and_the_secret_goes(body: str) -> None:
    value = "whsec_" + body
    secrets.register([value], token=True, public_prefix="whsec_")
    for text in _written(value):
        scrubbed = secrets.scrub(text)
        assert body not in scrubbed
        assert "whsec_REDACTED" in scrubbed


@given(BODIES)
def test_without_a_public_prefix_the_whole_value_goes(body: str) -> None:
    value = "whsec_" + body + "n"  # a different value from the other test's
    secrets.register([value], token=True)
    for text in _written(value):
        scrubbed = secrets.scrub(text)
        assert body not in scrubbed
        assert "whsec_" not in scrubbed
        assert "REDACTED" in scrubbed


@given(BODIES)
def test_a_value_without_the_prefix_is_redacted_whole(body: str) -> None:
    value = "sk_" + body
    secrets.register([value], token=True, public_prefix="whsec_")
    for text in _written(value):
        scrubbed = secrets.scrub(text)
        assert body not in scrubbed
        assert "sk_" not in scrubbed


# -- a secret an answer hands over (a webhook endpoint's signing secret), learnt by the transport -------------

SECRET_TAILS = st.text(string.ascii_letters + string.digits, min_size=16, max_size=40)


def _answering(body: dict[str, object]) -> Callable[[socket.socket, bytes], None]:
    payload = json.dumps(body).encode()

    def answer(conn: socket.socket, request: bytes) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        conn.sendall(head.encode() + b"Connection: close\r\n\r\n" + payload)

    return answer


@settings(max_examples=5, deadline=None)
@given(tail=SECRET_TAILS, envelope=st.booleans())
def test_a_secret_field_of_an_answer_is_a_secret_whoever_made_it(tail: str, envelope: bool) -> None:
    """A live WooshPay answer to CreateWebhookEndpoint: no double of this process registered its secret."""
    secret = f"whsec_{tail}"
    endpoint = {"id": "we_1", "secret": secret}
    with serving(_answering({"data": endpoint} if envelope else endpoint)) as server, transport.guarded(5):
        answer = requests.post(server.url + "/v1/webhook_endpoints", timeout=5)
    assert secret not in secrets.scrub(answer.text)
    assert "whsec_REDACTED" in secrets.scrub(answer.text)


@settings(max_examples=5, deadline=None)
@given(tail=SECRET_TAILS)
def test_a_field_not_named_secret_is_left_as_it_is(tail: str) -> None:
    value = f"we_{tail}"
    with serving(_answering({"id": value, "description": value})) as server, transport.guarded(5):
        answer = requests.post(server.url + "/v1/webhook_endpoints", timeout=5)
    assert value in secrets.scrub(answer.text)
