"""The conversation: trainee and customer messages, streaming, the transcript, the checks
on the customer model."""

from __future__ import annotations

from collections.abc import Iterable
import streamlit as st
from simulator.app.text import _
from simulator.app.text import language as interface_language

from simulator.content.schema import Rubric
from simulator.session import grade_state

from simulator.store.records import GuardEvent, Turn
from simulator.voice.signals import VoiceSignals
from simulator.app.components.common import CUSTOMER_AVATAR, CUSTOMER_NOTES, TRAINEE_AVATAR, escape_markdown
from simulator.app.components.signals import voice_signals_caption
from simulator.app.components.verdicts import feedback_label, pending_feedback, verdict_card


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


def guard_summary(events: list[GuardEvent]) -> str:
    return "; ".join(_("attempt {attempt}: {kind}").format(attempt=e.attempt, kind=e.kind) for e in events)


def customer_checks(turn: Turn) -> None:
    """For trainers: the customer's answer, its guard events and the facts the reply earned."""
    st.text(turn.customer_text or _("(no customer message stored)"))
    st.caption(_("Guard events: {events}").format(
        events=escape_markdown(guard_summary(turn.guard_events)) if turn.guard_events else _("none")))
    facts = escape_markdown(", ".join(turn.facts_earned)) if turn.facts_earned else _("none")
    error = turn.fact_check.error if turn.fact_check is not None else None
    if error:
        line = _("Facts earned by this reply: {facts} (the model check failed: {error})").format(
            facts=facts, error=escape_markdown(error))
    else:
        line = _("Facts earned by this reply: {facts}").format(facts=facts)
    st.caption(line)
    plan = turn.customer_plan
    if plan is not None:
        st.caption(_("Plan of this message: the reply read as {move}; beat {beat}; facts to tell: {tell}; "
                     "written by: {source}").format(
            move=escape_markdown(plan.move), beat=escape_markdown(plan.beat),
            tell=escape_markdown(", ".join(plan.tell)) or _("none"),
            source=escape_markdown(turn.customer_source or "model")))


def transcript(
    turns: list[Turn], rubric: Rubric, *, show_feedback: bool = True,
    subject: str | None = None, show_checks: bool = False, spoken: dict | None = None,
) -> None:
    """The stored conversation: each reply with its verdict, each customer message.

    Trainers' labels (`Turn.labels`) are shown as the score of record next to the judge.
    `spoken`: turn id -> its recording (voice scenarios): how the reply was spoken is
    shown under it, next to its levels.
    """
    last_reply = max((t.idx for t in turns if t.trainee_text), default=None)
    for turn in turns:
        if turn.trainee_text:
            with trainee_message():
                st.text(turn.trainee_text)
                if show_feedback and spoken and turn.id in spoken:  # coaching, like the verdict
                    voice_signals_caption(VoiceSignals(**spoken[turn.id].signals), interface_language())
                if show_feedback:
                    state = grade_state(turn)
                    with st.expander(feedback_label(turn.verdict, state), expanded=turn.idx == last_reply):
                        if state in ("grading", "missing"):
                            pending_feedback(state, turn.labels, rubric)
                        else:
                            verdict_card(turn.verdict, rubric, turn.labels)
        customer_turn(turn, subject, show_checks)


def customer_turn(turn: Turn, subject: str | None = None, show_checks: bool = False) -> None:
    """`subject`: the e-mail subject for an e-mail scenario (shown above each e-mail).
    `show_checks`: list the guard events (for trainers reviewing the customer model)."""
    if turn.customer_text:
        with customer_message():
            if subject:
                # "Re: " is the mail convention in either language.
                st.caption(_("Subject: {subject}").format(
                    subject=("" if turn.idx == 0 else "Re: ") + escape_markdown(subject)))
            st.text(turn.customer_text)
            note = CUSTOMER_NOTES.get(turn.customer_status)
            if note:
                st.caption(_(note))
            if show_checks and turn.guard_events:
                st.caption(_("Checks on this message: {events}").format(
                    events=escape_markdown(guard_summary(turn.guard_events))))
    elif turn.idx > 0 and turn.customer_status in ("interrupted", "failed"):
        with customer_message():
            st.caption(_("No answer from the customer was stored for this reply (it was interrupted)."))
