"""Reading response bodies by JSON pointer, leniently: absent or mistyped values are answers, not errors.

The checks built on these leave absent and mistyped fields to the strict schema check.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from conformance.core import pointers

MISSING: Any = object()


def value_at(document: Any, pointer: str) -> Any:
    """The value at a JSON pointer, or MISSING."""
    node = document
    for token in pointers.split(pointer):
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return MISSING
    return node


def values_at(document: Any, pattern: str) -> Iterator[tuple[str, Any]]:
    """(pointer, value) of every match of a pointer whose `*` tokens match every index or key."""

    def walk(node: Any, tokens: list[str], at: str) -> Iterator[tuple[str, Any]]:
        if not tokens:
            yield at, node
            return
        token, rest = tokens[0], tokens[1:]
        if token == "*":
            children = enumerate(node) if isinstance(node, list) else node.items() if isinstance(node, dict) else ()
            for key, child in children:
                yield from walk(child, rest, at + pointers.join(key))
            return
        child = value_at(node, pointers.join(token))
        if child is not MISSING:
            yield from walk(child, rest, at + pointers.join(token))

    yield from walk(document, pointers.split(pattern), "")


def number(value: Any) -> int | float | None:
    """An amount, or None for anything else (booleans are not amounts)."""
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def instant(value: Any) -> float | None:
    """Seconds since the epoch of a Unix timestamp or an RFC 3339 string, else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            return None
        return moment.timestamp() if moment.tzinfo else None
    return None


def unlabelled_json(content: str | bytes) -> Any:
    """A body not labelled JSON that parses as a JSON object or array (MISSING otherwise).

    Judged all the same: a wrong Content-Type must not hide the body's own defects. Bare scalars are
    not taken for JSON (a text/plain "true" or "42" is just text).
    """
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    if not text.lstrip().startswith(("{", "[")):
        return MISSING
    try:
        return json.loads(text)
    except ValueError:
        return MISSING
