"""Practice: pick a scenario, talk to the customer, read the feedback on every reply."""

import streamlit as st

from simulator import accounts
from simulator.app import components, routes, state
from simulator.app.services import get_services
from simulator.app.text import _, language
from simulator.llm.base import LLMError
from simulator.session import MAX_REPLY_CHARS, ReplyRejected, SessionClosed, TrainingSession
from simulator.store.database import StoreError
from simulator.store import assignments
from simulator.store.repository import DuplicateTurn


def my_assignments(services) -> None:
    """A trainee's assignments come first: due soonest, open ones before done ones."""
    mine = assignments.for_person(services.store.db, state.trainee())
    if not mine:
        return
    st.markdown(f"**{_('Your assignments')}**")
    library = services.library
    for item in mine:
        scenario = library.scenarios.get(item["scenario_id"])
        if scenario is None:
            continue
        with st.container(border=True):
            text, action = st.columns([4, 1], vertical_alignment="center")
            due = _("due {date}").format(date=item["due"]) if item["due"] else _("no due date")
            status = _("done") if item["done"] else _("open")
            mode = components.named(components.MODE_NAMES, item["mode"])
            text.markdown(f"**{components.escape_markdown(scenario.title)}** · {mode} · {due} · {status}")
            if item["note"]:
                text.caption(components.escape_markdown(item["note"]))
            if action.button(_("Start this assignment"), key=f"assignment_{item['id']}", icon=":material/play_arrow:",
                             type="secondary" if item["done"] else "primary"):
                session = TrainingSession.start(services, scenario.id, trainee=state.trainee(),
                                                mode=item["mode"], assignment_id=item["id"])
                state.set_session_id(session.id)
                st.rerun()
    st.divider()


def pick_scenario(services) -> None:
    st.title(_("Practise a conversation"))
    my_assignments(services)
    scenarios = sorted(services.catalog.active_scenarios(), key=lambda s: (s.language, s.title))
    by_id = {s.id: s for s in scenarios}
    choice = st.selectbox(
        _("Scenario"),
        list(by_id),
        format_func=lambda i: by_id[i].title,
        key=state.SCENARIO_CHOICE,
    )
    components.scenario_card(by_id[choice])
    if "scripted" in (services.customer_model.spec, services.judge.model.spec):
        st.caption(_("Demo mode: scripted models answer; the scores are not real grades."))
    if st.button(_("Start"), type="primary", icon=":material/play_arrow:"):
        session = TrainingSession.start(services, choice, trainee=state.trainee())
        state.set_session_id(session.id)
        st.rerun()


def open_session(services) -> TrainingSession | None:
    session_id = state.session_id()
    if not session_id:
        return None
    try:
        session = TrainingSession.resume(services, session_id)
    except KeyError as exc:  # unknown id, or its scenario is no longer in the library
        st.warning(_("This session cannot be continued: {error}. Start a new one.").format(
            error=components.error_text(exc)))
        state.clear_session()
        return None
    if not accounts.may_continue(user, session.row):
        # Someone else's session id (typed or shared): the same answer as an unknown id.
        st.warning(_("There is no session {session} of yours. Start a new one.").format(
            session=components.escape_markdown(session_id)))
        state.clear_session()
        return None
    state.keep_session_in_url()
    return session


def header(session: TrainingSession) -> None:
    title, pause, leave, end = st.columns([3, 1, 1, 1.4], vertical_alignment="bottom")
    title.subheader(components.escape_markdown(session.scenario.title))
    title.caption(_("Session {session} · {trainee}").format(
        session=session.id, trainee=components.escape_markdown(session.row["trainee"])))
    if not session.finished:
        if pause.button(_("Pause"), icon=":material/pause:", help=_("Stop for now; continue later from History.")):
            state.clear_session()
            state.mark_paused(session.id)
            st.rerun()
        if leave.button(_("Leave"), icon=":material/logout:", help=_("End now; this session is not counted.")):
            session.end("left")
            st.rerun()
        if end.button(_("End session"), icon=":material/stop_circle:", help=_("End now and see your results.")):
            session.end("ended")
            st.rerun()
    if not session.assessment or session.finished:
        with st.sidebar:
            components.customer_face(session.mood(), session.scenario.persona.name)
            components.mood_meter(session.mood())


def play_turn(session: TrainingSession, reply: str) -> None:
    """Store the reply, stream the customer, wait for the verdict, then redraw from the DB."""
    try:
        pending = session.submit(reply)
    except (ReplyRejected, SessionClosed) as exc:
        st.warning(components.error_text(exc), icon=":material/warning:")
        return
    except DuplicateTurn:  # the same session open in two tabs, both sending at once
        st.warning(_("Another reply to this turn was just stored (is the session open twice?). Reload the page."))
        return
    try:
        with components.trainee_message():
            st.text(pending.reply)
            feedback = st.empty()
        with components.customer_message():
            components.stream_text(pending.stream_customer())
        with feedback.container(), st.spinner(_("Grading your reply…")):
            pending.result()
    except (LLMError, StoreError) as exc:
        st.error(_("This turn could not be completed: {error}. Your reply is saved; reload the page to continue.")
                 .format(error=components.error_text(exc)))
        return
    st.rerun()


def finished(session: TrainingSession) -> None:
    st.success(_("This session has ended."), icon=":material/flag:")
    debrief = session.debrief(language())
    if debrief is not None:
        components.debrief_panel(debrief)
    components.session_summary(session.summary())
    if st.button(_("Start a new session"), type="primary"):
        state.clear_session()
        st.rerun()
    st.divider()
    st.markdown(f"**{_('Transcript')}**")
    components.transcript(session.turns(), session.rubric, subject=session.scenario.subject)


def conversation(session: TrainingSession) -> None:
    practice = not session.assessment
    if not practice:
        st.caption(_("Assessment: no coach and no feedback until the session ends."))
    components.transcript(session.turns(), session.rubric, show_feedback=practice, subject=session.scenario.subject)
    if practice:
        components.coach_panel(session.coach(language()))
    reply = email_input() if session.scenario.channel == "email" else chat_input()
    if reply is not None:
        play_turn(session, reply)


def chat_input() -> str | None:
    return st.chat_input(_("Your reply to the customer"), max_chars=MAX_REPLY_CHARS)


def email_input() -> str | None:
    """An e-mail is written as a whole, so it gets a full text area and a send button."""
    with st.form(state.EMAIL_FORM, clear_on_submit=True):
        text = st.text_area(_("Your e-mail to the customer"), height=260, max_chars=MAX_REPLY_CHARS,
                            placeholder=_("Greeting, your answer to each point, the next step with a date, your name."))
        sent = st.form_submit_button(_("Send e-mail"), type="primary", icon=":material/send:")
    return text if sent else None


services = get_services()
user = routes.guard("practice")
session = open_session(services)
if session is None:
    paused = state.take_paused()
    if paused:
        st.info(_("Session {session} is paused. Continue it any time from History.").format(session=paused),
                icon=":material/pause:")
    pick_scenario(services)
else:
    header(session)
    if session.finished:
        finished(session)
    else:
        conversation(session)
