"""One webhook POST as a receiver saw it: the wire and the answer, nothing judged.

The one record the three sides of events share: a double's outbox writes what it sent, the run's
receiver writes what arrived (and records it beside a scenario's cassette), the webhook checks judge
a sequence of them. Bytes stay bytes: a signature is verified over the raw body.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Delivery:
    sequence: int  # order of arrival at the receiver, from 0
    received_at: float  # seconds since the receiver (or the outbox) started, monotonic
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]  # as received, names lower-cased, in order
    body: bytes
    status: int | None  # what the receiver answered; None when the post never got an answer

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key == wanted), None)

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    def to_json(self) -> dict[str, Any]:
        try:
            body: dict[str, str] = {"text": self.body.decode("utf-8")}
        except UnicodeDecodeError:
            body = {"base64": base64.b64encode(self.body).decode("ascii")}
        return {
            "sequence": self.sequence,
            "received_at": self.received_at,
            "method": self.method,
            "path": self.path,
            "headers": [list(pair) for pair in self.headers],
            "body": body,
            "status": self.status,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Delivery:
        body = data["body"]
        raw = body["text"].encode("utf-8") if "text" in body else base64.b64decode(body["base64"])
        return cls(
            sequence=int(data["sequence"]),
            received_at=float(data["received_at"]),
            method=str(data["method"]),
            path=str(data["path"]),
            headers=tuple((str(k).lower(), str(v)) for k, v in data["headers"]),
            body=raw,
            status=None if data["status"] is None else int(data["status"]),
        )
