"""Servers in front of a double over real HTTP on 127.0.0.1 that change what passes through: the
double is the vendor, the rewrite is one way a real server or a proxy differs from it."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response

from conformance.sandbox.double import ApiError
from conformance.targets.double_server import RunningDouble, running_double
from tests.engine.conftest import run_cli

Rewrite = Callable[[Request, Response], Response]
BodyRewrite = Callable[[Request], Request]


def json_rewrite(change: Callable[[Request, Any], Any]) -> Rewrite:
    """A rewrite of JSON answers' bodies: `change(request, body)` gives the body to send instead."""

    def rewrite(request: Request, response: Response) -> Response:
        if response.mimetype != "application/json":
            return response
        try:
            body = json.loads(response.get_data())
        except ValueError:
            return response
        response.set_data(json.dumps(change(request, body)))
        return response

    return rewrite


Refusal = Callable[[Request], str | None]


@contextmanager
def in_front(
    provider: str,
    *,
    answers: Rewrite | None = None,
    requests: BodyRewrite | None = None,
    refuse: Refusal | None = None,
    refuse_status: int = 400,
) -> Iterator[RunningDouble]:
    """`provider`'s double with each request passed through `requests` before the double sees it and each
    answer through `answers` before the client does; a request `refuse` names a reason for is answered
    `refuse_status` in the provider's documented error shape instead."""
    with running_double(provider) as double:
        handle = double.double.handle

        def handled(request: Request) -> Response:
            reason = refuse(request) if refuse else None
            if reason is not None:
                error = double.double.error_body(ApiError(refuse_status, "invalid_request", reason))
                return Response(json.dumps(error), status=refuse_status, mimetype="application/json")
            response = handle(requests(request) if requests else request)
            return answers(request, response) if answers else response

        double.double.handle = handled  # type: ignore[method-assign]
        yield double


def with_json_body(request: Request, change: Callable[[Any], Any]) -> Request:
    """The same request with its JSON body changed (what the double then stores)."""
    try:
        body = json.loads(request.get_data())
    except ValueError:
        return request
    data = json.dumps(change(body)).encode()
    environ = {**request.environ, "wsgi.input": io.BytesIO(data), "CONTENT_LENGTH": str(len(data))}
    return Request(environ)


def run_through(
    double: RunningDouble, tmp_path: Path, *operations: str, examples: int = 1, workflows: bool = True
) -> list[dict[str, Any]]:
    """A live run of the double's provider at the double's URL, the engine narrowed to `operations`
    (`examples` each) and the workflows whole (or none): the findings of findings.json."""
    provider = double.provider.name
    args = ["run", "--provider", provider, "--base-url", f"{provider}={double.base_url}", "--no-audit"]
    args += ["--max-examples", str(examples), "--report-dir", str(tmp_path / "reports")]
    args += [] if workflows else ["--no-workflows"]
    for operation in operations:
        args += ["--include-operation-id", operation]
    result, document = run_cli(args, env=dict(double.credentials))
    assert document is not None, result.output
    assert result.exit_code in (0, 1), result.output
    findings: list[dict[str, Any]] = document["findings"]
    return findings
