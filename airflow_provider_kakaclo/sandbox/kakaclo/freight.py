"""Logistics channels and freight estimates (spec §7 O2-1, O2-2).

Documented: freight depends on the total weight in grams and on ``shipToCountry``; Standard is the
cheapest and slowest, Expedited the dearest and fastest; O2-1 is sorted by deliveryTime ascending. The
channel codes and names come from the docs' samples; the prices and the formula are INVENTED.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CHANNEL_TYPES = ("Standard", "Express", "Expedited")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Channel:
    """One logistics channel."""

    channel_type: str
    code: str
    name_en: str
    delivery_time: str
    base: Decimal
    per_kg: Decimal

    @property
    def fastest_days(self) -> int:
        """First number of ``delivery_time`` (used to sort by delivery time)."""
        return int(self.delivery_time.split("~", 1)[0])


CHANNELS: tuple[Channel, ...] = (
    Channel("Express", "WB004", "PP", "6~9 Business Days", Decimal("4.80"), Decimal("8.00")),
    Channel("Expedited", "DHL01", "DHL expedited line", "3~4 Business Days", Decimal("12.00"), Decimal("14.00")),
    Channel("Standard", "WB001", "Wb clothing line （general goods ）", "8~12 Business Days",
            Decimal("3.50"), Decimal("6.00")),
)
"""In the order of the O2-2 sample (Express, Expedited, Standard)."""
CHANNELS_BY_TYPE = {channel.channel_type: channel for channel in CHANNELS}

_COUNTRY_FACTOR = {"US": Decimal("1.00"), "CA": Decimal("1.10"), "MX": Decimal("1.10")}
_EUROPE = {"GB", "FR", "DE", "IT", "ES", "NL", "BE", "AT", "IE", "PT", "SE", "DK", "FI", "PL", "CZ"}


def country_factor(country: str) -> Decimal:
    """Return the freight multiplier of a destination country (INVENTED)."""
    country = country.upper()
    if country in _COUNTRY_FACTOR:
        return _COUNTRY_FACTOR[country]
    return Decimal("1.20") if country in _EUROPE else Decimal("1.35")


def freight(channel_type: str, weight_grams: int, country: str) -> Decimal:
    """Return the freight of a parcel, 2 decimals, USD.

    :param channel_type: Standard, Express or Expedited
    :param weight_grams: total weight (Σ packageWeight × quantity)
    :param country: ISO-2 destination
    :return: freight
    """
    channel = CHANNELS_BY_TYPE[channel_type]
    kilograms = Decimal(weight_grams) / 1000
    return ((channel.base + channel.per_kg * kilograms) * country_factor(country)).quantize(CENT, ROUND_HALF_UP)


def channels_by_delivery_time() -> list[Channel]:
    """Return the channels sorted by delivery time ascending (O2-1)."""
    return sorted(CHANNELS, key=lambda channel: channel.fastest_days)
