"""Rendering helpers shared by the pages: transcript, verdict card, mood meter, summary.

Everything a trainee, a customer model or a judge model wrote is shown as plain text
(`st.text`, or Markdown with every special character escaped): a reply such as
`<script>` or `**bold**` must appear exactly as typed, never be interpreted.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterable
from typing import Any

import streamlit as st

from simulator.app.avatar import avatar_label, avatar_svg
from simulator.content.schema import Rubric, Scenario
from simulator.judge.agreement import Agreement
from simulator.judge.verdict import Verdict
from simulator.roleplay.coach import CoachNote, Debrief
from simulator.roleplay.mood import MoodState
from simulator.store.labels import combine_levels, record_score

TRAINEE_AVATAR = ":material/support_agent:"
CUSTOMER_AVATAR = ":material/person:"
LANGUAGES = {"en": "English", "de": "German"}
OUTCOMES = {
    "resolved": "Resolved: the customer's concern was settled.",
    "abandoned": "Abandoned: the customer gave up on the conversation.",
    "turn_limit": "Turn limit reached before the concern was settled.",
    "ended": "Ended by you.",
    "left": "You left early. This session is not counted in any score or report.",
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


def guard_summary(events: list[dict[str, Any]]) -> str:
    return "; ".join(f"attempt {e.get('attempt')}: {e.get('kind')}" for e in events)


def customer_checks(turn: dict[str, Any]) -> None:
    """For trainers: the customer's answer, its guard events and the facts the reply earned."""
    st.text(turn.get("customer_text") or "(no customer message stored)")
    events = turn.get("guard_events") or []
    st.caption("Guard events: " + (escape_markdown(guard_summary(events)) if events else "none"))
    earned = turn.get("facts_earned") or []
    check = turn.get("fact_check") or {}
    line = f"Facts earned by this reply: {escape_markdown(', '.join(earned)) if earned else 'none'}"
    if check.get("error"):
        line += f" (the model check failed: {escape_markdown(check['error'])})"
    st.caption(line)


def transcript(
    turns: list[dict[str, Any]], rubric: Rubric, *, show_feedback: bool = True,
    subject: str | None = None, show_checks: bool = False,
) -> None:
    """The stored conversation: each reply with its verdict, each customer message.

    Trainers' labels (`turn["labels"]`) are shown as the score of record next to the judge.
    """
    last_reply = max((t["idx"] for t in turns if t["trainee_text"]), default=None)
    for turn in turns:
        if turn["trainee_text"]:
            with trainee_message():
                st.text(turn["trainee_text"])
                if show_feedback:
                    verdict = turn["verdict"]
                    with st.expander(feedback_label(verdict), expanded=turn["idx"] == last_reply):
                        verdict_card(verdict, rubric, turn.get("labels"))
        customer_turn(turn, subject, show_checks)


def customer_turn(turn: dict[str, Any], subject: str | None = None, show_checks: bool = False) -> None:
    """`subject`: the e-mail subject for an e-mail scenario (shown above each e-mail).
    `show_checks`: list the guard events (for trainers reviewing the customer model)."""
    if turn["customer_text"]:
        with customer_message():
            if subject:
                st.caption(f"Subject: {'' if turn['idx'] == 0 else 'Re: '}{escape_markdown(subject)}")
            st.text(turn["customer_text"])
            note = CUSTOMER_NOTES.get(turn["customer_status"])
            if note:
                st.caption(note)
            if show_checks and turn.get("guard_events"):
                st.caption("Checks on this message: " + escape_markdown(guard_summary(turn["guard_events"])))
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


def verdict_card(verdict: Verdict | None, rubric: Rubric, labels: dict[str, dict[str, Any]] | None = None) -> None:
    """Score, per-criterion level with rationale and evidence, tip and better reply.

    An unscored verdict says "Unscored" and why; it is never shown as a zero. Where a
    trainer labelled a criterion (`labels`: criterion -> newest label), the trainer's level
    is the score of record and is shown next to the judge's.
    """
    labels = labels or {}
    if verdict is None:
        st.caption("This reply has no grade yet.")
        trainer_levels(labels, rubric)
        return
    if verdict.status != "scored" or verdict.score is None:
        st.markdown("**Unscored**")
        st.text(verdict.reason or "The judge gave no grade for this reply.")
        st.caption("Unscored replies are left out of your average; they can be graded again later.")
        trainer_levels(labels, rubric)
        review_note(verdict)
        signals_caption(verdict.signals)
        return
    record = combine_levels(verdict, labels)
    if labels:
        score = record_score(rubric, record)
        shown = "—" if score is None else f"{score:.0f}/100"
        st.markdown(f"**Score: {shown}** · judge {verdict.score:.0f}/100")
        st.caption("A trainer labelled this reply: the trainer's levels are the score of record.")
    else:
        st.markdown(f"**Score: {verdict.score:.0f}/100**")
    for criterion_id, title in _criteria(verdict, rubric):
        _criterion(title, verdict.criteria[criterion_id], record.get(criterion_id))
    review_note(verdict)
    signals_caption(verdict.signals)
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


