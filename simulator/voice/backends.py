"""Speech backends, named by spec like the model roles:

    EMPATHY_SIM_STT / EMPATHY_SIM_TTS
        embedded                              offline: Whisper base (faster-whisper) hears,
                                              espeak-ng speaks
        off                                   no speech: voice scenarios are typed
        openai:<model>                        api.openai.com (key from OPENAI_API_KEY)
        openai-compatible:<model>@<base_url>  /v1/audio/transcriptions and /v1/audio/speech
                                              (whisper.cpp server, vLLM, Speaches, ...); key
                                              (optional) from EMPATHY_SIM_COMPAT_API_KEY

A backend that fails raises SpeechUnavailable with what to do; the turn then goes on as
text and nothing typed or recorded is lost.
"""

from __future__ import annotations

import importlib
import os
from abc import ABC, abstractmethod

from pydantic import BaseModel, Field

from simulator.llm.registry import OPENAI_BASE_URL
from simulator.voice.audio import Recording

SPEC_HELP = ("Use embedded, off, openai:<model> or openai-compatible:<model>@<http(s) base URL> "
             "(e.g. openai-compatible:whisper-1@http://127.0.0.1:8080/v1).")


class SpeechUnavailable(RuntimeError):
    """Speech could not be recognised or spoken; the message says what to do."""


class VoiceSpecError(ValueError):
    pass


class Transcript(BaseModel):
    text: str
    engine: str
    seconds: float


class SpeechStyle(BaseModel):
    """How a message is spoken: from the persona (voice) and the mood (rate, pitch, volume)."""

    voice: str = "default"
    #: 1.0 is the engine's normal rate.
    rate: float = Field(default=1.0, ge=0.5, le=2.0)
    #: 0-99, 50 is the voice's normal pitch.
    pitch: int = Field(default=50, ge=0, le=99)
    #: 1.0 is normal loudness.
    volume: float = Field(default=1.0, ge=0.2, le=2.0)
    #: Silence after each sentence (a hesitant speaker pauses).
    pause_ms: int = Field(default=0, ge=0, le=2000)


class SpeechToText(ABC):
    spec: str

    @abstractmethod
    def transcribe(self, recording: Recording, language: str) -> Transcript:
        """The words of the recording, in `language` (en, de)."""

    def warm(self) -> None:
        """Make ready what the first recording would otherwise wait for (a local model's
        loading); a failure here is raised again, with its message, by `transcribe`."""


class TextToSpeech(ABC):
    spec: str

    @abstractmethod
    def speak(self, text: str, language: str, style: SpeechStyle) -> bytes:
        """One sentence (or a few) as WAV bytes."""


#: Per role: the offline engine's module and class, and the remote class (voice/remote.py).
#: Imported when built: faster-whisper is heavy, and "off" needs neither.
_ENGINES = {
    "stt": ("simulator.voice.whisper", "WhisperTranscriber", "RemoteTranscriber"),
    "tts": ("simulator.voice.espeak", "EspeakSpeaker", "RemoteSpeaker"),
}


def build_stt(spec: str) -> SpeechToText | None:
    """None for "off"."""
    return _build(spec, "stt")


def build_tts(spec: str) -> TextToSpeech | None:
    """None for "off"."""
    return _build(spec, "tts")


def _build(spec: str, role: str):
    kind, model, base_url, key = _parse(spec)
    if kind == "off":
        return None
    module, offline, remote = _ENGINES[role]
    if kind == "embedded":
        return getattr(importlib.import_module(module), offline)()
    return getattr(importlib.import_module("simulator.voice.remote"), remote)(
        spec=spec, model=model, base_url=base_url, api_key=key)


def _parse(spec: str) -> tuple[str, str, str, str | None]:
    """(kind, model, base URL, key) of a speech spec."""
    spec = spec.strip()
    if spec in ("off", ""):
        return "off", "", "", None
    if spec == "embedded":
        return "embedded", "", "", None
    kind, _, rest = spec.partition(":")
    if kind == "openai" and rest:
        key = os.environ.get("OPENAI_API_KEY")
        if not key:
            raise SpeechUnavailable(f"No OpenAI key found for {spec!r}: set OPENAI_API_KEY, or set the speech "
                                    "backend to off and type the replies.")
        return kind, rest, OPENAI_BASE_URL, key
    if kind == "openai-compatible":
        model, sep, base_url = rest.partition("@")
        if model and sep and base_url.startswith(("http://", "https://")):
            return kind, model, base_url.rstrip("/"), os.environ.get("EMPATHY_SIM_COMPAT_API_KEY")
    raise VoiceSpecError(f"Unknown speech backend {spec!r}. {SPEC_HELP}")
