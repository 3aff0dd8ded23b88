"""Report charts as PNG bytes: the index trend and the funnel plot.

Each chart builds its own ``matplotlib.figure.Figure`` on an Agg canvas (never pyplot, whose global
state is not safe under concurrent requests). DejaVu Sans, matplotlib's own font, renders Vietnamese.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from survey.reports.formatting import current
from survey.reports.model import Report

FONT = "DejaVu Sans"
INDEX_COLOUR = "#1f5f99"
TARGET_COLOUR = "#b03a2e"


def _figure(width: float = 7.0, height: float = 3.4) -> tuple[Figure, object]:
    figure = Figure(figsize=(width, height), dpi=110, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.yaxis.set_major_formatter(FuncFormatter(_percent_tick))
    axes.grid(axis="y", alpha=0.3)
    return figure, axes


def _percent_tick(value: float, _position: int) -> str:
    """Whole percentages without decimals, others with one: ticks at 92.5% must not read "92%"."""
    whole = abs(100 * value - round(100 * value)) < 1e-6
    return current().percent(value, 0 if whole else 1)


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _month(label: str) -> str:
    """"2026-07" → "7/2026", as months are written in Vietnamese documents."""
    year, _, month = label.partition("-")
    return f"{int(month)}/{year}" if month.isdigit() else label


def trend_chart(report: Report) -> bytes:
    """Composite index per month with its 95% interval band and the target line."""
    figure, axes = _figure()
    points = [p for p in report.trend if p.value is not None]
    x = [_month(p.period) for p in points]
    if points:
        axes.fill_between(x, [p.lower for p in points], [p.upper for p in points], color=INDEX_COLOUR, alpha=0.18,
                          label="Khoảng tin cậy 95%")
        axes.plot(x, [p.value for p in points], marker="o", color=INDEX_COLOUR, label="Chỉ số hài lòng")
    else:
        axes.text(0.5, 0.5, "Chưa đủ dữ liệu", transform=axes.transAxes, ha="center", family=FONT)
    axes.axhline(report.target, color=TARGET_COLOUR, linestyle="--", label=f"Mục tiêu {current().percent(report.target, 0)}")
    axes.set_title(f"Chỉ số hài lòng theo tháng — {report.scope.name}", family=FONT, fontsize=11)
    axes.tick_params(axis="x", labelrotation=45, labelsize=8)
    axes.legend(loc="lower right", fontsize=8, prop={"family": FONT, "size": 8})
    return _png(figure)


def funnel_chart(report: Report) -> bytes:
    """Each centre's index against its effective sample size, with control limits around the scope's index."""
    figure, axes = _figure(7.0, 4.0)
    funnel = report.funnel
    if funnel.points and funnel.centre is not None:
        for curve, style in zip(funnel.curves, ("--", ":")):
            # Limits for tiny samples run past 0 and 1; a share cannot.
            axes.plot(curve.n_eff, np.clip(curve.lower, 0, 1), color="grey", linestyle=style, linewidth=1,
                      label=f"Giới hạn {current().percent(curve.level)}")
            axes.plot(curve.n_eff, np.clip(curve.upper, 0, 1), color="grey", linestyle=style, linewidth=1)
        lowest = min(p.estimate for p in funnel.points)
        axes.set_ylim(max(0.0, min(lowest, funnel.centre) - 0.05), 1.01)
        outside = [p.position != "within" for p in funnel.points]
        axes.scatter([p.n_eff for p in funnel.points], [p.estimate for p in funnel.points], s=14,
                     c=[TARGET_COLOUR if o else INDEX_COLOUR for o in outside], alpha=0.8)
        axes.axhline(funnel.centre, color=INDEX_COLOUR, linewidth=1, label=f"Chung {current().percent(funnel.centre)}")
        axes.set_xscale("log")
        axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: current().count(value)))
        axes.xaxis.set_minor_formatter(NullFormatter())
        axes.set_xlabel("Cỡ mẫu hiệu dụng", family=FONT)
        axes.legend(loc="lower right", prop={"family": FONT, "size": 8})
    else:
        axes.text(0.5, 0.5, "Chưa đủ dữ liệu", transform=axes.transAxes, ha="center", family=FONT)
    axes.axhline(report.target, color=TARGET_COLOUR, linestyle="--", linewidth=1)
    axes.set_title("Biểu đồ phễu: chỉ số của từng trung tâm", family=FONT, fontsize=11)
    return _png(figure)
