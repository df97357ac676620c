"""A trainee's recording, read and checked before anything else happens to it.

The browser (`st.audio_input`) sends WAV; an upload can be anything. A recording is
refused with a message that says what to do when it is too large (before it is stored),
too long, silent, not audio at all, or in a format the reader cannot take; anything else
is converted to what the recogniser reads: 16 kHz, mono, float samples in [-1, 1].
"""

from __future__ import annotations

import io
import wave

import numpy as np
from pydantic import BaseModel, ConfigDict

#: What the recogniser reads.
SAMPLE_RATE = 16_000
#: Refused before it is stored: about 5 minutes of 16 kHz 16-bit mono, or less of better.
MAX_BYTES = 10 * 1024 * 1024
#: A reply on the phone is seconds, not minutes; longer is a recording left running.
MAX_SECONDS = 180.0
MIN_SECONDS = 0.3
#: Below this peak level (of full scale) a recording holds nothing to transcribe.
SILENT_PEAK = 0.01


class AudioRejected(ValueError):
    """A recording that cannot be used; the message says why and what to do instead."""


class Recording(BaseModel):
    """A recording as the recogniser and the voice signals read it."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    samples: np.ndarray  # float32, mono, SAMPLE_RATE
    source_rate: int
    source_channels: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / SAMPLE_RATE

    def wav_bytes(self) -> bytes:
        """The recording as 16 kHz 16-bit mono WAV (what is stored with the turn)."""
        out = io.BytesIO()
        with wave.open(out, "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(SAMPLE_RATE)
            wav.writeframes((np.clip(self.samples, -1, 1) * 32767).astype("<i2").tobytes())
        return out.getvalue()


def read_recording(data: bytes) -> Recording:
    """Check and convert a recording (WAV bytes). Raises AudioRejected."""
    if len(data) > MAX_BYTES:
        raise AudioRejected(f"The recording is {len(data) / 1024 / 1024:.1f} MB; at most "
                            f"{MAX_BYTES // 1024 // 1024} MB are taken. Record a shorter reply, or type it.")
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            rate, channels, width = wav.getframerate(), wav.getnchannels(), wav.getsampwidth()
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError, ValueError) as exc:
        raise AudioRejected(f"This is not a WAV recording the app can read ({exc}). Record again in the "
                            "browser, or type your reply.") from exc
    samples = _to_float(frames, width, channels)
    if rate < 8000 or rate > 192_000:
        raise AudioRejected(f"The recording's sample rate ({rate} Hz) cannot be used; record again in the browser.")
    recording = Recording(samples=_resample(samples, rate), source_rate=rate, source_channels=channels)
    _check_length_and_level(recording)
    return recording


def _to_float(frames: bytes, width: int, channels: int) -> np.ndarray:
    if width == 2:
        samples = np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768
    elif width == 1:  # 8-bit WAV is unsigned
        samples = (np.frombuffer(frames, dtype=np.uint8).astype(np.float32) - 128) / 128
    elif width == 4:
        samples = np.frombuffer(frames, dtype="<i4").astype(np.float32) / 2**31
    else:
        raise AudioRejected(f"WAV with {8 * width}-bit samples cannot be read; record again in the browser.")
    if channels < 1 or len(samples) % channels:
        raise AudioRejected("The recording is damaged (its channels do not add up); record again.")
    return samples.reshape(-1, channels).mean(axis=1)


def _resample(samples: np.ndarray, rate: int) -> np.ndarray:
    """Linear resampling to SAMPLE_RATE: speech needs nothing finer for recognition."""
    if rate == SAMPLE_RATE or not len(samples):
        return samples.astype(np.float32)
    target = int(round(len(samples) * SAMPLE_RATE / rate))
    positions = np.linspace(0, len(samples) - 1, target)
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)


def _check_length_and_level(recording: Recording) -> None:
    if recording.seconds > MAX_SECONDS:
        raise AudioRejected(f"The recording is {recording.seconds / 60:.1f} minutes long; a reply may be at most "
                            f"{MAX_SECONDS / 60:.0f} minutes. Record a shorter reply, or type it.")
    if recording.seconds < MIN_SECONDS:
        raise AudioRejected("The recording is too short to hold a reply. Hold the button while you speak.")
    if float(np.max(np.abs(recording.samples))) < SILENT_PEAK:
        raise AudioRejected("The recording is silent: check that the browser may use your microphone, "
                            "then record again, or type your reply.")
