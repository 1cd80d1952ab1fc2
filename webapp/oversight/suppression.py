"""Small-cell suppression of oversight figures: no count can point at a handful of children.

The rule, for every figure an oversight page shows:

1. A count of 1 to 4 is shown as "<5" (primary suppression); 0 is shown as 0.
2. Complementary suppression. Figures come in equations: a total and its parts (a school's
   left-behind children = one parent away + both away; a township's figure = the sum of its
   schools' figures; …). Some parts are never shown but follow from the others (children not
   left behind = on roll − left behind): they count as hidden cells of their equation. An
   equation is *exposed* when a reader, knowing this rule (a "<5" lies in 1–4, a hidden "—"
   is at least 5, a never-shown part is anything), could work out the exact value of one of
   its hidden cells from the cells shown. While an equation is exposed, the smallest part
   still shown is hidden as well and shown as "—"; a hidden cell sits in several equations (its
   school's row, its unit's column), so this repeats over every equation until none is exposed.

Totals are never rounded: what is shown is exact, and what is hidden cannot be recovered by
subtracting shown cells from a shown total. The whole tree below the viewer is suppressed at
once, so a cell hidden on the county page is hidden on the township and school pages too.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

SMALL_CELL = 5
UNBOUNDED = float("inf")

CellKey = Hashable


@dataclass(frozen=True)
class Equation:
    """total = sum(parts): the cells of one figure and those it adds up."""

    total: CellKey
    parts: tuple[CellKey, ...]

    def terms(self) -> Iterable[tuple[int, CellKey]]:
        yield -1, self.total
        for part in self.parts:
            yield 1, part


def is_small(value: int) -> bool:
    return 0 < value < SMALL_CELL


def suppress(
    values: dict[CellKey, int], equations: list[Equation], never_shown: set[CellKey]
) -> set[CellKey]:
    """The cells to hide: every small one, and enough others that none can be worked out."""
    hidden = {key for key, value in values.items() if is_small(value)} | set(never_shown)
    changed = True
    while changed:
        changed = False
        for equation in equations:
            while _exposed(equation, values, hidden, never_shown):
                extra = _smallest_shown(equation, values, hidden)
                if extra is None:  # everything hidden already: nothing left to subtract from
                    break
                hidden.add(extra)
                changed = True
    return hidden


def _reader_bounds(
    key: CellKey, values: dict[CellKey, int], hidden: set[CellKey], never_shown: set[CellKey]
) -> tuple[float, float]:
    """What a reader of the page knows of a cell."""
    if key not in hidden:
        return values[key], values[key]
    if key in never_shown:
        return 0, UNBOUNDED
    if is_small(values[key]):
        return 1, SMALL_CELL - 1
    return SMALL_CELL, UNBOUNDED


def _exposed(
    equation: Equation, values: dict[CellKey, int], hidden: set[CellKey], never_shown: set[CellKey]
) -> bool:
    terms = list(equation.terms())
    bounds = {key: _reader_bounds(key, values, hidden, never_shown) for _, key in terms}
    for coefficient, key in terms:
        if key not in hidden:
            continue
        # A never-shown part matters only when it is small itself; a hidden shown cell always
        # does, since giving it away would give away the small cell it protects.
        if key in never_shown and not is_small(values[key]):
            continue
        low = high = 0.0
        for other_coefficient, other in terms:
            if other == key:
                continue
            # coefficient * cell = -sum(other_coefficient * other)
            other_low, other_high = bounds[other]
            sign = -other_coefficient * coefficient
            low += sign * other_low if sign > 0 else sign * other_high
            high += sign * other_high if sign > 0 else sign * other_low
        own_low, own_high = bounds[key]
        if max(low, own_low) >= min(high, own_high):
            return True
    return False


def _smallest_shown(
    equation: Equation, values: dict[CellKey, int], hidden: set[CellKey]
) -> CellKey | None:
    """The part to hide next: the smallest non-zero part shown, else the total."""
    shown = [p for p in equation.parts if p not in hidden and values[p] > 0]
    if shown:
        return min(shown, key=lambda p: values[p])
    if equation.total not in hidden and values[equation.total] > 0:
        return equation.total
    return None
