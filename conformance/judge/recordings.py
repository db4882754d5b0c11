"""Reading users' recordings: VCR.py cassettes (YAML or JSON, pytest-recording's layout) and HAR files.

Every exchange comes out as a VCR.py interaction dict ({"request": {method, uri, headers, body},
"response": {status: {code}, headers, body: {string}}}), the shape the replay judges, with its file and
position for evidence. Bodies are decoded (gzip/deflate, HAR base64) so the judge sees what a client saw.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from conformance.core import safe_yaml
from conformance.core.errors import UsageError

SUFFIXES = (".yaml", ".yml", ".json", ".har")
# libyaml's parser where present: pytest-recording suites hold many cassettes.


@dataclass(frozen=True)
class Recorded:
    """One exchange of a recording: the file, its position there, and the interaction as VCR.py writes it."""

    file: Path
    position: int
    interaction: dict[str, Any]


def recording_files(paths: Iterable[Path]) -> list[tuple[Path, bool]]:
    """The files named (True: named) and every candidate below the directories named, sorted for stable
    reports."""
    files: list[tuple[Path, bool]] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
            files.extend((p, False) for p in found)
        elif path.is_file():
            files.append((path, True))
        else:
            raise UsageError(f"{path} does not exist; name cassette or HAR files, or directories holding them.")
    return files


class NotARecording(UsageError):
    """A file that parses but is neither a cassette nor a HAR file (a directory may hold such files)."""


def read_recording(path: Path) -> list[Recorded]:
    """The exchanges of one file, or a UsageError naming what is wrong with it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(
            f"{path} cannot be read ({type(exc).__name__}); name a VCR.py cassette or a HAR file."
        ) from None
    data = _parse(path, text)
    if isinstance(data, dict) and isinstance(data.get("log"), dict) and isinstance(data["log"].get("entries"), list):
        interactions = [_from_har(path, i, entry) for i, entry in enumerate(data["log"]["entries"])]
    elif isinstance(data, dict) and isinstance(data.get("interactions"), list):
        interactions = [_from_vcr(path, i, item) for i, item in enumerate(data["interactions"])]
    else:
        raise NotARecording(
            f"{path} is neither a VCR.py cassette (an `interactions` list) nor a HAR file (`log.entries`)."
        )
    return [Recorded(path, i, interaction) for i, interaction in enumerate(interactions)]


def read_all(paths: Iterable[Path]) -> tuple[list[Recorded], list[Path]]:
    """Every exchange, and the files found in directories that are not recordings (skipped).

    A named file that is not a recording, and any recording that is corrupt, stop the command.
    """
    return read_files(recording_files(paths))


def read_files(files: Iterable[tuple[Path, bool]]) -> tuple[list[Recorded], list[Path]]:
    """`read_all` over files already found (True: named on the command line)."""
    recorded: list[Recorded] = []
    skipped: list[Path] = []
    for file, named in files:
        try:
            recorded.extend(read_recording(file))
        except NotARecording:
            if named:
                raise
            skipped.append(file)
    return recorded, skipped


