"""A spoken reply from its recording: checked, transcribed, its voice signals computed.
The trainee corrects the transcript before sending; the corrected text is graded, the
recording and what the recogniser heard are stored with the turn."""

from __future__ import annotations

from pydantic import BaseModel

from simulator.voice.audio import read_recording
from simulator.voice.backends import SpeechToText
from simulator.voice.signals import VoiceSignals, voice_signals


class SpokenReply(BaseModel):
    audio: bytes  # 16 kHz mono WAV
    raw_transcript: str
    engine: str
    signals: VoiceSignals


def hear(stt: SpeechToText, data: bytes, language: str, playback_left_seconds: float = 0.0) -> SpokenReply:
    """Raises AudioRejected (the recording cannot be used) or SpeechUnavailable (the
    recogniser failed); either way the trainee can record again or type."""
    recording = read_recording(data)
    transcript = stt.transcribe(recording, language)
    return SpokenReply(audio=recording.wav_bytes(), raw_transcript=transcript.text, engine=transcript.engine,
                       signals=voice_signals(recording, transcript.text, language, playback_left_seconds))
