"""Comparisons rendered for people and programs.

* :mod:`.markdown` and :mod:`.html`: the rules matrix with the topic
  summaries, the escalation ladders and the disagreement witnesses, in the
  phrasebook's words (HTML keeps each code on hover); the HTML page is
  self-contained (inline CSS and SVG, no scripts, nothing fetched), fits a
  1,280 pixel screen and prints on A4 landscape;
* :mod:`.ladder`: the escalation ladder as inline SVG and as text;
* :mod:`.tables` and :mod:`.data`: the matrix as CSV, and every comparison
  as versioned JSON, in the rule language's codes;
* :mod:`.text`: the scenario comparison, placement and version diff as text.

Nothing here evaluates or compares anything itself.
"""

from __future__ import annotations

from .data import COMPARISON_SCHEMA_VERSION, comparison_json, comparison_jsonable
from .html import render_ladder_html, render_matrix_html
from .ladder import ladder_svg, render_ladder_text
from .markdown import LEGEND, render_matrix_markdown, render_witnesses_markdown
from .tables import CSV_COLUMNS, render_matrix_csv
from .text import render_diff_text, render_placement_text, render_scenario_text

__all__ = [
    "COMPARISON_SCHEMA_VERSION",
    "CSV_COLUMNS",
    "LEGEND",
    "comparison_json",
    "comparison_jsonable",
    "ladder_svg",
    "render_diff_text",
    "render_ladder_html",
    "render_ladder_text",
    "render_matrix_csv",
    "render_matrix_html",
    "render_matrix_markdown",
    "render_placement_text",
    "render_scenario_text",
    "render_witnesses_markdown",
]
