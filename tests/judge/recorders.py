"""Recording traffic to a double the way users do: a plain VCR.py cassette and a HAR file, side by side."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import harfile
import requests
import vcr

from conformance.sandbox.faults import FAULT_HEADER
from conformance.targets.double_server import RunningDouble


@contextmanager
def recording(
    running: RunningDouble, cassette: Path, har: Path, *, serializer: str = "yaml", fault_mark: bool = False
) -> Iterator[requests.Session]:
    """An authenticated session whose exchanges go to a VCR.py cassette (plain vcrpy, default settings)
    and, as a capturing proxy would write them, to a HAR file (written by the harfile library).

    Without `fault_mark` the double's mark of a faulted answer is left out: the recording stands for a
    vendor's answers, whose defects no fault explains."""
    session = requests.Session()
    session.auth = running.provider.auth(running.credentials, running.base_url)
    if not fault_mark:
        session.hooks["response"].append(_unmarked)
    with harfile.open(har) as archive:
        session.hooks["response"].append(_to_har(archive))
        unmark = {} if fault_mark else {"before_record_response": _unmarked_vcr}
        with vcr.VCR(record_mode="all", serializer=serializer, **unmark).use_cassette(str(cassette)):
            yield session


def _unmarked(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    response.headers.pop(FAULT_HEADER, None)


def _unmarked_vcr(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers") or {}
    for name in [n for n in headers if n.lower() == FAULT_HEADER.lower()]:
        del headers[name]
    return response


def _to_har(archive: harfile.HarFile) -> Callable[..., Any]:
    def hook(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        request = response.request
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        archive.add_entry(
            startedDateTime=datetime.now(UTC),
            time=1,
            request=harfile.Request(
                method=str(request.method),
                url=str(request.url),
                httpVersion="HTTP/1.1",
                headers=[harfile.Record(name=k, value=v) for k, v in request.headers.items()],
                postData=harfile.PostData(mimeType=request.headers.get("Content-Type", ""), text=body)
                if body
                else None,
            ),
            response=harfile.Response(
                status=response.status_code,
                statusText=response.reason or "",
                httpVersion="HTTP/1.1",
                headers=[harfile.Record(name=k, value=v) for k, v in response.headers.items()],
                content=harfile.Content(
                    size=len(response.content), mimeType=response.headers.get("Content-Type", ""), text=response.text
                ),
            ),
            timings=harfile.Timings(send=0, wait=1, receive=0),
        )

    return hook


def bill(session: requests.Session, base_url: str, amounts: list[int]) -> str:
    """The exchanges of a small billing flow on WooshPay: customer, draft, lines, finalize, retrieve, list."""
    customer = session.post(f"{base_url}/v1/customers", json={"name": "Ada"}, timeout=10).json()["id"]
    invoice = session.post(f"{base_url}/v1/invoices", json={"customer": customer}, timeout=10).json()["id"]
    lines = {"lines": [{"amount": a, "description": "Work"} for a in amounts]}
    session.post(f"{base_url}/v1/invoices/{invoice}/add_lines", json=lines, timeout=10)
    session.post(f"{base_url}/v1/invoices/{invoice}/finalize", timeout=10)
    session.get(f"{base_url}/v1/invoices/{invoice}", timeout=10)
    session.get(f"{base_url}/v1/invoices", params={"limit": 3}, timeout=10)
    return invoice
