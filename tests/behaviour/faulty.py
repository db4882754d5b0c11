"""Faulty servers for the behaviour probes' tests: a provider's double with one handler or its request path
changed, served over real HTTP on 127.0.0.1 (the faults branch builds the catalogue's own versions)."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from werkzeug.wrappers import Request, Response

from conformance.findings.model import Finding, Source
from conformance.sandbox.double import ApiRequest, ApiResponse
from conformance.targets.double_server import RunningDouble, running_double
from conformance.workflows import RECORDING_SEED
from conformance.workflows.runner import ScenarioOutcome, Target, run_live

Handler = Callable[[ApiRequest], ApiResponse]
Override = Callable[[Handler], Handler]
RequestChange = Callable[[Request], Request]


@contextmanager
def served(
    provider: str,
    *,
    handlers: dict[str, Override] | None = None,
    requests: RequestChange | None = None,
    answer: Callable[[Request], Response | None] | None = None,
) -> Iterator[RunningDouble]:
    """`provider`'s double (demo data, the recording seed) with each named handler replaced by
    `override(original)`, each request passed through `requests` before the double reads it, and answered
    by `answer` instead where it gives a response."""
    with running_double(provider, seed=RECORDING_SEED, demo_data=True) as running:
        double = running.double
        for name, override in (handlers or {}).items():
            setattr(double, name, override(getattr(double, name)))
        if requests is not None or answer is not None:
            handle = double.handle

            def handled(request: Request) -> Response:
                given = answer(request) if answer is not None else None
                return given if given is not None else handle(requests(request) if requests else request)

            double.handle = handled  # type: ignore[method-assign]
        yield running


def probe(running: RunningDouble, scenario: str, *, cassette: Path | None = None) -> ScenarioOutcome:
    """One behaviour scenario against the served double, as a live run (recorded to `cassette` if given)."""
    workflows = running.provider.workflows()
    assert workflows is not None
    target = Target(
        provider=running.provider, base_url=running.base_url, credentials=running.credentials, source=Source.LIVE
    )
    return run_live(workflows, workflows.scenario(scenario), target, cassette=cassette)


def behaviour(findings: list[Finding]) -> set[tuple[str, str, str]]:
    """(operation, kind, check) of the behaviour findings."""
    return {(f.operation, str(f.kind), f.check) for f in findings if f.check.startswith("behaviour.")}


def with_body(request: ApiRequest, body: Any) -> ApiRequest:
    return dataclasses.replace(request, body=body)


def with_query(request: Request, change: Callable[[dict[str, str]], dict[str, str]]) -> Request:
    """The same request with its query string changed."""
    query = change(dict(parse_qsl(request.query_string.decode())))
    environ = {**request.environ, "QUERY_STRING": urlencode(query)}
    environ["wsgi.input"] = io.BytesIO(request.get_data())
    return Request(environ)


def with_raw_body(request: Request, change: Callable[[bytes], bytes]) -> Request:
    data = change(request.get_data())
    environ = {**request.environ, "wsgi.input": io.BytesIO(data), "CONTENT_LENGTH": str(len(data))}
    return Request(environ)