def _criterion(title: str, criterion, record: dict[str, Any] | None = None) -> None:
    """One compact block: title and level, the rationale, then the evidence quotes."""
    if criterion.status == "scored" and criterion.level is not None:
        level = f"{criterion.level}/{criterion.max_level}"
    else:
        level = "Unscored"
    if record and record["source"] == "human":
        level = f"judge {level} · trainer {record['human']}/{criterion.max_level}"
    line = f"**{escape_markdown(title)}** · {level}"
    if criterion.confidence < 1:
        line += f" · confidence {criterion.confidence:.0%}"
    explanation = criterion.rationale if criterion.status == "scored" else (criterion.reason or criterion.rationale)
    if explanation:
        line += f"  \n{escape_markdown(explanation)}"
    st.markdown(line)
    if criterion.evidence:
        st.caption("Evidence: " + " · ".join(f"“{escape_markdown(q)}”" for q in criterion.evidence))


def trainer_levels(labels: dict[str, dict[str, Any]], rubric: Rubric) -> None:
    """Trainers' levels where the judge has none to show them next to."""
    if not labels:
        return
    maxima = {c.id: c.max_level for c in rubric.criteria}
    titles = {c.id: c.title for c in rubric.criteria}
    parts = [
        f"{escape_markdown(titles.get(cid, cid))} {row['level']}/{maxima.get(cid, '?')}"
        for cid, row in labels.items()
    ]
    st.markdown("**Trainer's levels (score of record):** " + " · ".join(parts))


def review_note(verdict: Verdict) -> None:
    """The judge's own doubt about a verdict, so nobody takes it for a settled grade."""
    if verdict.needs_review:
        reasons = "; ".join(verdict.review_reasons) or "flagged by the grading checks"
        st.warning(f"Needs human review: {escape_markdown(reasons)}", icon=":material/flag:")


# -- deterministic signals ------------------------------------------------------------

# The signals computed in code next to the judge (see simulator/judge), in display order.
SIGNAL_NAMES = {
    "words": "Words",
    "sentences": "Sentences",
    "questions": "Questions",
    "open_questions": "Open questions",
    "feeling_sentences": "Sentences with words of feeling",
    "cliches": "Clichés",
    "repeats_earlier": "Repeats an earlier reply",
    "repeated_sentences": "Repeated sentences",
    "addressed_to_grader": "Addressed to the grader",
}


# Every reply resembles earlier ones a little; the transcript mentions it from here on.
REPEAT_SHOWN = 0.5


def _count(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, (list, tuple, set, dict)):
        return len(value)
    return 1 if value else 0


def _share(value: Any) -> float | None:
    """A similarity as a fraction 0..1, whichever shape it is stored in."""
    if isinstance(value, dict):
        value = next((value[k] for k in ("similarity", "ratio", "score", "share") if k in value), None)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value / 100 if value > 1 else float(value)


def _phrases(value: Any, width: int = 40) -> str:
    if not isinstance(value, (list, tuple, set)):
        return ""
    quoted = []
    for item in value:
        text = " ".join(str(item).split())
        quoted.append(f"“{text if len(text) <= width else text[: width - 1].rstrip() + '…'}”")
    return ", ".join(quoted)


def signal_value(key: str, value: Any) -> str:
    """One signal as plain text (for the review page's table)."""
    if value is None:
        return "—"
    if key == "repeats_earlier":
        share = _share(value)
        if share is not None:
            return f"{share:.0%}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple, set)):
        return _phrases(value, width=200) or "none"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def signals_summary(signals: dict[str, Any] | None) -> str:
    """One plain line, e.g. "42 words · 2 questions (1 open) · clichés: “…” · repeats earlier reply 83%".

    Compact on purpose: sentences and low similarities are left to the review page's table.
    """
    signals = signals or {}
    parts = []
    if "words" in signals:
        parts.append(f"{_count(signals['words'])} words")
    if "questions" in signals:
        questions = f"{_count(signals['questions'])} questions"
        if "open_questions" in signals:
            questions += f" ({_count(signals['open_questions'])} open)"
        parts.append(questions)
    elif "open_questions" in signals:
        parts.append(f"{_count(signals['open_questions'])} open questions")
    cliches = signals.get("cliches")
    if cliches:
        parts.append(f"clichés: {_phrases(cliches)}" if _phrases(cliches) else f"{_count(cliches)} clichés")
    repeats = signals.get("repeats_earlier")
    share = _share(repeats)
    if share is not None and share >= REPEAT_SHOWN:
        parts.append(f"repeats earlier reply {share:.0%}")
    elif share is None and repeats:
        parts.append("repeats an earlier reply")
    if signals.get("repeated_sentences"):
        parts.append(f"{_count(signals['repeated_sentences'])} repeated sentences")
    grader = signals.get("addressed_to_grader")
    if grader:
        parts.append(f"addressed to the grader: {_phrases(grader)}" if _phrases(grader) else "addressed to the grader")
    return " · ".join(parts)