def _parse(path: Path, text: str) -> Any:
    if path.suffix.lower() in (".json", ".har"):
        try:
            return json.loads(text)
        except ValueError as exc:
            # A plain ValueError, without a position, is an integer past Python's digit limit.
            if isinstance(exc, json.JSONDecodeError):
                detail = f"{exc.msg} at line {exc.lineno}"
            else:
                detail = str(exc).split(";")[0]
            raise UsageError(f"{path} is not valid JSON ({detail}); fix or re-record it.") from None
    try:
        return safe_yaml.load(text)  # libyaml where available; refuses alias bombs
    except safe_yaml.AliasRefused as exc:
        raise UsageError(f"{path} is refused: its YAML aliases ({exc.problem}); fix or re-record it.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise UsageError(f"{path} is not valid YAML{where}; fix or re-record it.") from None


def _malformed(path: Path, position: int, what: str) -> UsageError:
    return UsageError(f"{path}: exchange {position} {what}; fix or re-record it.")


def _request_response(path: Path, position: int, exchange: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The request and response objects of a VCR interaction or HAR entry (both name them so)."""
    if (
        not isinstance(exchange, dict)
        or not isinstance(exchange.get("request"), dict)
        or not isinstance(exchange.get("response"), dict)
    ):
        raise _malformed(path, position, "lacks a request or a response")
    return exchange["request"], exchange["response"]


def _from_vcr(path: Path, position: int, item: Any) -> dict[str, Any]:
    request, response = _request_response(path, position, item)
    if not isinstance(request.get("uri"), str) or not isinstance(request.get("method"), str):
        raise _malformed(path, position, "has no request method or uri")
    status = response.get("status")
    code = status.get("code") if isinstance(status, dict) else status
    if not isinstance(code, int):
        raise _malformed(path, position, "has no response status code")
    headers = _vcr_headers(response.get("headers"))
    body = response.get("body")
    raw = body.get("string") if isinstance(body, dict) else body
    return {
        "request": {
            "method": request["method"].upper(),
            "uri": request["uri"],
            "headers": _vcr_headers(request.get("headers")),
            "body": request.get("body"),
        },
        "response": {
            "status": {"code": code, "message": status.get("message", "") if isinstance(status, dict) else ""},
            "headers": headers,
            "body": {"string": _decoded(raw, headers)},
        },
    }


def _from_har(path: Path, position: int, entry: Any) -> dict[str, Any]:
    request, response = _request_response(path, position, entry)
    if not isinstance(request.get("url"), str) or not isinstance(request.get("method"), str):
        raise _malformed(path, position, "has no request method or url")
    if not isinstance(response.get("status"), int):
        raise _malformed(path, position, "has no response status")
    content: dict[str, Any] = response["content"] if isinstance(response.get("content"), dict) else {}
    text = content.get("text")
    raw: str | bytes | None = text
    if isinstance(text, str) and content.get("encoding") == "base64":
        try:
            raw = base64.b64decode(text)
        except (binascii.Error, ValueError):
            raise _malformed(path, position, "has a response body that is not valid base64") from None
    post: dict[str, Any] = request["postData"] if isinstance(request.get("postData"), dict) else {}
    headers = _har_headers(response.get("headers"))
    # A HAR holds the body as the client received it: already decoded, whatever Content-Encoding says.
    headers = {k: v for k, v in headers.items() if k.lower() != "content-encoding"}
    return {
        # When the exchange started: the time between a webhook's attempts (conformance.judge.deliveries).
        "started": entry.get("startedDateTime"),
        "request": {
            "method": request["method"].upper(),
            "uri": request["url"],
            "headers": _har_headers(request.get("headers")),
            "body": post.get("text"),
        },
        "response": {
            "status": {"code": response["status"], "message": str(response.get("statusText") or "")},
            "headers": headers,
            "body": {"string": raw if raw is not None else ""},
        },
    }


def _vcr_headers(headers: Any) -> dict[str, list[str]]:
    if not isinstance(headers, dict):
        return {}
    return {str(k): [str(x) for x in v] if isinstance(v, list) else [str(v)] for k, v in headers.items()}


def _har_headers(headers: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for header in headers if isinstance(headers, list) else []:
        if isinstance(header, dict) and "name" in header:
            found.setdefault(str(header["name"]), []).append(str(header.get("value", "")))
    return found


def _decoded(raw: Any, headers: dict[str, list[str]]) -> Any:
    """A VCR body as the client read it: cassettes recorded without decode_compressed_response keep gzip."""
    encoding = next((v[0].lower() for k, v in headers.items() if k.lower() == "content-encoding" and v), "")
    if not isinstance(raw, bytes) or encoding not in ("gzip", "deflate"):
        return raw if raw is not None else ""
    try:
        return gzip.decompress(raw) if encoding == "gzip" else zlib.decompress(raw)
    except (OSError, zlib.error):
        return raw
