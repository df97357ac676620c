"""A spoken reply from its recording: checked, transcribed, its voice signals computed.
The trainee corrects the transcript before sending; the corrected text is graded, the
recording and what the recogniser heard are stored with the turn."""

from __future__ import annotations

import time
from collections.abc import Callable

from pydantic import BaseModel

from simulator.voice.audio import read_recording
from simulator.voice.backends import SpeechToText
from simulator.voice.signals import VoiceSignals, voice_signals


class SpokenReply(BaseModel):
    audio: bytes  # 16 kHz mono WAV
    raw_transcript: str
    engine: str
    signals: VoiceSignals


def hear(stt: SpeechToText, data: bytes, language: str, left_at: Callable[[float], float] | None = None,
         received_at: float | None = None) -> SpokenReply:
    """Raises AudioRejected (the recording cannot be used) or SpeechUnavailable (the
    recogniser failed); either way the trainee can record again or type.

    `left_at(moment)`: how much of the customer's audio was still to play at a
    time.monotonic() moment (VoiceLine.left_at). The recording started its own length
    before it was received, so what was still playing then was talked over."""
    recording = read_recording(data)
    playback_left_seconds = 0.0
    if left_at is not None:
        received_at = time.monotonic() if received_at is None else received_at
        playback_left_seconds = left_at(received_at - recording.seconds)
    transcript = stt.transcribe(recording, language)
    return SpokenReply(audio=recording.wav_bytes(), raw_transcript=transcript.text, engine=transcript.engine,
                       signals=voice_signals(recording, transcript.text, language, playback_left_seconds))
