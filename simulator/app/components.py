"""Rendering helpers shared by the pages: transcript, verdict card, mood meter, summary.

Everything a trainee, a customer model or a judge model wrote is shown as plain text
(`st.text`, or Markdown with every special character escaped): a reply such as
`<script>` or `**bold**` must appear exactly as typed, never be interpreted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import streamlit as st

from simulator.content.schema import Rubric, Scenario
from simulator.judge.verdict import Verdict
from simulator.roleplay.mood import MoodState

TRAINEE_AVATAR = ":material/support_agent:"
CUSTOMER_AVATAR = ":material/person:"
LANGUAGES = {"en": "English", "de": "German"}
OUTCOMES = {
    "resolved": "Resolved: the customer's concern was settled.",
    "abandoned": "Abandoned: the customer gave up on the conversation.",
    "turn_limit": "Turn limit reached before the concern was settled.",
    "ended": "Ended by you.",
}
CUSTOMER_NOTES = {
    "incomplete": "The customer's message was cut off.",
    "fallback": "A prepared line from the scenario (the model's answer did not pass its checks).",
}
MOOD_NAMES = ("anger", "anxiety", "trust")

# Every ASCII punctuation character can be backslash-escaped in CommonMark; escaping all of
# them also disarms Streamlit's own directives (":red[...]", ":material/...:", "$math$").
_MARKDOWN_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")


def escape_markdown(text: str) -> str:
    """Text that Markdown shows literally, on one line (for captions and labels)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def error_text(exc: BaseException) -> str:
    """An exception's message, escaped for st.warning/st.error (KeyError adds quotes)."""
    return escape_markdown(str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc))


# -- chat ---------------------------------------------------------------------------


def trainee_message():
    return st.chat_message("user", avatar=TRAINEE_AVATAR)


def customer_message():
    return st.chat_message("assistant", avatar=CUSTOMER_AVATAR)


def stream_text(chunks: Iterable[str]) -> str:
    """Show streamed text as plain text, updated per delta; return the whole text."""
    slot = st.empty()
    text = ""
    for chunk in chunks:
        text += chunk
        slot.text(text + " ▍")
    slot.text(text)
    return text


def transcript(turns: list[dict[str, Any]], rubric: Rubric, *, show_feedback: bool = True) -> None:
    """The stored conversation: each reply with its verdict, each customer message."""
    last_reply = max((t["idx"] for t in turns if t["trainee_text"]), default=None)
    for turn in turns:
        if turn["trainee_text"]:
            with trainee_message():
                st.text(turn["trainee_text"])
                if show_feedback:
                    verdict = turn["verdict"]
                    with st.expander(feedback_label(verdict), expanded=turn["idx"] == last_reply):
                        verdict_card(verdict, rubric)
        customer_turn(turn)


def customer_turn(turn: dict[str, Any]) -> None:
    if turn["customer_text"]:
        with customer_message():
            st.text(turn["customer_text"])
            note = CUSTOMER_NOTES.get(turn["customer_status"])
            if note:
                st.caption(note)
    elif turn["idx"] > 0 and turn["customer_status"] == "pending":
        with customer_message():
            st.caption("No answer from the customer was stored for this reply (it was interrupted).")


# -- verdicts -----------------------------------------------------------------------


def feedback_label(verdict: Verdict | None) -> str:
    if verdict is None:
        return "Feedback: not graded yet"
    if verdict.status != "scored" or verdict.score is None:
        return "Feedback: Unscored"
    return f"Feedback: {verdict.score:.0f}/100"


def verdict_card(verdict: Verdict | None, rubric: Rubric) -> None:
    """Score, per-criterion level with rationale and evidence, tip and better reply.

    An unscored verdict says "Unscored" and why; it is never shown as a zero.
    """
    if verdict is None:
        st.caption("This reply has no grade yet.")
        return
    if verdict.status != "scored" or verdict.score is None:
        st.markdown("**Unscored**")
        st.text(verdict.reason or "The judge gave no grade for this reply.")
        st.caption("Unscored replies are left out of your average; they can be graded again later.")
        return
    st.markdown(f"**Score: {verdict.score:.0f}/100**")
    for criterion_id, title in _criteria(verdict, rubric):
        _criterion(title, verdict.criteria[criterion_id])
    if verdict.tip:
        st.markdown("**Tip**")
        st.text(verdict.tip)
    if verdict.better_reply:
        st.markdown("**A better reply**")
        with st.container(border=True):
            st.text(verdict.better_reply)


