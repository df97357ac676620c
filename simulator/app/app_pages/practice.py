"""Practice: pick a scenario, talk to the customer, read the feedback on every reply."""

import streamlit as st

from simulator import accounts
from simulator.app import components, routes, state
from simulator.app.services import get_services
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
    st.markdown("**Your assignments**")
    library = services.library
    for item in mine:
        scenario = library.scenarios.get(item["scenario_id"])
        if scenario is None:
            continue
        with st.container(border=True):
            text, action = st.columns([4, 1], vertical_alignment="center")
            due = f"due {item['due']}" if item["due"] else "no due date"
            status = "done" if item["done"] else "open"
            text.markdown(f"**{components.escape_markdown(scenario.title)}** · {item['mode']} · {due} · {status}")
            if item["note"]:
                text.caption(components.escape_markdown(item["note"]))
            if action.button("Start this assignment", key=f"assignment_{item['id']}", icon=":material/play_arrow:",
                             type="secondary" if item["done"] else "primary"):
                session = TrainingSession.start(services, scenario.id, trainee=state.trainee(),
                                                mode=item["mode"], assignment_id=item["id"])
                state.set_session_id(session.id)
                st.rerun()
    st.divider()


def pick_scenario(services) -> None:
    st.title("Practise a conversation")
    my_assignments(services)
    scenarios = sorted(services.catalog.active_scenarios(), key=lambda s: (s.language, s.title))
    choice = st.selectbox(
        "Scenario",
        [s.id for s in scenarios],
        format_func=lambda i: services.library.scenarios[i].title,
        key=state.SCENARIO_CHOICE,
    )
    components.scenario_card(services.library.scenarios[choice])
    if "scripted" in (services.customer_model.spec, services.judge.model.spec):
        st.caption("Demo mode: scripted models answer; the scores are not real grades.")
    if st.button("Start", type="primary", icon=":material/play_arrow:"):
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
        st.warning(f"This session cannot be continued: {components.error_text(exc)}. Start a new one.")
        state.clear_session()
        return None
    if not accounts.may_continue(user, session.row):
        # Someone else's session id (typed or shared): the same answer as an unknown id.
        st.warning(f"There is no session {components.escape_markdown(session_id)} of yours. Start a new one.")
        state.clear_session()
        return None
    state.keep_session_in_url()
    return session


def header(session: TrainingSession) -> None:
    title, pause, leave, end = st.columns([3, 1, 1, 1.4], vertical_alignment="bottom")
    title.subheader(components.escape_markdown(session.scenario.title))
    title.caption(f"Session {session.id} · {components.escape_markdown(session.row['trainee'])}")
    if not session.finished:
        if pause.button("Pause", icon=":material/pause:", help="Stop for now; continue later from History."):
            state.clear_session()
            state.mark_paused(session.id)
            st.rerun()
        if leave.button("Leave", icon=":material/logout:", help="End now; this session is not counted."):
            session.end("left")
            st.rerun()
        if end.button("End session", icon=":material/stop_circle:", help="End now and see your results."):
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
        st.warning("Another reply to this turn was just stored (is the session open twice?). Reload the page.")
        return
    try:
        with components.trainee_message():
            st.text(pending.reply)
            feedback = st.empty()
        with components.customer_message():
            components.stream_text(pending.stream_customer())
        with feedback.container(), st.spinner("Grading your reply…"):
            pending.result()
    except (LLMError, StoreError) as exc:
        st.error(f"This turn could not be completed: {components.error_text(exc)}. "
                 "Your reply is saved; reload the page to continue.")
        return
    st.rerun()


def finished(session: TrainingSession) -> None:
    st.success("This session has ended.", icon=":material/flag:")
    debrief = session.debrief()
    if debrief is not None:
        components.debrief_panel(debrief)
    components.session_summary(session.summary())
    if st.button("Start a new session", type="primary"):
        state.clear_session()
        st.rerun()
    st.divider()
    st.markdown("**Transcript**")
    components.transcript(session.turns(), session.rubric, subject=session.scenario.subject)


def conversation(session: TrainingSession) -> None:
    practice = not session.assessment
    if not practice:
        st.caption("Assessment: no coach and no feedback until the session ends.")
    components.transcript(session.turns(), session.rubric, show_feedback=practice, subject=session.scenario.subject)
    if practice:
        components.coach_panel(session.coach())
    reply = email_input() if session.scenario.channel == "email" else chat_input()
    if reply is not None:
        play_turn(session, reply)


def chat_input() -> str | None:
    return st.chat_input("Your reply to the customer", max_chars=MAX_REPLY_CHARS)


def email_input() -> str | None:
    """An e-mail is written as a whole, so it gets a full text area and a send button."""
    with st.form(state.EMAIL_FORM, clear_on_submit=True):
        text = st.text_area("Your e-mail to the customer", height=260, max_chars=MAX_REPLY_CHARS,
                            placeholder="Greeting, your answer to each point, the next step with a date, your name.")
        sent = st.form_submit_button("Send e-mail", type="primary", icon=":material/send:")
    return text if sent else None


services = get_services()
user = routes.guard("practice")
session = open_session(services)
if session is None:
    paused = state.take_paused()
    if paused:
        st.info(f"Session {paused} is paused. Continue it any time from History.", icon=":material/pause:")
    pick_scenario(services)
else:
    header(session)
    if session.finished:
        finished(session)
    else:
        conversation(session)
