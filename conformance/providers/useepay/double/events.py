"""UseePay's invoice events, as the webhooks page documents them
(https://docs-v2.useepay.com/ , "Webhooks and events"; recovered as webhooks-events.md).

Documented: the names (invoice.sent -- invoice.open in the page's older version --, invoice.paid,
invoice.payment_failed, invoice.cancelled; none on create), the envelope {id: "evt_...", name, data}, the
content type by API version (JSON for 2026-04, the double's default; form-urlencoded `data=<JSON>` for
older versions), the headers merchant_no, api_version, app_id and sign, "return HTTP 200 or we retry" and
the schedule (1 s, 5 s, 10 s, 30 s, 1 min, then every further minute up to 2 h). Inferred (the page does not
print the string to sign): `sign` is base64 of an RSA PKCS#1 v1.5 SHA-256 signature of the raw body with
UseePay's private key; the double makes a key pair (one per process) and publishes the public key PEM.
"""

from __future__ import annotations

import base64
import json
import random
import threading
from collections.abc import Callable, Mapping
from typing import ClassVar
from urllib.parse import urlencode

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from conformance.core import secrets as secret_registry
from conformance.core.errors import UsageError
from conformance.sandbox.webhooks import Endpoint, Event, EventScheme, Wire, growing_schedule

EVENT_NAMES = ("invoice.sent", "invoice.paid", "invoice.payment_failed", "invoice.cancelled")
CURRENT_VERSION = "2026-04"  # JSON bodies; earlier versions post a form with one field, data=<JSON>
FORM = "application/x-www-form-urlencoded"
RETRY_SCHEDULE = growing_schedule((1, 5, 10, 30, 60), 60, 7200)


def verify(public_key_pem: str, body: bytes, signature: str) -> bool:
    """Whether `signature` (the `sign` header) is UseePay's over `body` (what a receiver does)."""
    key = serialization.load_pem_public_key(public_key_pem.encode())
    assert isinstance(key, rsa.RSAPublicKey)
    try:
        key.verify(base64.b64decode(signature, validate=True), body, padding.PKCS1v15(), hashes.SHA256())
    except Exception:  # InvalidSignature, a malformed base64: not UseePay's signature either way
        return False
    return True


class UseePayEvents(EventScheme):
    names = EVENT_NAMES
    schedule = RETRY_SCHEDULE
    wrong_names: ClassVar[dict[str, str]] = {"invoice.sent": "invoice.open"}  # the page's older name
    missing_event = "invoice.paid"

    def __init__(self, credentials: Mapping[str, str], api_version: str) -> None:
        self._credentials = credentials
        self.api_version = api_version
        self._key: rsa.RSAPrivateKey | None = None
        self._key_lock = threading.Lock()

    @property
    def private_key(self) -> rsa.RSAPrivateKey:
        with self._key_lock:
            if self._key is None:
                self._key = _process_key()
            return self._key

    @property
    def verification_key(self) -> str:
        return (
            self.private_key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )

    def event_id(self, rng: random.Random) -> str:
        return "evt_" + "".join(rng.choice("0123456789abcdef") for _ in range(32))

    def envelope(self, event_id: str, name: str, data: dict[str, object], created: int) -> dict[str, object]:
        return {"id": event_id, "name": name, "data": data}

    def wire(self, event: Event, endpoint: Endpoint, now: int, faults: Callable[[str], bool]) -> Wire:
        document = json.dumps(event.envelope)
        as_form = self.api_version != CURRENT_VERSION
        if faults("content_type_other_version"):
            as_form = not as_form
        if as_form:
            body, content_type = urlencode({"data": document}).encode(), FORM
        else:
            body, content_type = document.encode(), "application/json"
        if faults("event_wrong_content_type"):
            content_type = "text/plain"
        headers = [
            ("Content-Type", content_type),
            ("merchant_no", self._credentials.get("USEEPAY_MERCHANT_NO", "")),
            ("api_version", self.api_version),
            ("app_id", self._credentials.get("USEEPAY_APP_ID", "")),
        ]
        if not faults("signature_missing"):
            signed = body + b"\n" if faults("signature_invalid") else body  # a real signature of other bytes
            signature = self.private_key.sign(signed, padding.PKCS1v15(), hashes.SHA256())
            headers.append(("sign", base64.b64encode(signature).decode()))
        return Wire(tuple(headers), body)

    def acknowledged(self, status: int) -> bool:
        return status == 200  # "return HTTP 200", nothing else

    def check_faults(self, on: Callable[[str], bool]) -> None:
        if on("timestamp_stale"):
            raise UsageError("UseePay signs no timestamp, so timestamp_stale cannot apply; it is WooshPay's.")


_KEY: list[rsa.RSAPrivateKey] = []
_KEY_LOCK = threading.Lock()


def _process_key() -> rsa.RSAPrivateKey:
    """One key pair per process, made on first use: a double that sends nothing pays nothing, and a process
    that starts many doubles (a test session, a sandbox run's scenarios) neither generates an RSA key for each
    nor grows the secret registry (and the scrub's pattern) by one private key per double."""
    with _KEY_LOCK:
        if not _KEY:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ).decode()
            secret_registry.register([pem, *pem.splitlines()[1:-1]])
            _KEY.append(key)
        return _KEY[0]
