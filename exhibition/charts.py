"""Bar charts drawn by the server as SVG (the overview's registrations, the live entries): one
drawing area and one geometry. static/js/live.js redraws the live chart with the same geometry,
reading the drawing area from the chart's data attributes."""

# The drawing area, in SVG units: the plot sits inside the margins, labels under it.
CHART = {"width": 960, "height": 220, "left": 40, "right": 8, "top": 12, "bottom": 24}


def bar_chart(items: list[dict], *, labels: dict[int, object], centred: bool = False) -> dict:
    """One bar per item, as tall as its "count" against the largest, side by side across the
    plot; the item's own keys come along. `labels` maps an item's index to the value shown under
    it (the template formats it): centred under the bar (`centred`: a day, a week), or at its
    left edge (a time of day: where that hour starts)."""
    plot_w = CHART["width"] - CHART["left"] - CHART["right"]
    plot_h = CHART["height"] - CHART["top"] - CHART["bottom"]
    base = CHART["top"] + plot_h
    top = max((item["count"] for item in items), default=0)
    step = plot_w / max(len(items), 1)
    bars = []
    for index, item in enumerate(items):
        height = plot_h * item["count"] / top if top else 0
        bars.append(
            {
                **item,
                "x": round(CHART["left"] + index * step + step * 0.1, 2),
                "y": round(base - height, 2),
                "w": round(step * 0.8, 2),
                "h": round(height, 2),
            }
        )
    shift = step / 2 if centred else 0
    return {
        **CHART,
        "bars": bars,
        "labels": [
            {"x": round(CHART["left"] + index * step + shift, 2), "value": value}
            for index, value in sorted(labels.items())
        ],
        "max": top,  # the largest count, written at the top of the axis
        "base": base,
    }
