"""Rendering helpers shared by the pages: transcript, verdict card, mood meter, summary.

Everything a trainee, a customer model or a judge model wrote is shown as plain text
(`st.text`, or Markdown with every special character escaped): a reply such as
`<script>` or `**bold**` must appear exactly as typed, never be interpreted.

Every label of our own goes through `_` (the interface language); the module constants
below hold English msgids marked with `N_` and are translated where they are shown.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable, Iterable
from typing import Any

import streamlit as st

from simulator.app.avatar import avatar_label, avatar_svg
from simulator.app.text import N_, _
from simulator.app.text import language as interface_language
from simulator.content.schema import Rubric, Scenario
from simulator.i18n import Translatable
from simulator.judge.agreement import Agreement
from simulator.judge.verdict import Verdict
from simulator.roleplay.coach import CoachNote, Debrief
from simulator.roleplay.mood import MoodState
from simulator.session import grade_state
from simulator.score_of_record import combine_levels, record_score
from simulator.store.records import GuardEvent, Label, Turn

TRAINEE_AVATAR = ":material/support_agent:"
CUSTOMER_AVATAR = ":material/person:"
LANGUAGES = {"en": N_("English"), "de": N_("German")}
OUTCOMES = {
    "resolved": N_("Resolved: the customer's concern was settled."),
    "abandoned": N_("Abandoned: the customer gave up on the conversation."),
    "turn_limit": N_("Turn limit reached before the concern was settled."),
    "ended": N_("Ended by you."),
    "left": N_("You left early. This session is not counted in any score or report."),
}
#: The outcome as a table shows it (the stored value is the key).
OUTCOME_NAMES = {
    "resolved": N_("resolved"),
    "abandoned": N_("abandoned"),
    "turn_limit": N_("turn_limit"),
    "ended": N_("ended"),
    "left": N_("left"),
}
CUSTOMER_NOTES = {
    "incomplete": N_("The customer's message was cut off."),
    "fallback": N_("A prepared line from the scenario (the model's answer did not pass its checks)."),
}
MOOD_NAMES = ("anger", "anxiety", "trust")
#: Mood dimensions as the meter labels them, and as the chart's legend does.
MOOD_TITLES = {"anger": N_("Anger"), "anxiety": N_("Anxiety"), "trust": N_("Trust")}
MOOD_SERIES = {"anger": N_("anger"), "anxiety": N_("anxiety"), "trust": N_("trust")}
MOOD_LABELS = {"calm": N_("calm"), "anxious": N_("anxious"), "angry": N_("angry"), "relieved": N_("relieved")}
ROLE_NAMES = {"trainee": N_("trainee"), "trainer": N_("trainer"), "hr": N_("hr"), "admin": N_("admin")}
MODE_NAMES = {"practice": N_("practice"), "assessment": N_("assessment")}
CHANNEL_NAMES = {"chat": N_("chat"), "email": N_("email"), "voice": N_("voice")}
ASSIGNEE_KINDS = {"person": N_("person"), "team": N_("team")}


#: Streamlit's own date placeholder and multiselect prompt are English: set per language.
DATE_FORMATS = {"de": "DD.MM.YYYY", "en": "YYYY/MM/DD"}


def date_format() -> str:
    return DATE_FORMATS.get(interface_language(), "YYYY/MM/DD")


def choose_prompt() -> str:
    """The placeholder of a multiselect (Streamlit's default is "Choose options")."""
    return _("Choose…")


def named(names: dict[str, str], value: str | None) -> str:
    """A stored value (a mode, a role, ...) as the interface shows it; unknown values as they are."""
    if value is None:
        return ""
    return _(names[value]) if value in names else str(value)


def option_labels(names: dict[Any, str], other: Callable[[Any], str] | None = None) -> Callable[[Any], str]:
    """A format_func that shows options by name in this run's language: `names` maps option
    values to msgids (marked with N_), `other` names the rest (default: the value itself).
    The names are translated now, so the function gives the same labels whenever
    Streamlit (or a test) calls it."""
    labels = {value: _(name) for value, name in names.items()}

    def label(value: Any) -> str:
        if value in labels:
            return labels[value]
        return other(value) if other is not None else str(value)

    return label


def assignee(kind: str, name: str) -> str:
    """Who an assignment is for, e.g. "team: north"."""
    return f"{named(ASSIGNEE_KINDS, kind)}: {name}"

# Every ASCII punctuation character can be backslash-escaped in CommonMark; escaping all of
# them also disarms Streamlit's own directives (":red[...]", ":material/...:", "$math$").
_MARKDOWN_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")


def escape_markdown(text: str) -> str:
    """Text that Markdown shows literally, on one line (for captions and labels)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def error_text(exc: BaseException) -> str:
    """An exception's message, escaped for st.warning/st.error (KeyError adds quotes); in
    the interface language where the error carries a translatable message."""
    if isinstance(exc, Translatable):
        return escape_markdown(exc.translated(interface_language()))
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
    subject: str | None = None, show_checks: bool = False,
) -> None:
    """The stored conversation: each reply with its verdict, each customer message.

    Trainers' labels (`Turn.labels`) are shown as the score of record next to the judge.
    """
    last_reply = max((t.idx for t in turns if t.trainee_text), default=None)
    for turn in turns:
        if turn.trainee_text:
            with trainee_message():
                st.text(turn.trainee_text)
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


# -- verdicts -----------------------------------------------------------------------


def feedback_label(verdict: Verdict | None, state: str | None = None) -> str:
    """The expander's title. `state` (session.grade_state): a reply being graded is never
    called unscored, even when an earlier verdict was."""
    if state == "grading":
        return _("Feedback: being graded…")
    if verdict is None:
        return _("Feedback: not graded")
    if verdict.status != "scored" or verdict.score is None:
        return _("Feedback: Unscored")
    return _("Feedback: {score}/100").format(score=f"{verdict.score:.0f}")


def pending_feedback(state: str, labels: dict[str, Label] | None, rubric: Rubric) -> None:
    """A reply without a verdict to show: on its way, or left without one."""
    if state == "grading":
        st.caption(_("The judge is grading this reply; the feedback appears here when it is ready. "
                     "You can go on with the conversation meanwhile."))
    else:
        st.caption(_("This reply was not graded: the grading stopped before it stored a verdict "
                     "(the app was restarted?). Use Grade again."))
    trainer_levels(labels or {}, rubric)


def verdict_card(verdict: Verdict | None, rubric: Rubric, labels: dict[str, Label] | None = None) -> None:
    """Score, per-criterion level with rationale and evidence, tip and better reply.

    An unscored verdict says "Unscored" and why; it is never shown as a zero. Where a
    trainer labelled a criterion (`labels`: criterion -> newest label), the trainer's level
    is the score of record and is shown next to the judge's.
    """
    labels = labels or {}
    if verdict is None:
        st.caption(_("This reply has no grade yet."))
        trainer_levels(labels, rubric)
        return
    if verdict.status != "scored" or verdict.score is None:
        st.markdown(f"**{_('Unscored')}**")
        st.text(verdict.reason or _("The judge gave no grade for this reply."))
        st.caption(_("Unscored replies are left out of your average; they can be graded again later."))
        trainer_levels(labels, rubric)
        review_note(verdict)
        signals_caption(verdict.signals)
        return
    record = combine_levels(verdict, labels)
    if labels:
        score = record_score(rubric, record)
        shown = "—" if score is None else f"{score:.0f}/100"
        st.markdown(_("**Score: {shown}** · judge {judge}/100").format(shown=shown, judge=f"{verdict.score:.0f}"))
        st.caption(_("A trainer labelled this reply: the trainer's levels are the score of record."))
    else:
        st.markdown(_("**Score: {score}/100**").format(score=f"{verdict.score:.0f}"))
    judge_reliability(verdict.fit, rubric, verdict.method)
    for criterion_id, title in _criteria(verdict, rubric):
        _criterion(title, verdict.criteria[criterion_id], record.get(criterion_id))
    if verdict.stock:
        st.caption(_("Stock phrases (checked in code): {sentences}").format(
            sentences=" · ".join(f"“{escape_markdown(s)}”" for s in verdict.stock[:4])))
    review_note(verdict)
    signals_caption(verdict.signals)
    if verdict.feedback_state == "pending":
        st.caption(_("Writing the tip and a better reply…"))
    elif verdict.feedback_state == "failed":
        st.caption(_("The tip and the better reply could not be written for this reply; the levels stand."))
    if verdict.tip:
        st.markdown(f"**{_('Tip')}**")
        st.text(verdict.tip)
    if verdict.better_reply:
        st.markdown(f"**{_('A better reply')}**")
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
        level = _("Unscored")
    if record and record["source"] == "human":
        level = _("judge {judge} · trainer {trainer}").format(
            judge=level, trainer=f"{record['human']}/{criterion.max_level}")
    line = f"**{escape_markdown(title)}** · {level}"
    if criterion.confidence < 1:
        line += " · " + _("confidence {share}").format(share=f"{criterion.confidence:.0%}")
    explanation = criterion.rationale if criterion.status == "scored" else (criterion.reason or criterion.rationale)
    if explanation:
        line += f"  \n{escape_markdown(explanation)}"
    st.markdown(line)
    if criterion.evidence:
        st.caption(_("Evidence: {quotes}").format(
            quotes=" · ".join(f"“{escape_markdown(q)}”" for q in criterion.evidence)))


def trainer_levels(labels: dict[str, Label], rubric: Rubric) -> None:
    """Trainers' levels where the judge has none to show them next to."""
    if not labels:
        return
    maxima = {c.id: c.max_level for c in rubric.criteria}
    titles = {c.id: c.title for c in rubric.criteria}
    parts = [
        f"{escape_markdown(titles.get(cid, cid))} {label.level}/{maxima.get(cid, '?')}"
        for cid, label in labels.items()
    ]
    st.markdown(_("**Trainer's levels (score of record):** {levels}").format(levels=" · ".join(parts)))


METHOD_NOTES = {
    "logprobs": N_("Levels read from the judge model's probabilities and decided in code."),
    "constrained": N_("Levels from the judge model's written answers: this model server returns no "
                      "probabilities, so the calibrated thresholds do not apply."),
    "mixed": N_("Some levels were read from the model's probabilities; for the others the server returned "
                "none and the model's written answer was used."),
    "code": N_("Every level was decided by rules in code."),
}


def judge_reliability(fit, rubric: Rubric, method: str = "", *, stale: bool = False) -> None:
    """One click from a score to how far the judge can be trusted on this rubric: its
    agreement with labelled replies per criterion (`fit`: a FitSummary or LevelFit)."""
    with st.popover(_("How reliable is this judge?"), icon=":material/verified:"):
        if method in METHOD_NOTES:
            st.caption(_(METHOD_NOTES[method]))
        if fit is None:
            st.markdown(_("No calibration is stored for this rubric and judge model: levels are the model's "
                          "expected level, rounded, and their agreement with people is not measured. "
                          "Run `{command}`.").format(command=f"empathy-sim calibrate --rubric {rubric.id} --fit"))
            return
        if stale:
            st.warning(_("The rubric or the judge changed since this calibration: run `{command}` again.").format(
                command=f"empathy-sim calibrate --rubric {rubric.id} --fit"), icon=":material/update:")
        kappa = fit.kappa if hasattr(fit, "kappa") else {cid: c.kappa for cid, c in fit.criteria.items()}
        counts = fit.n if hasattr(fit, "n") else {cid: c.n for cid, c in fit.criteria.items()}
        titles = {c.id: c.title for c in rubric.criteria}
        st.dataframe(
            [{_("Criterion"): titles.get(cid, cid), "n": counts.get(cid, 0),
              _("Kappa"): "—" if value is None else f"{value:.2f}"} for cid, value in kappa.items()],
            hide_index=True, width="stretch",
            column_config={_("Kappa"): st.column_config.TextColumn(
                help=_("Quadratic-weighted kappa with the labels, each predicted without itself; "
                       "1 is full agreement, 0 chance. Two people agree at about 0.7."))})
        sources = ", ".join(f"{n} {_(SOURCE_NAMES.get(name, name))}" for name, n in fit.sources.items() if n)
        st.caption(_("Calibrated on {date} from {sources}.").format(date=fit.created_at[:10], sources=sources))


def fit_table(fit, rubric: Rubric) -> None:
    """A stored calibration per criterion: labels, thresholds, agreement (leave-one-out) and
    what was missing where a criterion could not be fitted."""
    titles = {c.id: c.title for c in rubric.criteria}

    def figure(value: float | None) -> str:
        return "—" if value is None else f"{value:.2f}"

    st.dataframe(
        [{_("Criterion"): titles.get(cid, cid), "n": c.n,
          _("Labels per level"): " · ".join(f"{level}: {n}" for level, n in c.counts.items()),
          _("Thresholds"): " / ".join(f"{t:.2f}" for t in c.thresholds),
          _("Kappa"): figure(c.kappa), _("Kappa without calibration"): figure(c.kappa_unfitted)}
         for cid, c in fit.criteria.items()],
        hide_index=True, width="stretch",
        column_config={_("Kappa"): st.column_config.TextColumn(
            help=_("Quadratic-weighted kappa with the labels, each predicted without itself"))})
    for cid, why in fit.refused.items():
        st.caption(_("{criterion}: not calibrated ({why}).").format(criterion=titles.get(cid, cid), why=why))
    sources = ", ".join(f"{n} {_(SOURCE_NAMES.get(name, name))}" for name, n in fit.sources.items() if n)
    st.caption(_("Calibrated on {date} from {sources}.").format(date=fit.created_at[:10], sources=sources))


SOURCE_NAMES = {"rubric examples": N_("rubric examples"), "trainer labels": N_("trainer labels"),
                "labelled file": N_("labelled replies from a file")}


def review_note(verdict: Verdict) -> None:
    """The judge's own doubt about a verdict, so nobody takes it for a settled grade."""
    if verdict.needs_review:
        reasons = "; ".join(verdict.review_reasons) or _("flagged by the grading checks")
        st.warning(_("Needs human review: {reasons}").format(reasons=escape_markdown(reasons)), icon=":material/flag:")


# -- deterministic signals ------------------------------------------------------------

# The signals computed in code next to the judge (see simulator/judge), in display order.
SIGNAL_NAMES = {
    "words": N_("Words"),
    "sentences": N_("Sentences"),
    "questions": N_("Questions"),
    "open_questions": N_("Open questions"),
    "feeling_sentences": N_("Sentences with words of feeling"),
    "cliches": N_("Clichés"),
    "repeats_earlier": N_("Repeats an earlier reply"),
    "repeated_sentences": N_("Repeated sentences"),
    "addressed_to_grader": N_("Addressed to the grader"),
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
        return _("yes") if value else _("no")
    if isinstance(value, (list, tuple, set)):
        return _phrases(value, width=200) or _("none")
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
        parts.append(_("{n} words").format(n=_count(signals["words"])))
    if "questions" in signals:
        if "open_questions" in signals:
            parts.append(_("{n} questions ({open} open)").format(
                n=_count(signals["questions"]), open=_count(signals["open_questions"])))
        else:
            parts.append(_("{n} questions").format(n=_count(signals["questions"])))
    elif "open_questions" in signals:
        parts.append(_("{n} open questions").format(n=_count(signals["open_questions"])))
    cliches = signals.get("cliches")
    if cliches:
        parts.append(_("clichés: {phrases}").format(phrases=_phrases(cliches)) if _phrases(cliches)
                     else _("{n} clichés").format(n=_count(cliches)))
    repeats = signals.get("repeats_earlier")
    share = _share(repeats)
    if share is not None and share >= REPEAT_SHOWN:
        parts.append(_("repeats earlier reply {share}").format(share=f"{share:.0%}"))
    elif share is None and repeats:
        parts.append(_("repeats an earlier reply"))
    if signals.get("repeated_sentences"):
        parts.append(_("{n} repeated sentences").format(n=_count(signals["repeated_sentences"])))
    grader = signals.get("addressed_to_grader")
    if grader:
        parts.append(_("addressed to the grader: {phrases}").format(phrases=_phrases(grader)) if _phrases(grader)
                     else _("addressed to the grader"))
    return " · ".join(parts)


def signals_caption(signals: dict[str, Any] | None) -> None:
    line = signals_summary(signals)
    if line:
        st.caption(escape_markdown(line))


def signals_table(signals: dict[str, Any] | None) -> None:
    """Every known signal that is present, one row each (the review page)."""
    rows = [
        {_("Signal"): _(name), _("Value"): signal_value(key, signals[key])}
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


# -- mood and summary ---------------------------------------------------------------


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
