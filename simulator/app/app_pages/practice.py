"""Practice: pick a scenario, talk to the customer, read the feedback on every reply."""

import time

import streamlit as st

from simulator import accounts
from simulator.app import components, routes, state, voice_routes
from simulator.app.services import get_services
from simulator.app.text import _, language
from simulator.llm.base import LLMError
from simulator.i18n import N_
from simulator.session import (MAX_REPLY_CHARS, DuplicateReply, GradingBusy, ReplyRejected, SessionClosed,
                               TrainingSession, TurnBusy, grade_state, needs_customer, progress)
from simulator.store import assignments
from simulator.store.database import StoreError
from simulator.store.recordings import recordings_of
from simulator.store.records import Turn
from simulator.voice.audio import AudioRejected
from simulator.voice.backends import SpeechUnavailable
from simulator.voice.live import VoiceLine, speak_along, speak_text
from simulator.voice.spoken import SpokenReply
from simulator.voice.style import speech_style

#: How long the page waits for a fast judge before it redraws without the verdict.
VERDICT_GRACE_SECONDS = 1.5
#: How often the page looks for a verdict or a customer message still on its way.
POLL_SECONDS = 2
CUSTOMER_PROBLEMS = {
    "failed": N_("The customer's message could not be generated (the model failed). Your reply is saved."),
    "incomplete": N_("The customer's message was cut off. Your reply is saved; you can ask for the whole message again."),
    "interrupted": N_("The customer's message was interrupted (the page was reloaded or closed). Your reply is saved."),
    "pending": N_("The customer's message never arrived. Your reply is saved."),
}


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
    services.warm_judge_for(by_id[choice])  # a local judge reads the rubric while the trainee reads the card
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
    if not accounts.may_continue(user, session.record.trainee):
        # Someone else's session id (typed or shared): the same answer as an unknown id.
        st.warning(_("There is no session {session} of yours. Start a new one.").format(
            session=components.escape_markdown(session_id)))
        state.clear_session()
        return None
    state.keep_session_in_url()
    return session


def header(session: TrainingSession, turns: list[Turn]) -> None:
    title, pause, leave, end = st.columns([3, 1, 1, 1.4], vertical_alignment="bottom")
    title.subheader(components.escape_markdown(session.scenario.title))
    title.caption(_("Session {session} · {trainee}").format(
        session=session.id, trainee=components.escape_markdown(session.record.trainee)))
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
    show_mood, line = not session.assessment or session.finished, live_line(session)
    if not show_mood and line is None:
        return
    with st.sidebar:
        # In an assessment the mood is not shown until the end; the customer still speaks.
        mood = session.mood(turns) if show_mood else None
        if line is not None:
            components.customer_voice(line, mood, session.scenario.persona.name)
        else:
            components.customer_face(mood, session.scenario.persona.name)
        if mood is not None:
            components.mood_meter(mood)


def live_line(session: TrainingSession) -> VoiceLine | None:
    """This tab's live voice line on a voice scenario served with the voice routes (the
    customer speaks each sentence as it streams); None where messages are played whole."""
    if session.scenario.channel != "voice" or get_services().tts is None or not voice_routes.MOUNTED:
        return None
    return state.voice_line()


def play_turn(session: TrainingSession, reply: str, spoken: SpokenReply | None = None) -> None:
    """Store the reply, stream the customer, then redraw from the database. The verdict is
    not waited for: it is graded in the background and appears when ready (`verdict_watch`),
    so the trainee can read the customer and write the next reply meanwhile."""
    try:
        pending = session.submit(reply, spoken=spoken)
    except DuplicateReply:  # a double click or a second tab: the reply is stored once
        st.info(_("This reply was already sent; it is stored once."), icon=":material/done:")
        return
    except (TurnBusy, StoreError) as exc:
        # Not stored (another tab's reply holds the turn, or the database is locked or
        # read-only): the text is kept, with the reason and a button to send it again.
        state.keep_unsent(session.id, reply, components.error_text(exc))
        st.rerun()
    except (ReplyRejected, SessionClosed) as exc:
        st.warning(components.error_text(exc), icon=":material/warning:")
        return
    state.clear_unsent()
    with components.trainee_message():
        st.text(pending.reply)
    stream_pending(session, pending)


