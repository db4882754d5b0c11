"""What a client receives, old spec against new: statuses, media types, headers and body fields.

Widening what may come back breaks clients (a new enum value, a new type, null where none was, a
bound loosened, a field no longer required or gone); narrowing it does not. Body fields use their
body pointer, as cassette drift does, so the same change found either way has the same
fingerprint; the sentence names the status and media type.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.drift.changes import Change, ChangeMaker
from conformance.drift.spec_schema import Context, SchemaDiff
from conformance.drift.spec_side import SpecSide, as_dict, listing, required_text


def _code(status: str) -> int | None:
    return int(status) if status.isdigit() else None


def _kind(status: str) -> str:
    return "success" if status.upper().startswith("2") else "non-success"


def response_changes(
    make: ChangeMaker, old: SpecSide, new: SpecSide, old_node: dict[str, Any], new_node: dict[str, Any]
) -> Iterator[Change]:
    before = {str(k): old.deref(v) for k, v in as_dict(old_node.get("responses")).items()}
    after = {str(k): new.deref(v) for k, v in as_dict(new_node.get("responses")).items()}
    old_text, new_text = f"statuses {listing(before)}", f"statuses {listing(after)}"
    for status in sorted(before.keys() - after.keys()):
        clause = f"no longer documents status {status}"
        yield make(f"response-{_kind(status)}-status-removed", "", old_text, new_text, clause, _code(status))
    for status in sorted(after.keys() - before.keys()):
        clause = f"documents status {status}"
        yield make(f"response-{_kind(status)}-status-added", "", old_text, new_text, clause, _code(status))
    differ = SchemaDiff(old.follow, new.follow)
    for status in sorted(before.keys() & after.keys()):
        if isinstance(before[status], dict) and isinstance(after[status], dict):
            yield from _response(make, old, new, differ, status, before[status], after[status])


def _response(
    make: ChangeMaker,
    old: SpecSide,
    new: SpecSide,
    differ: SchemaDiff,
    status: str,
    before: dict[str, Any],
    after: dict[str, Any],
) -> Iterator[Change]:
    code = _code(status)
    old_media, new_media = as_dict(before.get("content")), as_dict(after.get("content"))
    old_text, new_text = f"{status}: {listing(old_media)}", f"{status}: {listing(new_media)}"
    pairs = [(media, media) for media in sorted(old_media.keys() & new_media.keys())]
    gone = sorted(old_media.keys() - new_media.keys())
    came = sorted(new_media.keys() - old_media.keys())
    # The same media type with other parameters (`; charset=utf-8`): renamed, not removed and added.
    for was in list(gone):
        now = next((m for m in came if _essence(m) == _essence(was)), None)
        if now is not None:
            gone.remove(was)
            came.remove(now)
            pairs.append((was, now))
            clause = f"returns {now} instead of {was} for status {status}"
            yield make("response-media-type-name-changed", "", old_text, new_text, clause, code)
    for media in gone:
        yield make(
            "response-media-type-removed",
            "",
            old_text,
            new_text,
            f"no longer returns {media} for status {status}",
            code,
        )
    for media in came:
        yield make("response-media-type-added", "", old_text, new_text, f"returns {media} for status {status}", code)
    yield from _headers(make, old, new, status, before, after)
    for was, now in pairs:
        old_m, new_m = old.deref(old_media[was]), new.deref(new_media[now])
        if isinstance(old_m, dict) and isinstance(new_m, dict) and "schema" in old_m and "schema" in new_m:
            ctx = Context(make, False, "", "the body", "field", f" of its {status} response ({now})", status=code)
            yield from differ.compare(ctx, old_m["schema"], new_m["schema"])


def _essence(media: str) -> str:
    return media.split(";", 1)[0].strip().lower()


def _headers(
    make: ChangeMaker, old: SpecSide, new: SpecSide, status: str, before: dict[str, Any], after: dict[str, Any]
) -> Iterator[Change]:
    code = _code(status)
    old_headers = {str(k).lower(): old.deref(v) for k, v in as_dict(before.get("headers")).items()}
    new_headers = {str(k).lower(): new.deref(v) for k, v in as_dict(after.get("headers")).items()}
    for name in sorted(old_headers.keys() - new_headers.keys()):
        required = isinstance(old_headers[name], dict) and old_headers[name].get("required") is True
        rule = f"{required_text(required)}-response-header-removed"
        clause = f"no longer documents the {name} header of status {status}"
        yield make(rule, "", f"header {name}", f"no header {name}", clause, code)
    for name in sorted(new_headers.keys() - old_headers.keys()):
        clause = f"documents a new {name} header for status {status}"
        yield make("response-header-added", "", f"no header {name}", f"header {name}", clause, code)
    for name in sorted(old_headers.keys() & new_headers.keys()):
        was = isinstance(old_headers[name], dict) and old_headers[name].get("required") is True
        now = isinstance(new_headers[name], dict) and new_headers[name].get("required") is True
        if was and not now:
            clause = f"no longer always sends the {name} header with status {status}"
            yield make(
                "response-header-became-optional",
                "",
                f"header {name} required",
                f"header {name} optional",
                clause,
                code,
            )
