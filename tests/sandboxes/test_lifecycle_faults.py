"""The accept:/refuse: faults: one per (state, action) of each provider's x-lifecycle, refused when meaningless."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from conformance.checks.lifecycle import require_lifecycle
from conformance.cli.main import main
from conformance.core.errors import UsageError
from conformance.providers import get_provider
from conformance.sandbox.faults import FaultSet, lifecycle_flips, parse_flip
from conformance.targets.double_server import build_double
from tests.conftest import PROVIDERS


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_catalogue_lists_one_flip_per_rule_of_the_declaration(cli: CliRunner, provider: str) -> None:
    lifecycle = require_lifecycle(get_provider(provider).spec)
    flips = lifecycle_flips(lifecycle)
    assert len(flips) == len(lifecycle.states) * len(lifecycle.actions)
    assert {(f.action, f.state) for f in flips} == {(r.name, s) for s, r in lifecycle.cells()}
    for flip in flips:
        rule = lifecycle.action(flip.action)
        assert (flip.how == "refuse") == rule.allows(flip.state)
        build_double(provider, faults=(flip.name,))  # every listed flip is accepted by the double
    listed = cli.invoke(main, ["sandbox", provider, "--list-faults"], terminal_width=400)
    assert listed.exit_code == 0, listed.output
    for flip in flips:
        assert flip.name in listed.output


@pytest.mark.parametrize(
    ("provider", "fault", "says"),
    [
        ("wooshpay", "accept:void@open", "changes nothing"),
        ("wooshpay", "refuse:void@paid", "changes nothing"),
        ("wooshpay", "accept:cancel@open", "no lifecycle action 'cancel'"),
        ("useepay", "accept:pay@closed", "'closed' is not a useepay invoice status"),
        ("lynkwell", "accept:pay@PAID", "no lifecycle action 'pay'"),
    ],
)
def test_a_flip_that_does_not_fit_the_declaration_is_a_usage_error(
    cli: CliRunner, provider: str, fault: str, says: str
) -> None:
    with pytest.raises(UsageError, match=says):
        build_double(provider, faults=(fault,))
    result = cli.invoke(main, ["sandbox", provider, "--fault", fault])
    assert result.exit_code == 2
    assert says in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_flip_names_parse_and_the_rest_stays_unknown() -> None:
    flip = parse_flip("accept:void@paid")
    assert flip is not None
    assert (flip.how, flip.action, flip.state) == ("accept", "void", "paid")
    assert FaultSet.of(["accept:void@paid", "totals_mismatch"]).flips == (flip,)
    for bad in ("accept:void", "allow:void@paid", "accept:void@", "accept:@paid"):
        assert parse_flip(bad) is None
        with pytest.raises(UsageError, match="unknown fault"):
            FaultSet.of([bad])


def test_the_generic_fault_and_a_refuse_flip_compose() -> None:
    """illegal_transition_accepted accepts every forbidden action; a refuse flip still refuses its one cell."""
    _, double = build_double("wooshpay", faults=("illegal_transition_accepted", "refuse:finalize@draft"))
    double.guard("voidInvoice", "draft")  # forbidden, accepted by the generic fault
    with pytest.raises(Exception, match="only finalize"):
        double.guard("finalizeInvoice", "draft")
