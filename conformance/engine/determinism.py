"""Generation that depends on the seed alone, so a replay sends exactly the requests its recording sent.

Hypothesis seeds its generators with literals mined from every *local* module imported so far (code
outside site-packages: this package when installed editable, a user's own plugins, and the provider
doubles when a recording runs them in-process). Which modules are imported differs between a
recording and its replay, and so would the generated requests. Hypothesis offers no setting for
this, so the miner is replaced by one that finds nothing; the global constants Hypothesis ships stay.
"""

from __future__ import annotations

from hypothesis.internal.conjecture import providers
from hypothesis.internal.constants_ast import Constants

_NO_LOCAL_CONSTANTS = Constants()


def _no_local_constants() -> Constants:
    return _NO_LOCAL_CONSTANTS


def seed_only_generation() -> None:
    if getattr(providers, "_get_local_constants", None) is not _no_local_constants:
        providers._get_local_constants = _no_local_constants
