"""A billing app's webhook handler as a WSGI callable, with its two usual mistakes as switches: booking every
invoice.paid it receives (no memory of event ids) and letting the last event win (an older state overwrites a
newer one). The state the verdict reads is `state()`: money booked and each invoice's status."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

# How far along an invoice is: a handler that keeps order never moves one back.
RANK = {"draft": 0, "open": 1, "paid": 2, "void": 2, "uncollectible": 2, "cancelled": 2}
Start = Callable[[str, list[tuple[str, str]]], Any]


@dataclass
class Ledger:
    remembers_ids: bool = True  # False: books a duplicate invoice.paid again
    keeps_order: bool = True  # False: a late older event overwrites a newer status
    refuses_duplicates: bool = False  # True: answers 409 to an event id it has handled
    booked: dict[str, int] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    handled: set[str] = field(default_factory=set)

    def state(self) -> dict[str, Any]:
        return {"booked": self.booked, "status": self.status}  # the live objects: the verdict copies them

    def __call__(self, environ: dict[str, Any], start: Start) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            event = json.loads(parse_qs(body.decode())["data"][0])  # UseePay's older API versions
        else:
            event = json.loads(body)
        if event["id"] in self.handled and (self.remembers_ids or self.refuses_duplicates):
            status = "409 Conflict" if self.refuses_duplicates else "200 OK"
            start(status, [("Content-Type", "text/plain")])
            return [b""]
        self.handled.add(event["id"])
        name = event.get("type") or event.get("name")
        invoice = event["data"].get("object", event["data"])
        if name == "invoice.paid":
            amount = invoice.get("amount_paid", invoice.get("total_amount", 0))
            self.booked[invoice["id"]] = self.booked.get(invoice["id"], 0) + amount
        old = self.status.get(invoice["id"])
        if not self.keeps_order or old is None or RANK.get(invoice["status"], 0) >= RANK.get(old, 0):
            self.status[invoice["id"]] = invoice["status"]
        start("200 OK", [("Content-Type", "text/plain")])
        return [b""]
