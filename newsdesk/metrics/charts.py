"""Small server-side SVG bar charts: no JavaScript, no CDN, allowed by the page's CSP.

Labels are escaped; colours and sizes are SVG attributes (not style
attributes, which the CSP forbids).
"""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, BAR, GAP, LABEL = 640, 22, 8, 170


def bar_chart(
    title: str,
    labels: list[str],
    values: list[float | None],
    unit: str = "",
    maximum: float | None = None,
) -> Markup:
    """Horizontal bars, one per label; None is drawn as 'n/a'."""
    top = max([v for v in values if v is not None] + [maximum or 0, 1e-9])
    height = 30 + len(labels) * (BAR + GAP)
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg">',
        f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    span = WIDTH - LABEL - 80
    for row, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 30 + row * (BAR + GAP)
        parts.append(f'<text x="0" y="{y + 15}" font-size="12">{escape(label)}</text>')
        if value is None:
            parts.append(f'<text x="{LABEL}" y="{y + 15}" font-size="12" fill="#888">n/a</text>')
            continue
        width = max(1, int(span * value / top))
        parts.append(
            f'<rect class="bar" x="{LABEL}" y="{y}" width="{width}" height="{BAR}" fill="#1f3a5f"></rect>'
        )
        shown = f"{value:.0%}" if unit == "%" else f"{value:g}{unit}"
        parts.append(
            f'<text x="{LABEL + width + 6}" y="{y + 15}" font-size="12">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
