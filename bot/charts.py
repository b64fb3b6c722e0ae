"""Charts of the staff pages as inline SVG markup (matplotlib, no pyplot state), so pages stay self-contained
under a CSP that loads nothing. Text stays text (svg.fonttype none): the browser draws any Chinese."""
from __future__ import annotations

import io
import warnings
from collections.abc import Callable

from markupsafe import Markup


def inline_svg(draw: Callable, figsize: tuple[float, float], salt: str) -> Markup:
    """`draw(ax)` on a new figure, returned as <svg> markup."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt, "font.family": "sans-serif"}), \
            warnings.catch_warnings():
        # matplotlib only measures the labels (with a font that may lack CJK glyphs); the browser draws them.
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        fig = Figure(figsize=figsize)
        draw(fig.add_subplot())
        fig.tight_layout()
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    # Our own drawing of numbers and fixed labels: safe to embed as markup (everything else is escaped).
    return Markup(svg[svg.index("<svg"):])
