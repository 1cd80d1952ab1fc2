"""Small charts drawn on the server as inline SVG: no chart library, no script.

Every chart is an ``<svg role="img">`` that says what it shows in its ``aria-label``, and every
bar carries a ``<title>`` with its figure, so the numbers can be read (and hovered, and heard)
without the picture. The markup is built here from escaped text only: labels and titles may hold
a class's or a person's name. The page puts the same numbers in a table beside the chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

BAR_WIDTH = 10
GAP = 3
HEIGHT = 32
# Presentation attributes, not styles: the chart keeps its colours under a strict CSP and in print.
FILL = {"high": "#2e7d32", "mid": "#f9a825", "low": "#c62828", "none": "#9e9e9e"}
TRACK = "#eeeeee"


@dataclass(frozen=True)
class Bar:
    """One bar: a share from 0 to 1 (None: nothing to count), and what it says in words."""

    share: float | None
    title: str
    level: str = ""  # a word for the colour: "low", "mid", "high"; else from the share


def level_of(share: float | None) -> str:
    if share is None:
        return "none"
    if share >= 0.8:
        return "high"
    return "mid" if share >= 0.5 else "low"


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def bar_strip(bars: Sequence[Bar], label: str, *, height: int = HEIGHT) -> Markup:
    """A strip of bars side by side, one per period, each as tall as its share.

    The strip scales to the width it is given (viewBox), keeping its height; a bar with nothing
    to count is a short grey tick, so a gap never reads as zero."""
    width = max(1, len(bars) * (BAR_WIDTH + GAP) - GAP)
    parts = [
        f'<svg class="chart bar-strip" role="img" aria-label="{escape(label)}" '
        f'viewBox="0 0 {width} {height}" width="{width * 2}" height="{height}" '
        f'preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg">'
    ]
    for number, bar in enumerate(bars):
        x = number * (BAR_WIDTH + GAP)
        level = bar.level or level_of(bar.share)
        if bar.share is None:
            tall, y = 2.0, height - 2.0
        else:
            share = min(1.0, max(0.0, bar.share))
            tall = max(1.0, share * height)
            y = height - tall
        parts.append(
            f'<g class="bar bar-{escape(level)}">'
            f"<title>{escape(bar.title)}</title>"
            f'<rect class="track" x="{x}" y="0" width="{BAR_WIDTH}" height="{height}" '
            f'fill="{TRACK}"/>'
            f'<rect class="fill" x="{x}" y="{_number(y)}" width="{BAR_WIDTH}" '
            f'height="{_number(tall)}" fill="{FILL.get(level, FILL["none"])}"/></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
