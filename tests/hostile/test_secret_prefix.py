"""A secret registered with a documented public prefix (WooshPay's whsec_) is redacted after the prefix, so a
schema that judges the prefix judges a recording as it judged the live answer; the secret itself never stays."""

from __future__ import annotations

import json
import string
from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st

from conformance.core import secrets

# Token characters only, as the double's secrets are; long enough never to collide with another test's secrets.
BODIES = st.text(alphabet=string.ascii_letters + string.digits, min_size=24, max_size=40)


def _written(value: str) -> list[str]:
    """How a created endpoint's secret reaches a cassette or report: JSON, a form, a URL, JSON-escaped twice."""
    return [json.dumps({"secret": value}), f"secret={quote(value, safe='')}&x=1", json.dumps(json.dumps({"s": value}))]


@given(BODIES)
def test_the_public_prefix_stays_and_the_secret_goes(body: str) -> None:
    value = "whsec_" + body
    secrets.register([value], token=True, public_prefix="whsec_")
    for text in _written(value):
        scrubbed = secrets.scrub(text)
        assert body not in scrubbed
        assert "whsec_REDACTED" in scrubbed


@given(BODIES)
def test_without_a_public_prefix_the_whole_value_goes(body: str) -> None:
    value = "whsec_" + body + "n"  # a different value from the other test's
    secrets.register([value], token=True)
    for text in _written(value):
        scrubbed = secrets.scrub(text)
        assert body not in scrubbed
        assert "whsec_" not in scrubbed
        assert "REDACTED" in scrubbed


@given(BODIES)
def test_a_value_without_the_prefix_is_redacted_whole(body: str) -> None:
    value = "sk_" + body
    secrets.register([value], token=True, public_prefix="whsec_")
    for text in _written(value):
        scrubbed = secrets.scrub(text)
        assert body not in scrubbed
        assert "sk_" not in scrubbed
