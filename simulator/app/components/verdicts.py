"""The verdict card: score of record, levels with rationale and evidence, tip and better
reply, and how far the judge can be trusted (its calibration)."""

from __future__ import annotations
from typing import Any

import streamlit as st
from simulator.app.text import N_, _

from simulator.content.schema import Rubric
from simulator.judge.verdict import Verdict
from simulator.score_of_record import combine_levels, record_score
from simulator.store.records import Label
from simulator.app.components.common import escape_markdown
from simulator.app.components.signals import signals_caption


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
