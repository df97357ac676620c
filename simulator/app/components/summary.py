"""The customer's face and mood, the coach and the debrief, the scenario card and the
session summary."""

from __future__ import annotations

import base64
import html

from typing import Any

import streamlit as st

from simulator.app.avatar import avatar_label, avatar_svg
from simulator.app.text import _
from simulator.app.text import language as interface_language
from simulator.content.schema import Scenario
from simulator.roleplay.coach import CoachNote, Debrief
from simulator.roleplay.mood import MoodState
from simulator.app.components.common import (
    CHANNEL_NAMES, LANGUAGES, MODE_NAMES, MOOD_LABELS, MOOD_NAMES, MOOD_SERIES, MOOD_TITLES, OUTCOMES,
    escape_markdown, named,
)


def customer_face(mood: MoodState, name: str, language: str | None = None) -> None:
    """The avatar drawn from the mood, with its text label for screen readers and for
    anyone who cannot read a face (in the interface language unless one is given)."""
    language = language or interface_language()
    svg = avatar_svg(mood.label, anger=mood.anger, anxiety=mood.anxiety, trust=mood.trust, name=name,
                     language=language)
    label = html.escape(avatar_label(mood.label, language, name), quote=True)
    # Streamlit's HTML sanitiser drops inline <svg>, but keeps an <img> with a data URI:
    # still drawn by the app, no external asset, and the alt text carries the label.
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    st.html(f'<img class="customer-face" data-mood="{mood.label}" alt="{label}" width="120" height="120" '
            f'src="data:image/svg+xml;base64,{data}">')
    st.caption(escape_markdown(avatar_label(mood.label, language, name)))


def coach_panel(note: CoachNote) -> None:
    """The coach's note (made in the interface language: `session.coach(language())`)."""
    with st.container(border=True):
        st.markdown(f"**{_('Coach')}**")
        st.markdown(f":material/psychology: {escape_markdown(note.needs)}")
        st.markdown(":material/lightbulb: " + _("**Try:** {suggestion}").format(
            suggestion=escape_markdown(note.suggestion)))


def debrief_panel(debrief: Debrief) -> None:
    with st.container(border=True):
        st.markdown(f"**{_('Debrief')}**")
        st.markdown(_("**What went well:** {text}").format(text=escape_markdown(debrief.went_well)))
        st.markdown(_("**One thing to try next time:** {text}").format(text=escape_markdown(debrief.try_next)))
        st.info(escape_markdown(debrief.support), icon=":material/favorite:")


def facts_uncovered(facts: list[dict[str, Any]]) -> None:
    if not facts:
        return
    found = sum(1 for f in facts if f["turn"] is not None)
    st.markdown(_("**What you uncovered:** {found} of {total} things the customer had not said at first").format(
        found=found, total=len(facts)))
    for fact in facts:
        if fact["turn"] is None:
            st.markdown("- :material/help: " + _("Not uncovered: {fact}").format(fact=escape_markdown(fact["fact"])))
        else:
            st.markdown("- :material/check_circle: " + _("Reply {turn}: {fact}").format(
                turn=fact["turn"], fact=escape_markdown(fact["fact"])))


def mood_meter(mood: MoodState) -> None:
    st.markdown(_("**Customer mood:** {mood}").format(mood=named(MOOD_LABELS, mood.label)))
    for name in MOOD_NAMES:
        value = getattr(mood, name)
        st.progress(value / 10, text=_("{dimension} {value}/10").format(dimension=_(MOOD_TITLES[name]), value=value))


def scenario_card(scenario: Scenario) -> None:
    """What a trainee should know before starting."""
    st.subheader(escape_markdown(scenario.title))
    facts = [
        named(LANGUAGES, scenario.language),
        _("{channel} channel").format(channel=named(CHANNEL_NAMES, scenario.channel)),
        _("difficulty {level}/5").format(level=scenario.difficulty),
        _("{mode} mode").format(mode=named(MODE_NAMES, scenario.mode)),
    ]
    st.caption(" · ".join(facts))
    st.markdown(f"**{_('Your objectives')}**")
    st.markdown("\n".join(f"- {escape_markdown(o)}" for o in scenario.objectives))
    if scenario.content_note:
        st.warning(_("Content note: {note}").format(note=escape_markdown(scenario.content_note)),
                   icon=":material/info:")
    if scenario.distressing:
        st.caption(_("You can pause or leave at any time; leaving early is never counted against you. "
                     "A short debrief follows the session."))


def session_summary(summary: dict[str, Any]) -> None:
    """Mean over scored replies only; unscored replies are counted, never averaged in."""
    outcome = summary["outcome"]
    if outcome:
        st.markdown(_("**Outcome:** {outcome}").format(outcome=escape_markdown(named(OUTCOMES, outcome))))
    else:
        st.markdown(_("**Outcome:** still in progress"))
    mean = summary["mean_score"]
    scores, replies, unscored = st.columns(3)
    scores.metric(_("Mean score"), "—" if mean is None else f"{mean:.0f}/100",
                  help=_("Averaged over scored replies only."))
    replies.metric(_("Replies"), summary["replies"])
    unscored.metric(_("Unscored"), summary["unscored"], help=_("Replies the judge could not grade; not counted as 0."))
    rows = [
        {
            _("Criterion"): c["title"],
            _("Mean level"): "—" if c["mean_level"] is None else f"{c['mean_level']:g}/{c['max_level']}",
        }
        for c in summary["criteria"].values()
    ]
    st.dataframe(rows, hide_index=True, width="stretch")
    facts_uncovered(summary.get("facts") or [])
    moods = [m for m in summary["mood"] if m["anger"] is not None]
    if len(moods) > 1:
        st.markdown(f"**{_('Customer mood over the turns')}**")
        turn, series = _("turn"), [_(MOOD_SERIES[n]) for n in MOOD_NAMES]
        chart = {turn: [m["turn"] for m in moods]}
        chart |= {label: [m[n] for m in moods] for n, label in zip(MOOD_NAMES, series)}
        st.line_chart(chart, x=turn, y=series, height=220)
