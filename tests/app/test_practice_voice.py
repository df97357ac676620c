"""A voice scenario on the practice page (AppTest, scripted models, a real local
OpenAI-compatible recogniser): record, read what was heard, correct it, send; typing
stays possible; a recording that cannot be used is refused and nothing is stored."""

from __future__ import annotations

import json
import shutil

import pytest

from simulator.app import state
from simulator.store.recordings import recordings_of
from simulator.store.repository import Store, get_turns
from tests.support.audio_test_server import AudioTestServer, tone
from tests.support.pages import FIXTURES, app, click, ok, texts


@pytest.fixture
def phone(db, tmp_path, monkeypatch):
    """The test content with the card scenario on the phone, and a recogniser that hears
    the trainee's words with one word wrong."""
    folder = tmp_path / "scenarios"
    shutil.copytree(FIXTURES / "scenarios", folder)
    card = folder / "frozen-card.yaml"
    card.write_text(card.read_text(encoding="utf-8").replace("channel: chat", "channel: voice"), encoding="utf-8")
    monkeypatch.setenv("EMPATHY_SIM_SCENARIOS", str(folder))
    with AudioTestServer(transcript="I am sorry, um, I will lift the block on your cart now.") as server:
        monkeypatch.setenv("EMPATHY_SIM_STT", f"openai-compatible:whisper-1@{server.base_url}")
        monkeypatch.setenv("EMPATHY_SIM_TTS", "embedded")  # espeak-ng: `make test` installs it
        yield server


def started(at):
    ok(at.run())
    return click(at, "Start")


def test_a_spoken_reply_is_heard_corrected_and_sent(db, phone):
    at = started(app())
    session_id = at.session_state[state.SESSION_ID]
    ok(at.audio_input[0].set_value(("reply.wav", tone(3.0, level=0.3), "audio/wav")).run())
    heard = at.text_area[0]
    assert heard.value == "I am sorry, um, I will lift the block on your cart now."
    assert any("filler words: um" in c.value for c in at.caption)
    heard.set_value("I am sorry, I will lift the block on your card now.")  # sent with the form
    click(at, "Send")
    turns = get_turns(Store(db).db, session_id)
    assert turns[1].trainee_text == "I am sorry, I will lift the block on your card now."
    stored = recordings_of(Store(db).db, session_id)[turns[1].id]
    assert stored.raw_transcript.endswith("on your cart now.") and stored.engine.startswith("openai-compatible")
    assert phone.requests[-1]["language"] == "en"
    assert "I am sorry, I will lift the block on your card now." in texts(at)
    assert any("filler words: um" in c.value for c in at.caption), "how it was spoken, under the reply"
    assert not at.text_area, "the next turn starts with a fresh recorder"
    [audio] = at.get("audio")  # the customer's answer, aloud, by itself as it arrives
    assert audio.proto.autoplay and audio.proto.url
    ok(at.run())  # a rerun right away (a verdict landing) draws it the same
    assert at.get("audio")[0].proto.autoplay
    arrived = at.session_state[state.SAID_ALOUD]
    at.session_state[state.SAID_ALOUD] = {turn: at_time - state.ARRIVAL_SECONDS for turn, at_time in arrived.items()}
    ok(at.run())
    [again] = at.get("audio")
    assert not again.proto.autoplay, "a later rerun does not play it again"


def test_typing_stays_possible_and_a_silent_recording_is_refused(db, phone):
    at = started(app())
    session_id = at.session_state[state.SESSION_ID]
    ok(at.audio_input[0].set_value(("reply.wav", tone(1.0, level=0.0), "audio/wav")).run())
    assert any("silent" in w.value for w in at.warning) and not at.text_area
    assert len(get_turns(Store(db).db, session_id)) == 1, "nothing stored"
    ok(at.chat_input[0].set_value("Sorry, I will fix it now.").run())
    assert get_turns(Store(db).db, session_id)[1].trainee_text == "Sorry, I will fix it now."
    assert recordings_of(Store(db).db, session_id) == {}


def test_with_the_voice_routes_the_customer_speaks_through_the_live_player(db, phone, monkeypatch):
    """Served by `empathy-sim app` (the voice routes mounted), each message goes to this
    tab's voice line sentence by sentence for the player, and the audio control under it
    is there to play it again, not playing by itself (that would speak twice)."""
    from simulator.app import voice_routes
    from simulator.voice.live import LINES

    monkeypatch.setattr(voice_routes, "MOUNTED", True)
    at = started(app())
    [player] = at.get("component_instance")
    line = LINES.get(at.session_state[state.VOICE_LINE])
    opening = get_turns(Store(db).db, at.session_state[state.SESSION_ID])[0]
    assert line is not None and line.has_turn(opening.id), "the opening is said aloud"
    args = json.loads(player.proto.json_args)
    assert args["token"] == line.token and args["after"] < line.last_seq and 'class="avatar"' in args["svg"]
    [audio] = at.get("audio")
    assert not audio.proto.autoplay
    assert any("Customer mood" in m.value for m in at.markdown), "practice shows the mood"
    said = line.last_seq
    ok(at.audio_input[0].set_value(("reply.wav", tone(3.0, level=0.3), "audio/wav")).run())
    click(at, "Send")
    clips = [line.after(seq) for seq in range(said, line.last_seq)]
    reply_turn = get_turns(Store(db).db, at.session_state[state.SESSION_ID])[1]
    assert clips and {c.turn_id for c in clips} == {reply_turn.id}, "the answer, sentence by sentence"
    assert all(c.wav[:4] == b"RIFF" and c.seconds > 0 and max(c.envelope) == 9 for c in clips)
    assert not any(a.proto.autoplay for a in at.get("audio"))


def test_in_an_assessment_the_customer_speaks_without_showing_the_mood(db, phone, monkeypatch):
    from simulator.app import voice_routes

    monkeypatch.setattr(voice_routes, "MOUNTED", True)
    from simulator.app.services import get_services
    from simulator.session import TrainingSession

    at = app()
    session = TrainingSession.start(get_services(), "frozen-card", trainee="trainee", mode="assessment")
    at.session_state[state.SESSION_ID] = session.id
    ok(at.run())
    [player] = at.get("component_instance")
    args = json.loads(player.proto.json_args)
    assert args["svg"] == "" and args["label"] == "The customer is on the line."
    assert not any("Customer mood" in m.value for m in at.markdown)
