"""A spoken reply: heard, corrected by the trainee, stored with its turn (the corrected
text is graded), in the person's data export, and erased with the person."""

from __future__ import annotations

import base64
import threading

import pytest

from simulator import accounts
from simulator.content.library import Library
from simulator.content.schema import Scenario
from simulator.judge.grader import Judge
from simulator.llm.scripted import ScriptedModel
from simulator.session import Services, TrainingSession
from simulator.store import privacy
from simulator.store.repository import Store
from simulator.store.recordings import audio_of, recordings_of
from simulator.voice.audio import AudioRejected, read_recording
from simulator.voice.backends import SpeechToText, Transcript
from simulator.voice.spoken import hear
from tests.support.audio_test_server import tone
from tests.support.scenarios import SCENARIO


class Heard(SpeechToText):
    """A recogniser that heard a fixed text (the real ones are tested in test_remote_speech)."""

    spec = "heard"

    def __init__(self, text: str):
        self.text = text

    def transcribe(self, recording, language):
        return Transcript(text=self.text, engine=self.spec, seconds=0.01)


def test_a_spoken_reply_is_stored_with_its_turn_and_the_corrected_text_is_graded(services):
    # The customer's audio fell silent at t=100.8; the 3 s recording arrived at t=103, so
    # it started at t=100 while 0.8 s were still to play.
    spoken = hear(Heard("I am sorry, um, I will on block your card."), tone(3.0, level=0.3), "en",
                  left_at=lambda moment: max(100.8 - moment, 0.0), received_at=103.0)
    assert spoken.signals.fillers == ["um"] and spoken.signals.talked_over_seconds == 0.8
    session = TrainingSession.start(services, "mini-en", trainee="ana")
    corrected = "I am sorry, I will unblock your card."
    session.submit(corrected, spoken=spoken).result()
    turn = session.turns()[1]
    assert turn.trainee_text == corrected and turn.verdict is not None
    stored = recordings_of(services.store.db, session.id)[turn.id]
    assert stored.raw_transcript == "I am sorry, um, I will on block your card." and stored.engine == "heard"
    assert stored.signals["fillers"] == ["um"]
    assert abs(read_recording(audio_of(services.store.db, turn.id)).seconds - 3.0) < 0.01


def test_a_recording_is_in_the_persons_export_and_erased_with_them(services):
    db = services.store.db
    accounts.create_user(db, "ana", "a long test password", ["trainee"])
    session = TrainingSession.start(services, "mini-en", trainee="ana")
    session.submit("I am sorry.", spoken=hear(Heard("I am sorry."), tone(1.0, level=0.3), "en")).result()
    data = privacy.export_person(db, "ana", actor="admin")
    recording = data["sessions"][0]["turns"][1]["recording"]
    assert recording["raw_transcript"] == "I am sorry." and read_recording(base64.b64decode(recording["audio"]))
    counts = privacy.erase_person(db, "ana", actor="admin")
    assert counts["recordings"] == 1 and db.execute("select count(*) from recordings").fetchone()[0] == 0


def test_a_recording_that_cannot_be_used_is_refused_before_anything_is_stored(services):
    session = TrainingSession.start(services, "mini-en", trainee="ana")
    with pytest.raises(AudioRejected, match="silent"):
        hear(Heard("x"), tone(1.0, level=0.0), "en")
    assert len(session.turns()) == 1


class LocalHeard(Heard):
    """A recogniser on this machine, with a model to load."""

    def __init__(self, text: str):
        super().__init__(text)
        self.warmed = threading.Event()

    def warm(self):
        self.warmed.set()


def test_a_voice_session_loads_a_local_recogniser_while_the_opening_plays(tmp_path, rubric):
    stt = LocalHeard("I am sorry.")
    scenario = Scenario.model_validate({**SCENARIO, "channel": "voice"})
    services = Services(Store(tmp_path / "sim.db"), Library(scenarios={scenario.id: scenario},
                        rubrics={rubric.id: rubric}), ScriptedModel(), Judge(ScriptedModel()), stt=stt)
    session = TrainingSession.start(services, "mini-en")
    assert stt.warmed.wait(5)
    assert session.hear(tone(1.0, level=0.3)).raw_transcript == "I am sorry."


def test_a_chat_session_loads_no_recogniser(services):
    services.stt = LocalHeard("x")
    TrainingSession.start(services, "mini-en")
    assert not services.stt.warmed.wait(0.2)
