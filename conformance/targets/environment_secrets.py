"""The provider credentials in this process's environment, in the spellings a report could hold them.

The run and `conformance report` pass them to the report writer as a last line of defence; the reports
themselves know no provider.
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping

from conformance.providers import all_providers


def environment_secrets(env: Mapping[str, str] | None = None) -> list[str]:
    env = os.environ if env is None else env
    found: set[str] = set()
    for provider in all_providers().values():
        credentials = {v.name: env[v.name] for v in provider.credential_vars if env.get(v.name)}
        for secret in provider.secrets(credentials):
            found.update({secret, html.escape(secret), html.escape(secret, quote=False)})
    return sorted(found, key=len, reverse=True)
