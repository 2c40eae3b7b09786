"""Inline SVG charts for the dashboard: a series over time and two histograms side by side."""

from __future__ import annotations

import math
from html import escape
from typing import Any, Sequence

W, H, PAD = 560, 150, 28


def _finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v)


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def line_chart(points: Sequence[dict[str, Any]], label: str = "") -> str:
    """Values over time (a line), the threshold's bounds (dashed), alerts (red dots), errors (marks)."""
    vals = [p["value"] for p in points]
    bounds = [b for p in points for b in ((p.get("threshold") or {}).get("min"),
                                         (p.get("threshold") or {}).get("max")) if _finite(b)]
    finite = [v for v in vals if _finite(v)] + bounds
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if hi == lo:
        lo, hi = lo - 1.0, hi + 1.0
    n = len(points)

    def x(i: int) -> float:
        return PAD + (W - 2 * PAD) * (i / (n - 1) if n > 1 else 0.5)

    def y(v: float) -> float:
        return H - PAD - (H - 2 * PAD) * (v - lo) / (hi - lo)

    parts = [f'<svg class="chart" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" '
             f'aria-label="{escape(label)}">',
             f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - PAD}" y2="{H - PAD}" class="axis"/>',
             f'<text x="2" y="{PAD}" class="tick">{escape(_fmt(hi))}</text>',
             f'<text x="2" y="{H - PAD}" class="tick">{escape(_fmt(lo))}</text>']
    if points:
        parts.append(f'<text x="{PAD}" y="{H - 6}" class="tick">{escape(points[0]["at"][:10])}</text>')
        parts.append(f'<text x="{W - PAD}" y="{H - 6}" class="tick" text-anchor="end">'
                     f'{escape(points[-1]["at"][:10])}</text>')
    for bound in ("min", "max"):
        seq = [(x(i), y(t[bound])) for i, p in enumerate(points)
               if _finite((t := p.get("threshold") or {}).get(bound))]
        if seq:
            pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in seq)
            parts.append(f'<polyline points="{pts}" class="threshold" data-bound="{bound}"/>')
    line = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(vals) if _finite(v))
    if line:
        parts.append(f'<polyline points="{line}" class="series"/>')
    for i, p in enumerate(points):
        v = p["value"]
        tip = f'{p["at"]}: {"-" if not _finite(v) else _fmt(v)} ({p["status"]})'
        if p["status"] == "alert" and _finite(v):
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="4" class="alert-marker">'
                         f'<title>{escape(tip)}</title></circle>')
        elif p["status"] == "error":
            parts.append(f'<rect x="{x(i) - 3:.1f}" y="{PAD - 3}" width="6" height="6" class="error-marker">'
                         f'<title>{escape(tip)}</title></rect>')
        elif _finite(v):
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" class="point">'
                         f'<title>{escape(tip)}</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


def histogram_chart(hist: dict[str, Any], label: str = "") -> str:
    """Baseline (grey) and focal (blue) shares per bin or category, side by side."""
    focal, base = hist["focal"], hist["baseline"]
    n = len(focal)
    top = max([*focal, *base, 1e-12])
    slot = (W - 2 * PAD) / max(n, 1)
    bar = max(1.0, slot / 2 - 1)
    parts = [f'<svg class="hist" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" '
             f'aria-label="{escape(label)}">',
             f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - PAD}" y2="{H - PAD}" class="axis"/>',
             f'<text x="2" y="{PAD}" class="tick">{top:.0%}</text>']
    names = hist.get("categories") or [f'{_fmt(hist["edges"][i])} .. {_fmt(hist["edges"][i + 1])}'
                                       for i in range(n)]
    for i in range(n):
        x0 = PAD + i * slot
        for j, (share, cls) in enumerate(((base[i], "baseline-bar"), (focal[i], "focal-bar"))):
            h = (H - 2 * PAD) * share / top
            parts.append(f'<rect x="{x0 + j * bar:.1f}" y="{H - PAD - h:.1f}" width="{bar:.1f}" '
                         f'height="{h:.1f}" class="{cls}"><title>{escape(names[i])}: '
                         f'{"baseline" if j == 0 else "window"} {share:.1%}</title></rect>')
        if hist["kind"] == "categorical":
            parts.append(f'<text x="{x0 + bar:.1f}" y="{H - 10}" class="tick" text-anchor="middle">'
                         f'{escape(names[i][:10])}</text>')
    if hist["kind"] == "numeric":
        parts.append(f'<text x="{PAD}" y="{H - 6}" class="tick">{escape(_fmt(hist["edges"][0]))}</text>')
        parts.append(f'<text x="{W - PAD}" y="{H - 6}" class="tick" text-anchor="end">'
                     f'{escape(_fmt(hist["edges"][-1]))}</text>')
    parts.append("</svg>")
    return "".join(parts)
