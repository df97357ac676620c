"""The customer's voice offline: espeak-ng (Debian's `espeak-ng` package; `make run`
installs it), English and German, with rate, pitch, loudness and a female or male
variant per message. Robotic, but instant on two cores and never downloads anything."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np

from simulator.voice.backends import SpeechStyle, SpeechUnavailable, TextToSpeech

# "en", not "en-gb": espeak-ng 1.51 resolves "en-gb" through an MBROLA alias and then drops
# the variant, so "en-gb+f3" spoke with the default male voice. "en" is the same British voice.
VOICES = {"en": "en", "de": "de"}
VARIANTS = {"female": "+f3", "male": "+m3", "default": ""}
WORDS_PER_MINUTE = 165
TIMEOUT_SECONDS = 30


class EspeakSpeaker(TextToSpeech):
    spec = "embedded"

    def __init__(self, program: str = "espeak-ng"):
        self.program = shutil.which(program)

    def speak(self, text: str, language: str, style: SpeechStyle) -> bytes:
        if self.program is None:
            raise SpeechUnavailable("espeak-ng is not installed: run `make run` (it installs it) or "
                                    "`apt-get install espeak-ng`; meanwhile the customer's messages are shown as text.")
        voice = VOICES.get(language, "en") + VARIANTS.get(style.voice, "")
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "message.wav"
            command = [self.program, "-v", voice, "-s", str(round(WORDS_PER_MINUTE * style.rate)),
                       "-p", str(style.pitch), "-a", str(round(100 * style.volume)), "-w", str(out), "--", text]
            try:
                subprocess.run(command, check=True, capture_output=True, timeout=TIMEOUT_SECONDS)
            except (subprocess.SubprocessError, OSError) as exc:
                raise SpeechUnavailable(f"espeak-ng could not speak this message ({exc}); it is shown as text.") from exc
            return with_pause(out.read_bytes(), style.pause_ms)


def with_pause(wav_bytes: bytes, pause_ms: int) -> bytes:
    """The WAV with `pause_ms` of silence after it (a hesitant speaker's pause)."""
    if pause_ms <= 0:
        return wav_bytes
    with wave.open(io.BytesIO(wav_bytes), "rb") as source:
        params, frames = source.getparams(), source.readframes(source.getnframes())
    silence = np.zeros(int(params.framerate * pause_ms / 1000) * params.nchannels, dtype=f"<i{params.sampwidth}")
    out = io.BytesIO()
    with wave.open(out, "wb") as target:
        target.setparams(params)
        target.writeframes(frames + silence.tobytes())
    return out.getvalue()
