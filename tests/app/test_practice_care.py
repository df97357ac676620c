"""Practice page: coach, avatar, pause and leave, e-mail channel, assessment and debrief."""

from __future__ import annotations

import base64

from simulator.app import state
from simulator.app.components import escape_markdown
from simulator.config import DEFAULT_SUPPORT_NOTE
from simulator.store.repository import Store, get_session, list_sessions
from tests.support.pages import app, click, ok, reply, start, texts


def choose(at, scenario_id: str):
    ok(at.run())
    at.selectbox(key=state.SCENARIO_CHOICE).set_value(scenario_id)
    return click(ok(at.run()), "Start")


def markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_coach_and_face_before_each_reply(db):
    at = start(app())
    text = markdown(at)
    # the opening mood (anger 6, anxiety 5, trust 3) reads as angry
    assert "**Coach**" in text and "The customer is angry and wants to be taken seriously" in text
    # nothing has been graded yet, so the coach points at the hidden fact's hint
    assert "Ask what the blocked card is affecting this week" in text
    [face] = at.sidebar.html
    assert 'class="customer-face"' in face.proto.body and 'alt="Dana looks ' in face.proto.body
    svg = base64.b64decode(face.proto.body.split("base64,")[1].split('"')[0]).decode()
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert any("Dana looks" in c.value for c in at.sidebar.caption)


def test_a_face_changes_with_the_mood(db):
    at = start(app())
    before = at.html[0].proto.body
    reply(at, "Please calm down.")  # an escalation phrase: anger rises at once
    after = at.html[0].proto.body
    assert before != after


def test_pause_keeps_the_session_open_for_later(db):
    at = start(app())
    session_id = at.session_state[state.SESSION_ID]
    click(at, "Pause")
    assert any(f"Session {session_id} is paused" in i.value for i in at.info)
    [row] = list_sessions(Store(db).db)
    assert row["id"] == session_id and row["status"] != "finished"


def test_leaving_early_is_not_counted(db):
    at = start(app())
    session_id = at.session_state[state.SESSION_ID]
    click(at, "Leave")
    assert get_session(Store(db).db, session_id).outcome == "left"
    assert "not counted" in markdown(at)


def test_an_email_scenario_takes_a_whole_email(db):
    at = choose(app(), "wrong-bill-email")
    assert any(c.value == "Subject: Charged twice for March" for c in at.caption)
    assert not at.chat_input, "an e-mail is written in a text area, not a chat line"
    email = "Dear Ms Patel,\n\nI have refunded the second payment today.\n\nKind regards,\nTom"
    at.text_area[0].set_value(email)
    [send] = [b for b in at.button if b.label == "Send e-mail"]
    ok(send.click().run())
    assert email in texts(at)
    assert any(c.value.startswith("Subject: Re: Charged twice") for c in at.caption)


def test_assessment_hides_coach_mood_and_feedback_until_the_end(db):
    at = choose(app(), "widow-assessment")
    assert "**Coach**" not in markdown(at)
    assert not at.sidebar.html, "no face in an assessment: it would show the mood"
    reply(at, "I am so sorry for your loss. Take your time; we can do this together.")
    assert not [e for e in at.expander if e.label.startswith("Feedback")]
    assert "**Coach**" not in markdown(at)
    click(at, "End session")
    text = markdown(at)
    assert "**Debrief**" in text and "**What went well:**" in text
    assert escape_markdown(DEFAULT_SUPPORT_NOTE) in [i.value for i in at.info]  # none configured: the default
    assert [e for e in at.expander if e.label.startswith("Feedback")]
