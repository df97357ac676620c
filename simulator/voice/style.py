"""How the customer's message sounds: the persona's voice and age, moved by the mood.
Anger speaks faster, louder and higher, without pauses; anxiety hesitates (slower, a
pause after each sentence); relief slows down and softens."""

from __future__ import annotations

from simulator.content.schema import Persona
from simulator.roleplay.mood import MoodState
from simulator.voice.backends import SpeechStyle

#: (rate, pitch change, volume, pause after a sentence in ms) per mood label.
MOOD_DELIVERY = {
    "angry": (1.15, 8, 1.35, 0),
    "anxious": (0.9, 5, 0.9, 350),
    "relieved": (0.9, -3, 0.9, 150),
    "calm": (1.0, 0, 1.0, 100),
}
PITCH = {"female": 62, "male": 38, None: 50}


def speech_style(persona: Persona, mood: MoodState) -> SpeechStyle:
    rate, pitch_change, volume, pause = MOOD_DELIVERY[mood.label]
    # The feeling's strength scales the change: anger 9 is not anger 5.
    strength = max(mood.anger, mood.anxiety) / 10 if mood.label in ("angry", "anxious") else 0.7
    if persona.age >= 65:  # older voices are slower and lower
        rate, pitch_change = rate - 0.08, pitch_change - 6
    return SpeechStyle(
        voice=persona.voice or "default",
        rate=round(1 + (rate - 1) * (0.5 + strength), 2),
        pitch=max(0, min(99, PITCH[persona.voice] + round(pitch_change * (0.5 + strength)))),
        volume=round(1 + (volume - 1) * (0.5 + strength), 2),
        pause_ms=round(pause * (0.5 + strength)),
    )
