"""History: past sessions, each with its transcript, verdicts and summary."""

import streamlit as st

from simulator import accounts
from simulator.app import components, routes, state
from simulator.app.services import get_services
from simulator.app.text import N_, _, language
from simulator.session import TrainingSession
from simulator.store import usage
from simulator.store.recordings import recordings_of
from simulator.store.repository import list_sessions

ALL = "All trainees"  # the "everyone" option (user names have no spaces); shown translated

services = get_services()
user = routes.guard("history")
st.title(_("History"))

# Only the sessions this user may see: their own; a trainer's teams; everyone for hr/admin.
people = accounts.visible_people(services.store.db, user)
everyone = list_sessions(services.store.db, people=people)
if not everyone:
    st.info(_("No sessions yet. Start one on the Practice page."))
    st.stop()

trainees = sorted({row["trainee"] for row in everyone})
who = st.selectbox(_("Trainee"), [ALL, *trainees], key=state.HISTORY_TRAINEE,
                   format_func=components.option_labels({ALL: N_("All trainees")}))
rows = everyone if who == ALL else list_sessions(services.store.db, trainee=who, people=people)


library = services.library  # once per run: every read checks for new content versions


def title_of(scenario_id: str) -> str:
    scenario = library.scenarios.get(scenario_id)
    return scenario.title if scenario else scenario_id


def started(row: dict) -> str:
    return row["started_at"][:16].replace("T", " ")


tokens = usage.totals_for_sessions(services.store.db, [r["id"] for r in rows])


def tokens_in_out(session_id: str) -> str | None:
    """Tokens in and out as "1200 / 340", with ≈ in front when a count was estimated;
    None without recorded calls."""
    found = tokens.get(session_id)
    if found is None:
        return None
    return ("≈" if found.estimated else "") + f"{found.prompt_tokens} / {found.completion_tokens}"


def cost_of(session_id: str) -> float | None:
    found = tokens.get(session_id)
    return None if found is None or found.cost_usd is None else round(found.cost_usd, 4)


def usage_caption(found: usage.SessionUsage | None) -> str:
    """The opened session's tokens in and out, the estimated cost when known, and whether
    the counts were estimated."""
    if found is None:
        return _("No token counts were recorded for this session.")
    parts = [_("Model tokens: {tokens_in} in, {tokens_out} out.").format(
        tokens_in=found.prompt_tokens, tokens_out=found.completion_tokens)]
    if found.cost_usd is not None:
        text = (_("Estimated cost: {cost} USD.") if found.cost_complete else
                _("Estimated cost of the priced calls: {cost} USD (the other models have no price)."))
        parts.append(text.format(cost=f"{found.cost_usd:.4f}"))
    if found.estimated:
        parts.append(_("Some counts are estimates, not reported by the model server."))
    return " ".join(parts)


st.dataframe(
    [
        {
            _("Started (UTC)"): started(r),
            _("Scenario"): title_of(r["scenario_id"]),
            _("Trainee"): r["trainee"],
            _("Replies"): r["replies"],
            _("Mean score"): None if r["avg_score"] is None else round(r["avg_score"]),
            _("Unscored"): r["unscored"],
            _("Tokens in / out"): tokens_in_out(r["id"]),
            _("Cost (USD)"): cost_of(r["id"]),
            _("Outcome"): components.named(components.OUTCOME_NAMES, r["outcome"]) or _("in progress"),
            # Trials of drafts and sessions left early are kept but never counted.
            _("Counted"): not (r.get("trial") or r["outcome"] == "left"),
        }
        for r in rows
    ],
    hide_index=True,
    width="stretch",
    column_config={
        _("Scenario"): st.column_config.TextColumn(width="medium"),
        _("Replies"): st.column_config.NumberColumn(width="small"),
        _("Mean score"): st.column_config.NumberColumn(_("Mean"), width="small", help=_("Over scored replies only")),
        _("Unscored"): st.column_config.NumberColumn(width="small"),
        _("Tokens in / out"): st.column_config.TextColumn(
            help=_("Tokens sent to and received from the models; ≈ marks counts estimated here, not reported by "
                   "the model server")),
        _("Cost (USD)"): st.column_config.NumberColumn(
            format="%.4f", help=_("Estimated from the price table; empty where no model call had a price")),
    },
)

by_id = {r["id"]: r for r in rows}
session_labels = {i: _("{started} UTC · {scenario} · {trainee}").format(
    started=started(r), scenario=title_of(r["scenario_id"]), trainee=r["trainee"]) for i, r in by_id.items()}
chosen = st.selectbox(
    _("Open a session"),
    list(by_id),
    format_func=session_labels.get,
    key=state.HISTORY_SESSION,
)
try:
    session = TrainingSession.resume(services, chosen)
except KeyError as exc:  # its scenario or rubric is no longer in the library
    st.warning(_("This session cannot be shown: {error}").format(error=components.error_text(exc)))
    st.stop()

st.subheader(components.escape_markdown(session.scenario.title))
debrief = session.debrief(language()) if session.finished else None
if debrief is not None:
    components.debrief_panel(debrief)
if session.assessment and not session.finished:
    st.caption(_("Assessment in progress: scores are shown when it ends."))
else:
    components.session_summary(session.summary())
st.caption(usage_caption(tokens.get(session.id)))
if not session.finished and accounts.may_continue(user, session.record.trainee) and st.button(_("Continue this session"), type="primary", icon=":material/play_arrow:"):
    state.set_session_id(session.id)
    routes.go_to_practice()
st.markdown(f"**{_('Transcript')}**")
# An assessment shows its feedback only once it is over, here as on the practice page.
components.transcript(session.turns(), session.rubric, show_feedback=session.finished or not session.assessment,
                      spoken=recordings_of(services.store.db, session.id) if session.scenario.channel == "voice" else None,
                      subject=session.scenario.subject)