def _criteria(verdict: Verdict, rubric: Rubric) -> list[tuple[str, str]]:
    """The verdict's criteria in rubric order, titled from the rubric where it knows them."""
    titles = {c.id: c.title for c in rubric.criteria}
    ordered = [c.id for c in rubric.criteria if c.id in verdict.criteria]
    ordered += [cid for cid in verdict.criteria if cid not in titles]
    return [(cid, titles.get(cid, cid)) for cid in ordered]


def _criterion(title: str, criterion) -> None:
    """One compact block: title and level, the rationale, then the evidence quotes."""
    if criterion.status == "scored" and criterion.level is not None:
        level = f"{criterion.level}/{criterion.max_level}"
    else:
        level = "Unscored"
    line = f"**{escape_markdown(title)}** · {level}"
    if criterion.confidence < 1:
        line += f" · confidence {criterion.confidence:.0%}"
    explanation = criterion.rationale if criterion.status == "scored" else (criterion.reason or criterion.rationale)
    if explanation:
        line += f"  \n{escape_markdown(explanation)}"
    st.markdown(line)
    if criterion.evidence:
        st.caption("Evidence: " + " · ".join(f"“{escape_markdown(q)}”" for q in criterion.evidence))


# -- mood and summary ---------------------------------------------------------------


def mood_meter(mood: MoodState) -> None:
    st.markdown(f"**Customer mood:** {mood.label}")
    for name in MOOD_NAMES:
        value = getattr(mood, name)
        st.progress(value / 10, text=f"{name.title()} {value}/10")


def scenario_card(scenario: Scenario) -> None:
    """What a trainee should know before starting."""
    st.subheader(escape_markdown(scenario.title))
    facts = [
        LANGUAGES.get(scenario.language, scenario.language),
        f"{scenario.channel} channel",
        f"difficulty {scenario.difficulty}/5",
        f"{scenario.mode} mode",
    ]
    st.caption(" · ".join(facts))
    st.markdown("**Your objectives**")
    st.markdown("\n".join(f"- {escape_markdown(o)}" for o in scenario.objectives))
    if scenario.content_note:
        st.warning(f"Content note: {escape_markdown(scenario.content_note)}", icon=":material/info:")


def session_summary(summary: dict[str, Any]) -> None:
    """Mean over scored replies only; unscored replies are counted, never averaged in."""
    outcome = summary["outcome"]
    if outcome:
        st.markdown(f"**Outcome:** {escape_markdown(OUTCOMES.get(outcome, outcome))}")
    else:
        st.markdown("**Outcome:** still in progress")
    mean = summary["mean_score"]
    scores, replies, unscored = st.columns(3)
    scores.metric("Mean score", "—" if mean is None else f"{mean:.0f}/100",
                  help="Averaged over scored replies only.")
    replies.metric("Replies", summary["replies"])
    unscored.metric("Unscored", summary["unscored"], help="Replies the judge could not grade; not counted as 0.")
    rows = [
        {
            "Criterion": c["title"],
            "Mean level": "—" if c["mean_level"] is None else f"{c['mean_level']:g}/{c['max_level']}",
        }
        for c in summary["criteria"].values()
    ]
    st.dataframe(rows, hide_index=True, width="stretch")
    moods = [m for m in summary["mood"] if m["anger"] is not None]
    if len(moods) > 1:
        st.markdown("**Customer mood over the turns**")
        chart = {"turn": [m["turn"] for m in moods]} | {n: [m[n] for m in moods] for n in MOOD_NAMES}
        st.line_chart(chart, x="turn", y=list(MOOD_NAMES), height=220)
