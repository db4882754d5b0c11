"""What the Lynkwell double's accounts can use and no operation creates: the prices a payment profile can
subscribe to (CATALOGUE) and the payment provider's test payment methods (TEST_CARDS). Fixed data, no state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Offering:
    """A product offering and its price: one invoice line per component, billed every `months`."""

    name: str
    months: int
    components: tuple[tuple[str, int], ...]  # (description, amount in cents)
    tax_basis_points: int = 0
    billing_threshold: int | None = None  # cents


# The prices a payment profile can subscribe to (no documented operation lists or creates prices).
CATALOGUE: Mapping[str, Offering] = {
    "price_home_charging_monthly": Offering("Home Charging", 1, (("Home Charging membership", 999),)),
    "price_fleet_monthly": Offering(
        "Fleet Charging",
        1,
        (("Fleet Charging platform fee", 4900), ("Fleet Charging port fee (4 ports x $15.00)", 6000)),
        tax_basis_points=825,
        billing_threshold=50000,
    ),
    "price_network_access_annual": Offering(
        "Network Access", 12, (("Network Access annual plan", 12000), ("Roaming add-on", 2400)), tax_basis_points=600
    ),
}


@dataclass(frozen=True)
class Card:
    """A test payment method of the payment provider: its card brand, last four digits, and whether it declines."""

    brand: str
    last4: str
    declines: bool = False


TEST_CARDS: Mapping[str, Card] = {
    "pm_card_visa": Card("visa", "4242"),
    "pm_card_mastercard": Card("mastercard", "4444"),
    "pm_card_amex": Card("amex", "8431"),
    "pm_card_chargeDeclined": Card("visa", "0002", declines=True),
}
