"""A provider's re-judged cassette remembered across runs, for exactly the inputs it was judged from.

The verdict on a recording is a function of the recording's bytes, the spec's bytes, the code that
judges (every source file of this package) and the libraries it judges with. The key names all of
them (and the cassette's label, which evidence carries), so a changed spec or cassette re-judges that
provider and only that provider; anything else (another provider's spec, a report template) leaves
the remembered verdict in place. An entry that does not prove itself (conformance.core.disk_cache) or
does not have the shape written here is ignored and the cassette judged again.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from conformance.cassettes import store
from conformance.core import disk_cache
from conformance.core.safe_yaml import without_cycle_collection
from conformance.coverage.exchanges import exchange_entry, remembered_exchange
from conformance.findings.model import Finding
from conformance.providers.base import Provider
from conformance.replay.engine import ReplayOutcome, judge_cassette

AREA = disk_cache.REPLAY_AREA
_FORMAT = "replay verdict 1"


def verdict_key(provider: Provider, content_key: str, label: str) -> str:
    """`content_key`: the engine cassette's (conformance.cassettes.store.content_key)."""
    spec = hashlib.sha256(provider.spec_path.read_bytes()).hexdigest()
    return disk_cache.digest(_FORMAT, disk_cache.code_fingerprint(), provider.name, spec, content_key, label)


def replay_engine(provider: Provider, cassette_dir: Path, *, root: Path) -> ReplayOutcome:
    """The engine cassette of `provider` judged against its current spec (remembered, or judged now)."""
    path = store.cassette_path(cassette_dir, provider.name, store.ENGINE_SUITE)
    label = store.display_path(path, root)
    try:
        # Keyed by the file's bytes: a remembered verdict needs no parse at all.
        key: str | None = verdict_key(provider, store.content_key(path.read_bytes()), label)
    except OSError:
        key = None  # read_cassette says what is wrong with the file
    remembered = _outcome(disk_cache.read(AREA, key)) if key is not None else None
    if remembered is not None:
        return remembered
    cassette = store.read_cassette(path, provider.name)
    with without_cycle_collection():  # thousands of findings and exchanges, and no cycle among them
        outcome = judge_cassette(provider, provider.spec, cassette, label=label)
    if key is not None and key == verdict_key(
        provider, cassette.content_key, label
    ):  # the file judged is the file keyed
        disk_cache.write(AREA, key, _entry(outcome))
    return outcome


def _entry(outcome: ReplayOutcome) -> dict[str, Any]:
    return {
        "base_url": outcome.base_url,
        "findings": [finding.to_json() for finding in outcome.findings],
        "requests": outcome.requests,
        "operations": sorted(outcome.operations),
        "exchanges": [exchange_entry(exchange) for exchange in outcome.exchanges],
    }


def _outcome(entry: Any) -> ReplayOutcome | None:
    """The remembered outcome, or None when the entry is not what `_entry` writes."""
    if entry is None:
        return None
    try:
        outcome = ReplayOutcome(
            base_url=str(entry["base_url"]),
            findings=[Finding.from_json(finding) for finding in entry["findings"]],
            requests=int(entry["requests"]),
            operations={str(operation) for operation in entry["operations"]},
            exchanges=[remembered_exchange(fields) for fields in entry["exchanges"]],
        )
    except (KeyError, TypeError, ValueError):
        return None
    return outcome
