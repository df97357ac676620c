"""Trainers' labels: the record levels beside the judge's, level choices and agreement
tables."""

from __future__ import annotations
from typing import Any

import streamlit as st
from simulator.app.text import _

from simulator.content.schema import Rubric

from simulator.judge.agreement import Agreement
from simulator.app.components.common import escape_markdown


def record_levels_view(record: dict[str, dict[str, Any]], rubric: Rubric) -> None:
    """Per criterion the score of record and where it came from; disagreements stand out."""
    for criterion in rubric.criteria:
        entry = record.get(criterion.id)
        if entry is None:
            continue
        top = criterion.max_level
        shown = _("no level") if entry["record"] is None else f"{entry['record']}/{top}"
        judge = _("unscored") if entry["judge"] is None else f"{entry['judge']}/{top}"
        title = escape_markdown(criterion.title)
        if entry["source"] == "human":
            line = _("**{title}** · record {record} (trainer) · judge {judge}").format(
                title=title, record=shown, judge=judge)
            if entry["judge"] is not None and entry["judge"] != entry["human"]:
                line += " · :orange[**" + _("the judge disagrees") + "**]"
        else:
            line = _("**{title}** · record {record} (judge; not labelled)").format(title=title, record=shown)
        st.markdown(line)


def level_choice(level: int, anchor: str, width: int = 90) -> str:
    """A level with the start of its anchor text, for a radio option (Markdown-escaped)."""
    text = " ".join(anchor.split())
    if len(text) > width:
        text = text[: width - 1].rstrip() + "…"
    return f"{level} · {escape_markdown(text)}"


def anchors_help(levels: dict[int, str]) -> str:
    return "  \n".join(f"**{level}**: {escape_markdown(anchor)}" for level, anchor in sorted(levels.items()))


def agreement_table(results: dict[str, Agreement], rubric: Rubric) -> None:
    """Judge against trainers per criterion: pairs, unscored, weighted kappa, exact, within one."""

    def figure(value: float | None) -> str:
        return "—" if value is None else f"{value:.2f}"

    titles = {c.id: c.title for c in rubric.criteria}
    st.dataframe(
        [
            {
                _("Criterion"): titles.get(cid, cid),
                "n": a.n,
                _("Unscored"): a.unscored,
                _("Kappa"): figure(a.kappa),
                _("Exact"): figure(a.exact),
                _("Within one"): figure(a.within_one),
            }
            for cid, a in results.items()
        ],
        hide_index=True,
        width="stretch",
        column_config={
            "n": st.column_config.NumberColumn(help=_("Labelled criteria the judge gave a level for")),
            _("Kappa"): st.column_config.TextColumn(help=_("Quadratic-weighted kappa; — when undefined")),
        },
    )
