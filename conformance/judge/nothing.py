"""Why a judge run judged nothing, in one sentence: zero judged exchanges is no verdict (exit 3).

A gate that passes on nothing is worse than none. The sentence names what the recordings held (no
exchange, no provider's host, only undocumented paths or token requests) and what would be judged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from conformance.core.errors import TargetUnreachable
from conformance.judge.judging import JudgeOutcome

NO_VERDICT = "nothing was judged, so there is no verdict"


def nothing_judged(outcome: JudgeOutcome, total: int, paths: Sequence[Path], mapping: Mapping[str, str]) -> str:
    if total == 0:
        named = ", ".join(map(str, paths))
        return (
            f"{named} holds no exchanges (an empty cassette or HAR log): {NO_VERDICT}; record the app's traffic first."
        )
    mapped = ", ".join(f"--base-url {name}={url}" for name, url in sorted(mapping.items()))
    if not outcome.providers_seen:
        hosts = ", ".join(sorted(outcome.ignored_hosts)[:5]) or "none"
        if not mapped:
            return (
                f"none of the {total} recorded exchanges is with a provider's documented host (they went to {hosts}): "
                f"{NO_VERDICT}; if one of these stands in for a provider, map its host with --base-url PROVIDER=URL "
                "(e.g. wooshpay=http://127.0.0.1)."
            )
        first = outcome.first_ignored or hosts
        return (
            f"none of the {total} recorded exchanges is with a provider's documented host or under {mapped} "
            f"(the first went to {first}): {NO_VERDICT}; give --base-url the scheme, host and path prefix the app "
            "called (without a port it covers every port)."
        )
    seen = ", ".join(sorted(outcome.providers_seen))
    if outcome.unmatched:
        first_unmatched = outcome.unmatched[0]
        return (
            f"none of the {len(outcome.unmatched) + outcome.token_requests} recorded exchanges with {seen} "
            f"matches no documented operation (first: {first_unmatched.method} {first_unmatched.path} in "
            f"{first_unmatched.file}, exchange {first_unmatched.position + 1}): {NO_VERDICT}; "
            "`conformance providers` lists the documented operations and their paths"
            + (", and a --base-url path is matched as a prefix of them." if mapped else ".")
        )
    return (
        f"the {outcome.token_requests} recorded exchanges with {seen} are token requests only: {NO_VERDICT}; "
        "record the API calls that follow them."
    )


def require_judged(outcome: JudgeOutcome, total: int, paths: Sequence[Path], mapping: Mapping[str, str]) -> None:
    if outcome.requests == 0:
        raise TargetUnreachable(nothing_judged(outcome, total, paths, mapping))