def stream_pending(session: TrainingSession, pending) -> None:
    """Stream the customer's message of a stored reply (on a voice scenario, spoken
    sentence by sentence as it comes); on a fault, say so (the retry buttons are drawn
    after the rerun, from what was stored)."""
    chunks = pending.stream_customer()
    line = live_line(session)
    if line is not None:
        tts, scenario = get_services().tts, session.scenario
        style = speech_style(scenario.persona, pending.mood_before_verdict)
        chunks = speak_along(chunks, lambda sentence: tts.speak(sentence, scenario.language, style),
                             line, pending.turn_id)
    try:
        with components.customer_message():
            components.stream_text(chunks)
    except (LLMError, StoreError) as exc:
        st.error(_("The customer's message could not be completed: {error}. Your reply is saved.")
                 .format(error=components.error_text(exc)))
        return
    pending.settled(timeout=VERDICT_GRACE_SECONDS)  # a fast judge's verdict shows at once
    st.rerun()


def repair(session: TrainingSession, turns: list[Turn]) -> None:
    """Buttons for what a fault left behind: a customer message to ask for again, verdicts
    to grade again, a reply the database did not take."""
    last = turns[-1]
    if needs_customer(last):
        st.warning(_(CUSTOMER_PROBLEMS.get(last.customer_status, CUSTOMER_PROBLEMS["interrupted"])),
                   icon=":material/sync_problem:")
        failures = [e.detail for e in last.guard_events if e.kind.startswith("model_") and e.detail]
        if failures:  # what the backend said, e.g. how to repair the model file
            st.caption(components.escape_markdown(failures[-1]))
        if st.button(_("Ask the customer again"), icon=":material/refresh:", type="primary"):
            try:
                pending = session.regenerate()
            except (ReplyRejected, SessionClosed, StoreError) as exc:
                st.warning(components.error_text(exc))
            else:
                stream_pending(session, pending)
    ungraded = session.ungraded(turns)
    if ungraded and st.button(grade_again_label(ungraded), icon=":material/grading:"):
        with st.spinner(_("Grading your reply…")):
            try:
                for turn in ungraded:
                    try:
                        session.regrade(turn.id)
                    except GradingBusy:  # another tab started it meanwhile: its verdict is on its way
                        continue
            except StoreError as exc:
                st.error(components.error_text(exc))
                return
        st.rerun()
    unsent(session)


def grade_again_label(ungraded: list[Turn]) -> str:
    """Says what the replies are: unscored (the judge failed) or without any grade."""
    unscored = sum(1 for t in ungraded if grade_state(t) == "unscored")
    missing = len(ungraded) - unscored
    if not missing:
        return _("Grade again ({count} unscored)").format(count=unscored)
    if not unscored:
        return _("Grade again ({count} not graded)").format(count=missing)
    return _("Grade again ({unscored} unscored, {missing} not graded)").format(unscored=unscored, missing=missing)


def unsent(session: TrainingSession) -> None:
    """A reply that was not stored (database or another tab in the way), with the reason
    and a button to send it again."""
    kept = state.unsent(session.id)
    if kept:
        text, error = kept
        st.error(_("Your reply was not sent: {error}").format(error=error))
        st.markdown(f"**{_('Not sent yet')}**")
        st.text(text)
        if st.button(_("Send again"), icon=":material/send:", type="primary"):
            play_turn(session, text)


@st.fragment(run_every=POLL_SECONDS)
def watch(session_id: str, customer: bool, drawn: tuple) -> None:
    """While a verdict (or, from another tab or a reload, the customer's message) is on
    its way, look again every few seconds and redraw the page as soon as anything the page
    drew from has changed (`drawn`: `progress` of the turns it showed): each verdict shows
    when it is stored, not only when the last of several is."""
    services = get_services()
    session = TrainingSession.resume(services, session_id)
    turns = session.turns()
    if progress(turns) != drawn:
        st.rerun(scope="app")
    st.caption(_("The customer is still answering…") if customer else _("Grading your reply…"))


def finished(session: TrainingSession, turns: list[Turn]) -> None:
    st.success(_("This session has ended."), icon=":material/flag:")
    debrief = session.debrief(language(), turns)
    if debrief is not None:
        components.debrief_panel(debrief)
    if session.grading(turns):  # the last verdict may still be on its way
        watch(session.id, customer=False, drawn=progress(turns))
    components.session_summary(session.summary(turns))
    if st.button(_("Start a new session"), type="primary"):
        state.clear_session()
        st.rerun()
    st.divider()
    st.markdown(f"**{_('Transcript')}**")
    components.transcript(turns, session.rubric, subject=session.scenario.subject)


