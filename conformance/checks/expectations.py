"""Which statuses answer a request as it was meant: schemathesis's defaults, without importing it.

Shared by the recording (engine.intent decides what a request was meant to be) and the replay (which
re-derives the verdict from that meaning and the recorded status), so both read the same lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

# schemathesis 4.x defaults (config/_checks.py), and the positive list a provider extends with its
# semantic rejections (conformance.engine.settings passes the same list to schemathesis).
NEGATIVE_EXPECTED = ("400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429", "5xx")
POSITIVE_DEFAULT = ("2xx", "3xx", "401", "403", "404", "409", "429", "5xx")
NOT_A_SERVER_ERROR_EXPECTED = ("2xx", "3xx", "4xx")

# Checks the replay re-derives from the recorded exchange, the current spec and the recorded meaning;
# the verdicts of every other check (state, extra requests) are carried in the recording.
RE_DERIVED_CHECKS = frozenset(
    {
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
        "positive_data_acceptance",
    }
)


def positive_expected(semantic_rejections: Iterable[int] = ()) -> tuple[str, ...]:
    return tuple(sorted({*POSITIVE_DEFAULT, *(str(s) for s in semantic_rejections)}))


@lru_cache(maxsize=256)
def _expand(pattern: str) -> frozenset[int]:
    pattern = pattern.upper()
    if pattern == "DEFAULT":
        return frozenset(range(100, 600))
    if len(pattern) == 3 and pattern.endswith("XX") and pattern[0].isdigit():
        start = int(pattern[0]) * 100
        return frozenset(range(start, start + 100))
    return frozenset({int(pattern)}) if pattern.isdigit() else frozenset()


def status_in(status: int, patterns: Iterable[str]) -> bool:
    return any(status in _expand(str(p)) for p in patterns)
