"""Deprecation and sunset (`deprecated`, `x-sunset`) of operations and parameters, as oasdiff reads
them: removing something deprecated is fine once its sunset date (if any) has passed, removing it
earlier or without deprecation breaks clients, and a sunset date may not move earlier or vanish."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from conformance.drift.changes import Change, ChangeMaker

SUNSET = "x-sunset"


def sunset_of(node: dict[str, Any]) -> date | str | None:
    """The sunset date; the raw text when it cannot be read as an RFC 3339 date; None without one."""
    raw = node.get(SUNSET)
    if raw is None:
        return None
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()
    try:
        return date.fromisoformat(text[:10]) if len(text) == 10 or text[10:11] in ("T", "t", " ") else text
    except ValueError:
        return text


def today() -> date:
    return datetime.now(UTC).date()


def removal_rule(node: dict[str, Any], prefix: str) -> tuple[str, str]:
    """(rule, clause suffix) for removing `node`; prefix 'api', 'api-path' or 'request-parameter'."""
    without = "request-parameter-removed" if prefix == "request-parameter" else f"{prefix}-removed-without-deprecation"
    if node.get("deprecated") is not True:
        return without, "without being deprecated first"
    sunset = sunset_of(node)
    if isinstance(sunset, str):
        parse = "api-deprecated-sunset-parse" if prefix == "api" else f"{prefix}-sunset-parse"
        return parse, f"while its x-sunset {sunset!r} is not a date"
    if sunset is not None and sunset > today():
        return f"{prefix}-removed-before-sunset", f"before its sunset date {sunset.isoformat()}"
    return f"{prefix}-removed-with-deprecation", "after deprecating it"


def operation_lifecycle(make: ChangeMaker, old: dict[str, Any], new: dict[str, Any]) -> Iterator[Change]:
    was, now = old.get("deprecated") is True, new.get("deprecated") is True
    yield from _lifecycle(make, "", "the operation", old, new, was, now, _OPERATION_RULES)


def parameter_lifecycle(
    make: ChangeMaker, pointer: str, label: str, old: dict[str, Any], new: dict[str, Any]
) -> Iterator[Change]:
    was, now = old.get("deprecated") is True, new.get("deprecated") is True
    yield from _lifecycle(make, pointer, label, old, new, was, now, _PARAMETER_RULES)


_OPERATION_RULES = {
    "deprecated": "endpoint-deprecated",
    "deprecated-with-sunset": "endpoint-deprecated-with-sunset",
    "reactivated": "endpoint-reactivated",
    "parse": "api-deprecated-sunset-parse",
    "deleted": "sunset-deleted",
    "earlier": "api-sunset-date-changed-too-small",
}
_PARAMETER_RULES = {
    "deprecated": "request-parameter-deprecated",
    "deprecated-with-sunset": "request-parameter-deprecated",
    "reactivated": "request-parameter-reactivated",
    "parse": "request-parameter-sunset-parse",
    "deleted": "request-parameter-sunset-deleted",
    "earlier": "request-parameter-sunset-date-changed-too-small",
}


def _lifecycle(
    make: ChangeMaker,
    pointer: str,
    label: str,
    old: dict[str, Any],
    new: dict[str, Any],
    was: bool,
    now: bool,
    rules: dict[str, str],
) -> Iterator[Change]:
    old_sunset, new_sunset = sunset_of(old), sunset_of(new)
    if now and isinstance(new_sunset, str) and new_sunset != old_sunset:
        yield make(
            rules["parse"],
            pointer,
            str(old_sunset or "none"),
            new_sunset,
            f"gives {label} the unreadable x-sunset {new_sunset!r}",
        )
        return
    if not was and now:
        if new_sunset is None:
            yield make(rules["deprecated"], pointer, "current", "deprecated", f"deprecates {label}")
        else:
            clause = f"deprecates {label} with sunset date {new_sunset}"
            yield make(rules["deprecated-with-sunset"], pointer, "current", f"deprecated, sunset {new_sunset}", clause)
    elif was and not now:
        yield make(rules["reactivated"], pointer, "deprecated", "current", f"no longer deprecates {label}")
    elif was and now and isinstance(old_sunset, date):
        if new_sunset is None:
            clause = f"drops the sunset date {old_sunset} of the deprecated {label}"
            yield make(rules["deleted"], pointer, f"sunset {old_sunset}", "no sunset", clause)
        elif isinstance(new_sunset, date) and new_sunset < old_sunset:
            clause = f"moves the sunset date of {label} earlier, from {old_sunset} to {new_sunset}"
            yield make(rules["earlier"], pointer, f"sunset {old_sunset}", f"sunset {new_sunset}", clause)
