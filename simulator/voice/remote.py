"""Speech through an OpenAI-compatible server: /v1/audio/transcriptions and /v1/audio/speech
(OpenAI itself, whisper.cpp's server, vLLM, Speaches and others), with the OpenAI SDK."""

from __future__ import annotations

import time

from simulator.voice.audio import Recording
from simulator.voice.backends import SpeechStyle, SpeechToText, SpeechUnavailable, TextToSpeech, Transcript

TIMEOUT_SECONDS = 60.0
#: OpenAI's voices; a compatible server may know others (the persona's voice is passed on).
OPENAI_VOICES = ("alloy", "ash", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer")


class _Remote:
    def __init__(self, spec: str, model: str, base_url: str, api_key: str | None):
        from openai import OpenAI

        self.spec, self.model = spec, model
        # No key is a valid setting for a local server; the SDK insists on some string.
        self.client = OpenAI(base_url=base_url, api_key=api_key or "not-needed", timeout=TIMEOUT_SECONDS,
                             max_retries=1)

    def _failed(self, what: str, exc: Exception) -> SpeechUnavailable:
        return SpeechUnavailable(f"{what} failed at {self.spec}: {exc}. Check that the server runs and offers "
                                 f"this endpoint; meanwhile type your reply.")


class RemoteTranscriber(_Remote, SpeechToText):
    def transcribe(self, recording: Recording, language: str) -> Transcript:
        started = time.perf_counter()
        try:
            result = self.client.audio.transcriptions.create(
                model=self.model, file=("reply.wav", recording.wav_bytes(), "audio/wav"), language=language,
                response_format="json")
        except Exception as exc:  # noqa: BLE001 - any failure of the server is said, never a lost reply
            raise self._failed("Speech recognition", exc) from exc
        return Transcript(text=(result.text or "").strip(), engine=self.spec,
                          seconds=round(time.perf_counter() - started, 3))


class RemoteSpeaker(_Remote, TextToSpeech):
    def speak(self, text: str, language: str, style: SpeechStyle) -> bytes:
        voice = style.voice if style.voice != "default" else OPENAI_VOICES[0]
        try:
            response = self.client.audio.speech.create(model=self.model, voice=voice, input=text,
                                                       response_format="wav", speed=style.rate)
            return response.read()
        except Exception as exc:  # noqa: BLE001 - the message stays on screen as text
            raise self._failed("Speech output", exc) from exc
