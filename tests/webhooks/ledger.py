"""The billing handler of tests/webhooks/handlers.py (its Books) with each mistake a switch, as a WSGI callable,
for the idempotency verdict: no memory of event ids (a duplicate invoice.paid is booked again), the last event
winning (an older state overwrites a newer one), a duplicate refused (answered 409). `state()` is what the
verdict reads: money booked and each invoice's status."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from tests.webhooks.handlers import Books, Start


@dataclass
class Ledger:
    remembers_ids: bool = True
    keeps_order: bool = True
    refuses_duplicates: bool = False
    books: Books = field(default_factory=Books)

    def state(self) -> dict[str, Any]:
        return {"booked": self.books.booked, "status": self.books.status}  # the live objects: the verdict copies

    def __call__(self, environ: dict[str, Any], start: Start) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            event = json.loads(parse_qs(body.decode())["data"][0])  # UseePay's older API versions
        else:
            event = json.loads(body)
        if self.refuses_duplicates and event["id"] in self.books.seen:
            start("409 Conflict", [("Content-Type", "text/plain")])
            return [b""]
        self.books.apply(event, idempotent=self.remembers_ids, monotonic=self.keeps_order)
        start("200 OK", [("Content-Type", "text/plain")])
        return [b""]
