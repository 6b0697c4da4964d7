"""Line charts drawn on the server as SVG by pygal, made fit for the pages'
Content-Security-Policy (``script-src 'self'; style-src 'self'``):

- no JavaScript: pygal's tooltip script (loaded from a CDN by default) is
  switched off (``js=[]``), and no ``<script>`` is left in the SVG;
- no inline style: the ``<style>`` pygal puts inside each SVG would be
  refused by ``style-src 'self'``; its rules go to one stylesheet served by
  the app (``chart_css``, scoped to ``svg.chart``), the SVG keeps only
  presentation attributes;
- no URL but the SVG namespaces (pygal's comments are dropped);
- accessible: ``role="img"``, a ``<title>`` and ``aria-labelledby``; the
  page shows the same figures in a table under the chart.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Sequence

import pygal
from markupsafe import Markup, escape
from pygal.style import Style

STYLE = Style(
    background="white", plot_background="white", foreground="#222", foreground_strong="#111",
    foreground_subtle="#767676", font_family="DejaVu Sans, Arial, sans-serif", label_font_size=11,
    major_label_font_size=11, legend_font_size=12, title_font_size=14, value_font_size=11,
    colors=("#1f5fa8", "#b5471b", "#2e7d32", "#6a1b9a", "#8d6e00", "#00838f", "#ad1457", "#455a64"),
)

_STYLE_RE = re.compile(r"<style[^>]*>.*?</style>", re.S)
_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
_SCRIPT_RE = re.compile(r"<script.*?</script>", re.S)
_STYLE_ATTR_RE = re.compile(r'\sstyle="[^"]*"')


def _chart(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], height: int):
    chart = pygal.Line(
        style=STYLE, js=[], disable_xml_declaration=True, no_prefix=True, width=900, height=height,
        show_dots=True, dots_size=2.5, x_label_rotation=0 if len(labels) <= 14 else 45,
        show_minor_x_labels=len(labels) <= 26, x_labels_major_every=max(1, len(labels) // 13),
        legend_at_bottom=True, legend_at_bottom_columns=2, truncate_legend=60, min_scale=1, max_scale=6,
        include_x_axis=True, print_values=False, tooltip_border_radius=0, explicit_size=False,
        no_data_text="Nicio dată",
    )
    chart.title = title
    chart.x_labels = list(labels)
    for name, values in series:
        chart.add(name, list(values))
    return chart


def line_svg(chart_id: str, title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[int]]],
             height: int = 380) -> Markup:
    """An inline ``<svg>`` line chart with ``role="img"`` and a ``<title>``."""
    svg = _chart(title, labels, series, height + 22 * ((len(series) + 1) // 2)).render(is_unicode=True)
    svg = _SCRIPT_RE.sub("", _COMMENT_RE.sub("", _STYLE_RE.sub("", svg)))
    svg = _STYLE_ATTR_RE.sub("", svg)  # the hidden tooltip's style="opacity: 0" (no script shows it)
    head, rest = svg.split(">", 1)
    head = re.sub(r'\sid="[^"]*"', "", head).replace('class="pygal-chart"', 'class="pygal-chart chart"')
    title_id = f"{chart_id}-title"
    opening = f'{head} id="{escape(chart_id)}" role="img" aria-labelledby="{escape(title_id)}">'
    # pygal writes the chart's title as the SVG's first <title>: it names the image.
    rest = rest.replace("<title>", f'<title id="{escape(title_id)}">', 1)
    return Markup(opening + rest)


def _scope(css: str) -> str:
    """pygal's rules (written for an unprefixed chart) scoped to ``svg.chart``."""
    out = []
    for rule in css.split("}"):
        if "{" not in rule:
            continue
        selectors, body = rule.split("{", 1)
        scoped = []
        for sel in selectors.split(","):
            sel = sel.strip()
            scoped.append("svg.chart" if not sel else f"svg.chart {sel}")
        out.append(f"{', '.join(scoped)} {{{body.strip()}}}")
    return "\n".join(out) + "\n"


@lru_cache(maxsize=1)
def chart_css() -> str:
    """The stylesheet of every chart: what pygal would have put inline."""
    svg = _chart("x", ["a", "b"], [(f"s{i}", [1, 2]) for i in range(len(STYLE.colors))], 300).render(
        is_unicode=True)
    css = "\n".join(m.group(0) for m in _STYLE_RE.finditer(svg))
    css = re.sub(r"</?style[^>]*>", "", css).replace("&gt;", ">")
    return "/* pygal's chart style, scoped to svg.chart (reports/charts.py) */\n" + _scope(css) + \
        "svg.chart { max-width: 100%; height: auto; }\n"
