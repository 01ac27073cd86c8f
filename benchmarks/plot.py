"""The scaling figure: time against corpus size (triples, with plans on a second axis).

Why log–log with a guide line: linear growth is a straight line of slope 1 there, so a cost that
grows faster than linearly shows at a glance. Styling is fixed (Agg backend, one style, fixed
size, no date in the metadata), so the same data gives the same picture.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

#: Series are drawn in name order with these styles, cycled (colour-blind-safe palette).
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def series_of(data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every scaling series of every section, keyed by name, points sorted by size."""
    found: dict[str, list[dict[str, Any]]] = {}
    for section in data.get("sections", {}).values():
        for name, points in (section.get("scaling") or {}).items():
            good = [p for p in points if p.get("triples") and p.get("median_s")]
            if good:
                found[name] = sorted(good, key=lambda p: p["triples"])
    return dict(sorted(found.items()))


def render(data: dict[str, Any]) -> bytes:
    """The PNG bytes of the figure."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    series = series_of(data)
    with plt.style.context("default"):
        fig, ax = plt.subplots(figsize=(8, 5.2), dpi=110)
        for i, (name, points) in enumerate(series.items()):
            xs = [p["triples"] for p in points]
            ys = [p["median_s"] for p in points]
            ax.plot(
                xs,
                ys,
                marker=MARKERS[i % len(MARKERS)],
                color=COLOURS[i % len(COLOURS)],
                label=name,
                linewidth=1.5,
                markersize=5,
            )
        if series:
            lo = min(p["triples"] for ps in series.values() for p in ps)
            hi = max(p["triples"] for ps in series.values() for p in ps)
            y0 = min(p["median_s"] for ps in series.values() for p in ps)
            ax.plot(
                [lo, hi],
                [y0, y0 * hi / lo],
                linestyle=":",
                color="#999999",
                label="linear (slope 1)",
            )
            ax.set_xscale("log")
            ax.set_yscale("log")
            # Plans on a secondary axis: the synthetic plans average a fixed number of triples.
            per_plan = [
                p["triples"] / p["plans"] for ps in series.values() for p in ps if p.get("plans")
            ]
            if per_plan:
                k = sum(per_plan) / len(per_plan)
                top = ax.secondary_xaxis(
                    "top", functions=(lambda x, k=k: x / k, lambda p, k=k: p * k)
                )
                top.set_xlabel(f"action plans (≈ {k:.0f} triples each)")
        else:
            ax.text(
                0.5,
                0.5,
                "no scaling series in this run",
                ha="center",
                va="center",
                transform=ax.transAxes,
            )
        ax.set_xlabel("triples in the synthetic corpus")
        ax.set_ylabel("median wall-clock time (s)")
        quick = " (quick smoke run)" if data.get("quick") else ""
        ax.set_title(f"drugpolicy-kg: cost against corpus size{quick}", fontsize=11)
        ax.grid(True, which="major", linestyle="-", linewidth=0.4, color="#dddddd")
        if series:
            ax.legend(fontsize=8, loc="upper left", frameon=False)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        plt.close(fig)
    return buf.getvalue()


def write(data: dict[str, Any], path: Path) -> None:
    """Write the figure atomically."""
    from drugpolicy_kg.atomic import write_bytes

    write_bytes(path, render(data))
