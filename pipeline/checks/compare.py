"""Arithmetic at printed precision: what rounding alone can move a printed figure, a sum of
printed figures or a rate computed from them, and the tolerances the checks compare with.

A report prints each figure rounded to the digits it shows, so two figures agree when they
differ by no more than the rounding of their printed digits ("half a unit of the last printed
digit", in record units: 万元 for money, percent for rates)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from pipeline.ground import AMOUNT_TOLERANCE, plain_number
from pipeline.normalize import MONEY_UNITS, NumberMention, to_wan
from pipeline.record import Evidence

# Floating-point noise in a comparison that is exact on paper.
EPS = 1e-9
# Two figures are the same number when they differ by no more than half a unit of the second
# decimal (money is printed in 万元, scores in points, with at most two decimals): the grounder's
# tolerance, so a value the checks match is a value grounding matches too.
SAME_VALUE = AMOUNT_TOLERANCE
# The rounding of a figure printed with two decimals (half a unit of the second decimal): what
# an operand of unknown printing, or one score item, may be off by.
TWO_DECIMALS_HALF = 0.005
# Decimals a finding reports its figures with (stated, computed, tolerance), and a computed rate.
REPORTED_DECIMALS = 6
RATE_REPORTED_DECIMALS = 4
# Yuan in one 万元: an amount read in the wrong one of the two is off by this factor.
YUAN_PER_WAN = 1e4


@dataclass(frozen=True)
class Printed:
    """A number as the report prints it: value in record units (万元 for money, percent for
    rates), decimals, half a unit of the last printed digit in record units, and where."""

    value: float
    decimals: int
    half_ulp: float
    evidence: Evidence | None
    mention: NumberMention | None = None
    unit: str | None = None  # money unit as printed; None for rates and counts

    @property
    def op(self) -> "Op":
        return Op(self.half_ulp, self.decimals, self.unit)


def decimals_of(value: float) -> int:
    """The decimals a value shows when printed plainly (no trailing zeros)."""
    return len(plain_number(value).partition(".")[2])


def rounding_half(decimals: int, unit: str | None) -> float:
    """Half a unit of the last printed digit, in record units (万元 for money)."""
    half = 0.5 * 10**-decimals
    if unit in MONEY_UNITS:
        return to_wan(half, unit) or half
    return half


def in_record_units(m: NumberMention, default_unit: str, is_rate: bool = False) -> float:
    if is_rate or m.unit in ("%", "‰"):
        return m.value
    unit = m.unit if m.unit in MONEY_UNITS else default_unit
    return to_wan(m.value, unit) or m.value


def in_wan(m: NumberMention, default_unit: str | None = None) -> float | None:
    """A money mention in 万元 (explicit unit, else ``default_unit`` if given)."""
    if m.unit in MONEY_UNITS:
        return to_wan(m.value, m.unit)
    if default_unit and m.unit is None and m.scale is None and m.counter is None:
        return to_wan(m.value, default_unit)
    return None


def mention_half(m: NumberMention, default_unit: str | None = None) -> float:
    unit = m.unit if m.unit in MONEY_UNITS else default_unit
    return rounding_half(m.decimals, unit)


@dataclass(frozen=True)
class Op:
    """An operand's rounding: half a unit of its last printed digit (record units), its printed
    decimals and money unit."""

    half: float
    decimals: int
    unit: str | None


def op_of(m: NumberMention, default_unit: str | None = None) -> Op:
    unit = m.unit if m.unit in MONEY_UNITS else default_unit
    return Op(mention_half(m, default_unit), m.decimals, unit)


def sum_tolerance(ops: Iterable[Op]) -> float:
    """How far a sum or difference of printed amounts may drift by rounding alone.

    Each operand contributes half a unit of its last printed digit; an amount printed as a whole
    number among amounts of the same unit printed with decimals ('20万元' beside '1.74万元') is a
    round figure, exact to the same precision as the others, not ±0.5."""
    ops = list(ops)
    finest: dict[str | None, Op] = {}
    for op in ops:
        if op.decimals > 0 and (op.unit not in finest or op.half < finest[op.unit].half):
            finest[op.unit] = op
    total = 0.0
    for op in ops:
        total += finest[op.unit].half if op.decimals == 0 and op.unit in finest else op.half
    return total


@dataclass(frozen=True)
class RateVerdict:
    status: str  # ok | truncated | mismatch
    computed: float
    tolerance: float


def compare_rate(stated: float, numerator: float, denominator: float, decimals: int, num_half: float = TWO_DECIMALS_HALF, den_half: float = TWO_DECIMALS_HALF) -> RateVerdict | None:
    """A printed rate (percent, ``decimals`` printed) against numerator / denominator × 100.

    Tolerance: half a unit of the rate's last printed digit plus what rounding of the two printed
    amounts can move the quotient. Truncating instead of rounding ('97.12' for 97.126…) is
    ``truncated``: the rate agrees, printed carelessly."""
    if not denominator:
        return None
    computed = numerator / denominator * 100
    propagated = 100 * (num_half / abs(denominator) + abs(numerator) * den_half / denominator**2)
    tolerance = rounding_half(decimals, None) + propagated + EPS
    if abs(stated - computed) <= tolerance:
        return RateVerdict("ok", computed, tolerance)
    step = 10**-decimals
    if 0 < computed - stated < step + propagated + EPS:
        return RateVerdict("truncated", computed, tolerance)
    return RateVerdict("mismatch", computed, tolerance)
