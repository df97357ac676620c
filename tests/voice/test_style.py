"""The customer's delivery follows the persona and the mood."""

from simulator.content.schema import Persona
from simulator.roleplay.mood import MoodState
from simulator.voice.style import speech_style
from tests.support.scenarios import SCENARIO

PERSONA = Persona.model_validate({**SCENARIO["persona"], "voice": "female", "age": 40})


def test_anger_is_faster_louder_and_higher_and_anxiety_hesitates():
    calm = speech_style(PERSONA, MoodState(anger=2, anxiety=2, trust=5))
    angry = speech_style(PERSONA, MoodState(anger=9, anxiety=3, trust=2))
    anxious = speech_style(PERSONA, MoodState(anger=2, anxiety=8, trust=3))
    relieved = speech_style(PERSONA, MoodState(anger=1, anxiety=1, trust=8))
    assert angry.rate > calm.rate and angry.volume > calm.volume and angry.pitch > calm.pitch
    assert angry.pause_ms == 0 < calm.pause_ms < anxious.pause_ms
    assert anxious.rate < calm.rate and relieved.rate < calm.rate and relieved.volume < calm.volume
    assert calm.voice == "female" and calm.pitch > 50


def test_stronger_anger_moves_the_voice_further_and_age_slows_it():
    assert speech_style(PERSONA, MoodState(anger=9, anxiety=1, trust=1)).rate > \
        speech_style(PERSONA, MoodState(anger=5, anxiety=1, trust=3)).rate
    older = PERSONA.model_copy(update={"age": 78, "voice": "male"})
    mood = MoodState(anger=2, anxiety=2, trust=5)
    assert speech_style(older, mood).rate < speech_style(PERSONA, mood).rate
    assert speech_style(older, mood).pitch < 50 and speech_style(older, mood).voice == "male"
