"""Review: trainers label graded replies; their levels become the score of record."""

import streamlit as st

from simulator import accounts
from simulator.app import components, routes, state
from simulator.app.services import get_services
from simulator.app.text import _
from simulator.score_of_record import combine_levels
from simulator.store.labels import (
    NotLabellable,
    add_labels,
    customer_message_before,
    review_queue,
    stored_agreement,
)
from simulator.store.repository import get_turn

QUEUE_LIMIT = 50


def pick_rubric(services):
    # Rubrics that scenarios use first (they are the ones with replies to review).
    library = services.library  # once: every read checks for new content versions
    used = {s.rubric for s in library.scenarios.values()}
    rubrics = sorted(library.rubrics.values(), key=lambda r: (r.id not in used, r.title))
    if not rubrics:
        st.info(_("No rubric is loaded. Add rubric YAML files and reload the page."))
        st.stop()
    chosen = st.selectbox(
        _("Rubric"), [r.id for r in rubrics],
        format_func=lambda i: f"{library.rubrics[i].title} ({i})",
        key=state.REVIEW_RUBRIC,
    )
    return library.rubric(chosen)


def just_saved(db, rubric) -> None:
    """Once, after a save: the record levels of the reply just labelled."""
    turn_id = state.saved_review()
    if turn_id is None:
        return
    state.set_saved_review(None)
    with st.container(border=True):
        st.success(_("Your labels are saved. The score of record for that reply:"), icon=":material/check:")
        turn = get_turn(db, turn_id)
        if turn is not None:
            components.record_levels_view(combine_levels(turn.verdict, turn.labels), rubric)


def queue_label(row: dict) -> str:
    """A plain-text line for the queue (selectbox options are not Markdown)."""
    flags = []
    if row["needs_review"]:
        flags.append("⚑ " + _("review"))
    flags.append(_("unscored") if row["status"] != "scored" or row["score"] is None else f"{row['score']:.0f}/100")
    if row["labelled"]:
        flags.append(_("labelled"))
    text = " ".join(row["trainee_text"].split())
    text = text if len(text) <= 60 else text[:59] + "…"
    when = (row["created_at"] or "")[:16].replace("T", " ")
    return f"{' · '.join(flags)} · {row['trainee']} · {when} · {text}"


def show_reply(db, row: dict, rubric) -> None:
    """The customer message, the reply, and everything the judge and the checks said."""
    turn_id = row["turn_id"]
    st.markdown(f"**{_('The customer wrote')}**")
    with st.container(border=True):
        st.text(customer_message_before(db, turn_id) or _("(no customer message stored)"))
    st.markdown(_("**The reply** · {trainee} · turn {turn}").format(
        trainee=components.escape_markdown(row["trainee"]), turn=row["idx"]))
    with st.container(border=True):
        st.text(row["trainee_text"])
    turn = get_turn(db, turn_id)
    verdict = turn.verdict if turn is not None else None
    st.markdown(f"**{_('The judge')}**")
    components.verdict_card(verdict, rubric)
    if verdict is not None and verdict.signals:
        with st.expander(_("Signals computed in code")):
            components.signals_table(verdict.signals)
    if turn is not None and turn.labels:
        st.markdown(f"**{_('Score of record so far')}**")
        components.record_levels_view(combine_levels(turn.verdict, turn.labels), rubric)
    if turn is not None:
        with st.expander(_("What the customer model did with this reply")):
            components.customer_checks(turn)


def label_form(db, turn_id: int, rubric) -> None:
    """One input per criterion (no preset: the judge's level must not anchor the trainer)."""
    with st.form(f"review_form_{turn_id}"):
        st.markdown(f"**{_('Your levels')}**")
        chosen = {
            criterion.id: st.radio(
                components.escape_markdown(criterion.title),
                sorted(criterion.levels),
                index=None,
                format_func=lambda level, c=criterion: components.level_choice(level, c.levels[level]),
                help=components.anchors_help(criterion.levels),
                key=state.review_level_key(turn_id, criterion.id),
            )
            for criterion in rubric.criteria
        }
        note = st.text_area(_("Note (optional)"), max_chars=1000, key=state.review_note_key(turn_id))
        st.caption(_("Saved under your name: {name}").format(name=components.escape_markdown(state.trainee())))
        submitted = st.form_submit_button(_("Save labels"), type="primary", icon=":material/save:")
    if not submitted:
        return
    levels = {cid: level for cid, level in chosen.items() if level is not None}
    if not levels:
        st.warning(_("Choose a level for at least one criterion, then save."))
        return
    try:
        add_labels(db, turn_id, levels, state.trainee(), note)
    except NotLabellable as exc:
        st.warning(components.error_text(exc))
        return
    state.set_saved_review(turn_id)
    st.rerun()


def agreement_panel(db, rubric) -> None:
    st.subheader(_("Judge and trainers"))
    results = stored_agreement(db, rubric)
    if not results:
        st.caption(_("No labelled replies for this rubric yet."))
        return
    components.agreement_table(results, rubric)
    st.caption(
        _("The judge's stored levels against the newest trainer label per reply; no model is called. "
          "To regrade the labelled replies with the current judge: {command}.").format(
            command=f"`empathy-sim calibrate --rubric {rubric.id} --from-db`")
    )


services = get_services()
db = services.store.db
user = routes.guard("review")
st.title(_("Review replies"))
st.caption(_("Label graded replies with your own levels. Your label becomes the score of record; "
             "the judge's level stays next to it, so disagreements show."))
rubric = pick_rubric(services)
flagged_column, unlabelled_column = st.columns(2)
only_flagged = flagged_column.toggle(_("Flagged for review only"), key=state.REVIEW_ONLY_FLAGGED)
unlabelled_only = unlabelled_column.toggle(_("Unlabelled only"), key=state.REVIEW_UNLABELLED_ONLY)
just_saved(db, rubric)

# A trainer sees the replies of the teams they train; admins see everyone's.
queue = review_queue(db, rubric.id, only_flagged=only_flagged, unlabelled_only=unlabelled_only, limit=QUEUE_LIMIT,
                     people=accounts.visible_people(db, user))
if not queue:
    st.info(_("No graded replies match these filters."))
else:
    by_turn = {row["turn_id"]: row for row in queue}
    if len(queue) == QUEUE_LIMIT:
        queue_title = _("Reply to review: {n} in the queue (the first {limit})").format(n=len(queue), limit=QUEUE_LIMIT)
    else:
        queue_title = _("Reply to review: {n} in the queue").format(n=len(queue))
    labels = {t: queue_label(row) for t, row in by_turn.items()}  # translated now, not when Streamlit calls
    turn_id = st.selectbox(queue_title, list(by_turn), format_func=labels.get, key=state.REVIEW_TURN)
    show_reply(db, by_turn[turn_id], rubric)
    label_form(db, turn_id, rubric)
st.divider()
agreement_panel(db, rubric)
