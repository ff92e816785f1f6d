"""Server-side SVG charts: no JavaScript, no CDN, printable, right-to-left aware.

Two shapes cover the reports: horizontal bars (one value per label) and
stacked columns per month. In right-to-left pages the labels sit on the
right, bars grow leftwards and months run from right to left, as Arabic
readers scan. Every chart carries a text alternative, and the numbers are
always also in a table next to it.
"""
from __future__ import annotations

from markupsafe import Markup, escape

# Colour-blind-safe (Okabe–Ito) with enough contrast in grey when printed.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
OTHER_COLOUR = "#999999"


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return str(value)


def _svg(width: int, height: int, title: str, body: list[str], rtl: bool, font_size: int = 12) -> Markup:
    # The page's CSS direction (rtl) would flip every text-anchor: the chart is laid out in physical
    # coordinates for the page's direction instead. Arabic text still shapes and orders correctly.
    return Markup(
        f'<svg class="report-chart" xmlns="http://www.w3.org/2000/svg" role="img" width="100%" '
        f'viewBox="0 0 {width} {height}" preserveAspectRatio="xMinYMin meet" '
        f'font-family="Tahoma, \'Noto Sans Arabic\', sans-serif" font-size="{font_size}" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>")


def horizontal_bars(items: list[tuple[str, float | int | None]], title: str, rtl: bool = True,
                    width: int = 640, suffix: str = "") -> Markup:
    """One bar per (label, value)."""
    row, label_w, pad = 30, 190, 8
    height = max(1, len(items)) * row + 2 * pad
    peak = max([v for _, v in items if v is not None] or [0]) or 1
    bar_max = width - label_w - 70
    body = []
    if not items:
        body.append(f'<text x="{width / 2}" y="{height / 2 + 4}" text-anchor="middle" fill="#666">—</text>')
    for i, (label, value) in enumerate(items):
        y = pad + i * row
        length = 0 if value is None else max(1.0, bar_max * float(value) / peak) if value else 0
        colour = PALETTE[i % len(PALETTE)] if len(items) <= len(PALETTE) else PALETTE[0]
        text = escape(str(label) if label not in (None, "") else "—")
        if rtl:
            label_x, anchor = width - pad, "end"
            bar_x = width - label_w - length
            value_x, value_anchor = bar_x - 6, "end"
        else:
            label_x, anchor = pad, "start"
            bar_x = label_w
            value_x, value_anchor = bar_x + length + 6, "start"
        body.append(f'<text x="{label_x}" y="{y + row / 2 + 4}" text-anchor="{anchor}">{text}</text>')
        body.append(f'<rect x="{bar_x:.1f}" y="{y + 4}" width="{length:.1f}" height="{row - 8}" fill="{colour}">'
                    f"<title>{text}: {escape(_fmt(value))}{escape(suffix)}</title></rect>")
        body.append(f'<text x="{value_x:.1f}" y="{y + row / 2 + 4}" text-anchor="{value_anchor}" '
                    f'font-weight="bold">{escape(_fmt(value))}{escape(suffix)}</text>')
    return _svg(width, height, title, body, rtl, font_size=15)


def stacked_columns(months: list[str], series: list[dict], title: str, rtl: bool = True,
                    width: int = 720, height: int = 260, max_series: int = 7, other_label: str = "") -> Markup:
    """Columns per month, stacked by series ({"name", "counts"}); extra series grouped as 'other'."""
    shown = series[:max_series]
    rest = series[max_series:]
    if rest:
        shown = shown + [{"name": other_label, "counts": [sum(s["counts"][i] for s in rest)
                                                           for i in range(len(months))], "other": True}]
    totals = [sum(s["counts"][i] for s in shown) for i in range(len(months))]
    peak = max(totals or [0]) or 1
    legend_h = 22 * ((len(shown) + 3) // 4) + 6
    top, bottom, side = 18, 40, 30
    plot_h = height - top - bottom
    plot_w = width - 2 * side
    slot = plot_w / max(1, len(months))
    bar_w = min(46, slot * 0.7)
    body = [f'<line x1="{side}" y1="{top + plot_h}" x2="{width - side}" y2="{top + plot_h}" stroke="#333"/>']
    if not months:
        body.append(f'<text x="{width / 2}" y="{top + plot_h / 2}" text-anchor="middle" fill="#666">—</text>')
    for i, month in enumerate(months):
        centre = (width - side - (i + 0.5) * slot) if rtl else (side + (i + 0.5) * slot)
        y = top + plot_h
        for j, s in enumerate(shown):
            value = s["counts"][i]
            if not value:
                continue
            h = plot_h * value / peak
            y -= h
            colour = OTHER_COLOUR if s.get("other") else PALETTE[j % len(PALETTE)]
            name = escape(s["name"] if s["name"] not in (None, "") else "—")
            body.append(f'<rect x="{centre - bar_w / 2:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                        f'fill="{colour}" stroke="#fff" stroke-width="0.5"><title>{escape(month)} · {name}: '
                        f"{value}</title></rect>")
        if totals[i]:
            body.append(f'<text x="{centre:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-weight="bold">'
                        f"{totals[i]}</text>")
        body.append(f'<text x="{centre:.1f}" y="{top + plot_h + 16}" text-anchor="middle" direction="ltr">'
                    f"{escape(month)}</text>")
    # Legend under the plot, in reading order.
    col_w = (width - 2 * side) / 4
    for j, s in enumerate(shown):
        row, col = divmod(j, 4)
        y = height + 8 + row * 22
        x = (width - side - col * col_w) if rtl else (side + col * col_w)
        colour = OTHER_COLOUR if s.get("other") else PALETTE[j % len(PALETTE)]
        name = escape(s["name"] if s["name"] not in (None, "") else "—")
        box_x = x - 12 if rtl else x
        text_x, anchor = (x - 18, "end") if rtl else (x + 18, "start")
        body.append(f'<rect x="{box_x}" y="{y}" width="12" height="12" fill="{colour}"/>'
                    f'<text x="{text_x}" y="{y + 10}" text-anchor="{anchor}">{name}</text>')
    return _svg(width, height + legend_h, title, body, rtl)