def conversation(session: TrainingSession, turns: list[Turn]) -> None:
    practice = not session.assessment
    if not practice:
        st.caption(_("Assessment: no coach and no feedback until the session ends."))
    voice = session.scenario.channel == "voice"
    components.transcript(turns, session.rubric, show_feedback=practice, subject=session.scenario.subject,
                          spoken=recordings_of(get_services().store.db, session.id) if voice else None)
    if voice:
        speak_last(session, turns)
    if session.waiting_for_customer(turns):
        # Another tab's (or a reloaded page's) reply is being answered. The input stays,
        # so a reply typed meanwhile is kept as "not sent yet" instead of vanishing.
        watch(session.id, customer=True, drawn=progress(turns))
        unsent(session)
        reply = reply_input(session, turns)
        if reply is not None:
            play_turn(session, *reply)
        return
    if practice and session.grading(turns):
        watch(session.id, customer=False, drawn=progress(turns))
    repair(session, turns)
    if practice:
        components.coach_panel(session.coach(language(), turns))
    reply = reply_input(session, turns)
    if reply is not None:
        play_turn(session, *reply)


def speak_last(session: TrainingSession, turns: list[Turn]) -> None:
    """The customer's last message aloud, in the persona's voice and the mood it was
    written in, to play again. Where the live player spoke it as it streamed, it does not
    play by itself; elsewhere it plays by itself while it arrives. The text stays on screen."""
    tts, last = get_services().tts, turns[-1]
    if tts is None or not last.customer_text or last.customer_status == "pending" or last.mood is None:
        return
    style, language_ = speech_style(session.scenario.persona, last.mood), session.scenario.language
    line, first = live_line(session), state.arriving(last.id)
    if line is not None and first and not line.has_turn(last.id):
        # Not streamed in this tab (the opening, or another tab's message): said now.
        speak_text(last.customer_text, lambda sentence: tts.speak(sentence, language_, style), line, last.id)
    components.message_audio(tts, last.id, last.customer_text, language_, style, autoplay=line is None and first,
                             problem=line.problem if line is not None else None)


def reply_input(session: TrainingSession, turns: list[Turn]) -> tuple[str, SpokenReply | None] | None:
    """(the reply, the recording it was corrected from, if spoken), once one is sent."""
    if session.scenario.channel == "email":
        text = email_input()
    elif session.scenario.channel == "voice":
        sent = voice_input(session, turns)
        if sent is not None:
            return sent
        text = chat_input()  # typing stays possible in a voice scenario
    else:
        text = chat_input()
    return None if text is None else (text, None)


def voice_input(session: TrainingSession, turns: list[Turn]) -> tuple[str, SpokenReply] | None:
    """Record the reply, read what was heard, correct it, send it."""
    stt = get_services().stt
    if stt is None:
        st.caption(_("Speech recognition is switched off here: type your reply."))
        return None
    recorded = st.audio_input(_("Record your reply"), key=state.recording_key(session.id, len(turns)))
    if recorded is not None and state.spoken(session.id, recorded.file_id) is None:
        received_at, line = time.monotonic(), live_line(session)
        with st.spinner(_("Listening to your reply…")):
            try:
                heard = session.hear(recorded.getvalue(), left_at=line.left_at if line is not None else None,
                                     received_at=received_at)
            except (AudioRejected, SpeechUnavailable) as exc:
                st.warning(components.error_text(exc), icon=":material/mic_off:")
                return None
        state.keep_spoken(session.id, recorded.file_id, heard)
    heard = state.spoken(session.id, recorded.file_id if recorded is not None else None)
    if heard is None:
        return None
    # No coaching in an assessment until it ends: the signals are not shown there.
    text = components.spoken_reply_form(state.SPOKEN_FORM, heard, MAX_REPLY_CHARS, coach=not session.assessment)
    if text is None:
        return None
    state.clear_spoken()
    return text, heard


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
    turns = session.turns()  # once per rerun: every part of the page draws from the same read
    header(session, turns)
    if session.finished:
        finished(session, turns)
    else:
        conversation(session, turns)
