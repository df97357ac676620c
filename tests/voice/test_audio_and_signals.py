"""A recording is checked before use (size, format, length, silence) and converted to
16 kHz mono; the voice signals are read from it in code."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest

from simulator.voice import audio
from simulator.voice.audio import AudioRejected, read_recording
from simulator.voice.signals import voice_signals

RATE = audio.SAMPLE_RATE


def wav(samples: np.ndarray, rate: int = RATE, channels: int = 1, width: int = 2) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        data = np.repeat(samples[:, None], channels, axis=1).ravel()
        if width == 2:
            w.writeframes((data * 32767).astype("<i2").tobytes())
        else:
            w.writeframes(((data * 127) + 128).astype(np.uint8).tobytes())
    return out.getvalue()


def voiced(seconds: float, rate: int = RATE) -> np.ndarray:
    """A speech-like burst: a 180 Hz tone with a syllable rhythm."""
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * 180 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t))).astype(np.float32)


def quiet(seconds: float, rate: int = RATE) -> np.ndarray:
    return (np.random.default_rng(1).normal(0, 0.001, int(seconds * rate))).astype(np.float32)


def test_a_browser_recording_is_read_as_it_is():
    recording = read_recording(wav(np.concatenate([quiet(0.3), voiced(2.0), quiet(0.3)])))
    assert recording.source_rate == RATE and abs(recording.seconds - 2.6) < 0.01
    again = read_recording(recording.wav_bytes())
    assert np.allclose(again.samples, recording.samples, atol=1e-3)


def test_other_rates_and_stereo_are_converted():
    recording = read_recording(wav(voiced(1.0, 44_100), rate=44_100, channels=2))
    assert (recording.source_rate, recording.source_channels) == (44_100, 2)
    assert abs(recording.seconds - 1.0) < 0.01
    assert abs(read_recording(wav(voiced(1.0, 8000), rate=8000, width=1)).seconds - 1.0) < 0.01


@pytest.mark.parametrize("data, says", [
    (b"not audio at all", "not a WAV recording"),
    (b"RIFF\x00\x00\x00\x00WAVEfmt ", "not a WAV recording"),
    (b"\x00" * (audio.MAX_BYTES + 1), "at most 10 MB"),
])
def test_unusable_uploads_are_refused_with_what_to_do(data, says):
    with pytest.raises(AudioRejected, match=says):
        read_recording(data)


def test_silent_too_short_and_too_long_recordings_are_refused():
    with pytest.raises(AudioRejected, match="silent"):
        read_recording(wav(np.zeros(RATE, dtype=np.float32)))
    with pytest.raises(AudioRejected, match="too short"):
        read_recording(wav(voiced(0.1)))
    long = wav(np.tile(voiced(1.0, 8000), int(audio.MAX_SECONDS) + 5), rate=8000, width=1)
    assert len(long) < audio.MAX_BYTES  # refused for its length, not its size
    with pytest.raises(AudioRejected, match="minutes long"):
        read_recording(long)


def test_signals_read_rate_pauses_fillers_and_talking_over():
    speech = np.concatenate([quiet(0.5), voiced(3.0), quiet(2.0), voiced(3.0), quiet(0.5)])
    recording = read_recording(wav(speech))
    text = "Um, I am so sorry, uh, that must be frightening. I have lifted the block, um, it works now."
    signals = voice_signals(recording, text, "en", playback_left_seconds=1.2)
    assert 7.5 <= signals.speech_seconds <= 8.5, "from the first word to the last, not the silence around"
    assert signals.long_silences == 1 and 1.8 <= signals.longest_silence_seconds <= 2.2
    assert signals.words == 19 and 130 <= signals.words_per_minute <= 150
    assert signals.fillers == ["um", "uh", "um"] and signals.talked_over_seconds == 1.2
    hints = signals.hints("en")
    assert any("finish" in h for h in hints) and any("silence" in h for h in hints)
    assert any("filler" in h for h in hints) and not any("Slow down" in h for h in hints)


def test_a_fast_german_reply_is_told_to_slow_down_in_german():
    recording = read_recording(wav(np.concatenate([quiet(0.2), voiced(3.0), quiet(0.2)])))
    text = "Das tut mir sehr leid, ich verstehe, dass das belastend ist, ich setze die Sperre sofort aus und rufe " \
           "Sie morgen an"
    signals = voice_signals(recording, text, "de")
    assert signals.words_per_minute > 300 and signals.long_silences == 0 and signals.fillers == []
    assert signals.hints("de")[0].startswith("Langsamer")


def test_the_recogniser_encodes_the_speech_and_some_padding_not_a_30_s_window():
    from simulator.voice.whisper import FULL_FRAMES, MIN_FRAMES, PAD_FRAMES, short_window

    features = np.zeros((80, FULL_FRAMES), dtype=np.float32)
    assert short_window(features).shape == (80, MIN_FRAMES)  # silence: the shortest window
    features[:, :1549] = -0.4  # 15.5 s of speech, the rest faster-whisper's zero padding
    assert short_window(features).shape == (80, 1549 + PAD_FRAMES + 1)
    features[:, :] = -0.4
    assert short_window(features).shape == (80, FULL_FRAMES)
