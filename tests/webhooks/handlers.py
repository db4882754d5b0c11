"""Tiny webhook handlers of a billing app, as WSGI callables: a naive one (what is often written first) and a
correct one (verifies, reads both encodings, is idempotent, never lets an older state win)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from conformance.providers.useepay.double.events import verify

# How far along an invoice is: a handler that is correct never goes back.
RANK = {"draft": 0, "open": 1, "payment_failed": 1, "paid": 2, "void": 2, "uncollectible": 2, "cancelled": 2}
TOLERANCE = 300  # seconds a WooshPay signature's timestamp may lie from now (Stripe's default)
Start = Callable[[str, list[tuple[str, str]]], Any]


@dataclass
class Books:
    """What the app's state shows: money booked per invoice and each invoice's status."""

    booked: dict[str, int] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    answers: list[int] = field(default_factory=list)

    def apply(self, event: dict[str, Any], *, idempotent: bool, monotonic: bool) -> None:
        if idempotent and event["id"] in self.seen:
            return
        self.seen.add(event["id"])
        name = event.get("type") or event["name"]
        invoice = event["data"]["object"] if "object" in event["data"] else event["data"]
        amount = invoice.get("amount_paid", invoice.get("total_amount", 0))
        if name == "invoice.paid":
            self.booked[invoice["id"]] = self.booked.get(invoice["id"], 0) + amount
        old = self.status.get(invoice["id"])
        if not monotonic or old is None or RANK.get(invoice["status"], 0) >= RANK.get(old, 0):
            self.status[invoice["id"]] = invoice["status"]


def _reply(start: Start, books: Books, status: int) -> Iterable[bytes]:
    books.answers.append(status)
    start(f"{status} X", [("Content-Type", "text/plain")])
    return [b""]


@dataclass
class NaiveHandler:
    """Trusts every post, reads JSON only, books every invoice.paid it gets, lets the last event win."""

    books: Books = field(default_factory=Books)

    def __call__(self, environ: dict[str, Any], start: Start) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        try:
            event = json.loads(body)
        except ValueError:
            return _reply(start, self.books, 500)
        self.books.apply(event, idempotent=False, monotonic=False)
        return _reply(start, self.books, 200)


@dataclass
class CorrectHandler:
    """Verifies the signature (and WooshPay's timestamp), reads JSON or UseePay's form, ignores an event id
    it has handled, and never moves an invoice back to an earlier state."""

    secret: str | None = None  # WooshPay
    public_key: str | None = None  # UseePay
    books: Books = field(default_factory=Books)

    def __call__(self, environ: dict[str, Any], start: Start) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        if not self._authentic(environ, body):
            return _reply(start, self.books, 400)
        if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            event = json.loads(parse_qs(body.decode())["data"][0])
        else:
            event = json.loads(body)
        self.books.apply(event, idempotent=True, monotonic=True)
        return _reply(start, self.books, 200)

    def _authentic(self, environ: dict[str, Any], body: bytes) -> bool:
        if self.public_key is not None:
            signature = environ.get("HTTP_SIGN")
            return signature is not None and verify(self.public_key, body, signature)
        header = environ.get("HTTP_WOOSHPAY_SIGNATURE")
        if header is None or self.secret is None:
            return False
        parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
        try:
            stamp = int(parts["t"])
        except (KeyError, ValueError):
            return False
        expected = hmac.new(self.secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, parts.get("v1", "")) and abs(time.time() - stamp) <= TOLERANCE
