"""Small charts drawn as inline SVG on the server: no chart library, no script.

Colours come from CSS classes, so the charts follow the light and dark themes.
Each chart carries a text alternative; the pages also show the numbers as a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from gatehouse.study.progress import Tally


@dataclass(frozen=True)
class Column:
    label: str
    right: int
    wrong: int


def bar_chart(bars: Sequence[Tally], *, title: str) -> Markup:
    """Horizontal bars of percent right, one per label."""
    row, label_width, width = 28, 300, 670
    plot = width - label_width - 100
    height = row * len(bars) + 8
    summary = "; ".join(
        f"{bar.label}: {bar.percent:.0f}% of {bar.total}"
        if bar.total
        else f"{bar.label}: none yet"
        for bar in bars
    )
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}: {escape(summary)}">',
        f"<title>{escape(title)}</title>",
    ]
    for index, bar in enumerate(bars):
        y = 4 + index * row
        filled = plot * bar.percent / 100
        value = f"{bar.percent:.0f}% ({bar.right}/{bar.total})" if bar.total else "—"
        parts += [
            f'<text class="chart-label" x="{label_width - 8}" y="{y + 17}" '
            f'text-anchor="end">{escape(bar.label)}</text>',
            f'<rect class="chart-track" x="{label_width}" y="{y + 4}" width="{plot}" '
            f'height="{row - 10}" rx="3"/>',
            f'<rect class="chart-bar" x="{label_width}" y="{y + 4}" width="{filled:.1f}" '
            f'height="{row - 10}" rx="3"/>',
            f'<text class="chart-value" x="{label_width + plot + 6}" y="{y + 17}">'
            f"{escape(value)}</text>",
        ]
    parts.append("</svg>")
    return Markup("".join(parts))


def column_chart(columns: Sequence[Column], *, title: str) -> Markup:
    """Stacked columns per day: right at the bottom, wrong on top."""
    width, height, base, left = 560, 180, 150, 30
    slot = (width - left) / max(len(columns), 1)
    peak = max((c.right + c.wrong for c in columns), default=0) or 1
    scale = (base - 10) / peak
    summary = "; ".join(f"{c.label}: {c.right} right, {c.wrong} wrong" for c in columns)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}: {escape(summary)}">',
        f"<title>{escape(title)}</title>",
        f'<line class="chart-axis" x1="{left}" y1="{base}" x2="{width}" y2="{base}"/>',
        f'<text class="chart-label" x="{left - 4}" y="16" text-anchor="end">{peak}</text>',
    ]
    for index, column in enumerate(columns):
        x = left + index * slot + slot * 0.15
        bar = slot * 0.7
        right_h = column.right * scale
        wrong_h = column.wrong * scale
        parts += [
            f'<rect class="chart-bar" x="{x:.1f}" y="{base - right_h:.1f}" '
            f'width="{bar:.1f}" height="{right_h:.1f}"/>',
            f'<rect class="chart-wrong" x="{x:.1f}" y="{base - right_h - wrong_h:.1f}" '
            f'width="{bar:.1f}" height="{wrong_h:.1f}"/>',
        ]
        if index % max(1, len(columns) // 7) == 0:
            parts.append(
                f'<text class="chart-label" x="{x + bar / 2:.1f}" y="{base + 18}" '
                f'text-anchor="middle">{escape(column.label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))