def signals_caption(signals: dict[str, Any] | None) -> None:
    line = signals_summary(signals)
    if line:
        st.caption(escape_markdown(line))


def signals_table(signals: dict[str, Any] | None) -> None:
    """Every known signal that is present, one row each (the review page)."""
    rows = [
        {"Signal": name, "Value": signal_value(key, signals[key])}
        for key, name in SIGNAL_NAMES.items()
        if signals and key in signals
    ]
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")


# -- labels -----------------------------------------------------------------------------


def record_levels_view(record: dict[str, dict[str, Any]], rubric: Rubric) -> None:
    """Per criterion the score of record and where it came from; disagreements stand out."""
    for criterion in rubric.criteria:
        entry = record.get(criterion.id)
        if entry is None:
            continue
        top = criterion.max_level
        shown = "no level" if entry["record"] is None else f"{entry['record']}/{top}"
        judge = "unscored" if entry["judge"] is None else f"{entry['judge']}/{top}"
        line = f"**{escape_markdown(criterion.title)}** · record {shown}"
        if entry["source"] == "human":
            line += f" (trainer) · judge {judge}"
            if entry["judge"] is not None and entry["judge"] != entry["human"]:
                line += " · :orange[**the judge disagrees**]"
        else:
            line += " (judge; not labelled)"
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
                "Criterion": titles.get(cid, cid),
                "n": a.n,
                "Unscored": a.unscored,
                "Kappa": figure(a.kappa),
                "Exact": figure(a.exact),
                "Within one": figure(a.within_one),
            }
            for cid, a in results.items()
        ],
        hide_index=True,
        width="stretch",
        column_config={
            "n": st.column_config.NumberColumn(help="Labelled criteria the judge gave a level for"),
            "Kappa": st.column_config.TextColumn(help="Quadratic-weighted kappa; — when undefined"),
        },
    )


# -- mood and summary ---------------------------------------------------------------


def customer_face(mood: MoodState, name: str, language: str = "en") -> None:
    """The avatar drawn from the mood, with its text label for screen readers and for
    anyone who cannot read a face."""
    svg = avatar_svg(mood.label, anger=mood.anger, anxiety=mood.anxiety, trust=mood.trust, name=name)
    label = html.escape(avatar_label(mood.label, "en", name), quote=True)
    # Streamlit's HTML sanitiser drops inline <svg>, but keeps an <img> with a data URI:
    # still drawn by the app, no external asset, and the alt text carries the label.
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    st.html(f'<img class="customer-face" data-mood="{mood.label}" alt="{label}" width="120" height="120" '
            f'src="data:image/svg+xml;base64,{data}">')
    st.caption(escape_markdown(avatar_label(mood.label, "en", name)))


def coach_panel(note: CoachNote) -> None:
    with st.container(border=True):
        st.markdown("**Coach**")
        st.markdown(f":material/psychology: {escape_markdown(note.needs)}")
        st.markdown(f":material/lightbulb: **Try:** {escape_markdown(note.suggestion)}")


def debrief_panel(debrief: Debrief) -> None:
    with st.container(border=True):
        st.markdown("**Debrief**")
        st.markdown(f"**What went well:** {escape_markdown(debrief.went_well)}")
        st.markdown(f"**One thing to try next time:** {escape_markdown(debrief.try_next)}")
        st.info(escape_markdown(debrief.support), icon=":material/favorite:")


def facts_uncovered(facts: list[dict[str, Any]]) -> None:
    if not facts:
        return
    found = sum(1 for f in facts if f["turn"] is not None)
    st.markdown(f"**What you uncovered:** {found} of {len(facts)} things the customer had not said at first")
    for fact in facts:
        if fact["turn"] is None:
            st.markdown(f"- :material/help: Not uncovered: {escape_markdown(fact['fact'])}")
        else:
            st.markdown(f"- :material/check_circle: Reply {fact['turn']}: {escape_markdown(fact['fact'])}")


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
    if scenario.distressing:
        st.caption("You can pause or leave at any time; leaving early is never counted against you. "
                   "A short debrief follows the session.")


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
    facts_uncovered(summary.get("facts") or [])
    moods = [m for m in summary["mood"] if m["anger"] is not None]
    if len(moods) > 1:
        st.markdown("**Customer mood over the turns**")
        chart = {"turn": [m["turn"] for m in moods]} | {n: [m[n] for m in moods] for n in MOOD_NAMES}
        st.line_chart(chart, x="turn", y=list(MOOD_NAMES), height=220)
