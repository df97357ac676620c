"""Voice signals, computed in code from a recording and its transcript: how fast the
trainee spoke, where they fell silent, their filler words, and whether they started
while the customer was still speaking. They are shown next to the levels and used by the
coach on voice scenarios; they are signals, never a hidden score.
"""

from __future__ import annotations

import re

import numpy as np
from pydantic import BaseModel

from simulator.i18n import N_, translate
from simulator.voice.audio import SAMPLE_RATE, Recording

FRAME_SECONDS = 0.03
#: A pause this long inside the speech counts as a long silence.
LONG_SILENCE_SECONDS = 1.5
#: Above this speaking rate a listener in distress cannot follow: the coach says slow down.
FAST_WPM = 170
#: A frame is speech when its energy stands this far (dB) above the recording's floor.
SPEECH_ABOVE_FLOOR_DB = 12.0

FILLERS = {
    "en": re.compile(r"\b(?:um+|uh+|erm+|er|hmm+|mhm|you know|i mean|sort of|kind of|basically|like)\b",
                     re.IGNORECASE),
    "de": re.compile(r"\b(?:äh+m?|ähm+|öh+m?|hm+|halt|sozusagen|quasi|irgendwie|also ja|naja|ne)\b",
                     re.IGNORECASE),
}


class VoiceSignals(BaseModel):
    """What the recording says about how the reply was spoken."""

    speech_seconds: float
    words: int
    words_per_minute: float | None
    long_silences: int
    longest_silence_seconds: float
    fillers: list[str]
    #: Seconds the recording started before the customer's audio ended (0: it waited).
    talked_over_seconds: float = 0.0

    def hints(self, language: str | None = None) -> list[str]:
        """What the coach says about the delivery, in the interface `language`."""
        found = []
        if self.words_per_minute is not None and self.words_per_minute > FAST_WPM:
            found.append(translate(N_("Slow down: {wpm} words a minute is hard to follow for someone under stress."),
                                   language).format(wpm=f"{self.words_per_minute:.0f}"))
        if self.talked_over_seconds > 0.5:
            found.append(translate(N_("Let the customer finish: you started while they were still speaking."),
                                   language))
        if self.long_silences:
            found.append(translate(N_("A long silence on the phone can sound as if nobody is there: say what you "
                                      "are doing."), language))
        if len(self.fillers) >= 3:
            found.append(translate(N_("Fewer filler words: a short pause sounds calmer than “um”."), language))
        return found


def voice_signals(recording: Recording, transcript: str, language: str,
                  playback_left_seconds: float = 0.0) -> VoiceSignals:
    """`playback_left_seconds`: how much of the customer's audio was still to play when
    the recording started (the page knows; 0 when it had ended)."""
    voiced = speech_frames(recording.samples)
    start, end = _span(voiced)
    speech = (end - start) * FRAME_SECONDS
    pauses = _pauses(voiced[start:end])
    words = len(re.findall(r"\w+", transcript))
    pattern = FILLERS.get(language, FILLERS["en"])
    return VoiceSignals(
        speech_seconds=round(speech, 2), words=words,
        words_per_minute=round(words / speech * 60, 1) if speech >= 1.0 and words else None,
        long_silences=sum(1 for p in pauses if p >= LONG_SILENCE_SECONDS),
        longest_silence_seconds=round(max(pauses, default=0.0), 2),
        fillers=[m.group(0).casefold() for m in pattern.finditer(transcript)],
        talked_over_seconds=round(max(playback_left_seconds, 0.0), 2),
    )


def speech_frames(samples: np.ndarray) -> np.ndarray:
    """Per 30 ms frame, whether it holds speech: energy well above the recording's own
    floor (its quietest tenth), so a noisy room and a quiet one are read alike."""
    size = int(FRAME_SECONDS * SAMPLE_RATE)
    count = len(samples) // size
    if not count:
        return np.zeros(0, dtype=bool)
    frames = samples[: count * size].reshape(count, size)
    energy = 10 * np.log10(np.mean(frames ** 2, axis=1) + 1e-10)
    floor = np.percentile(energy, 10)
    return energy > max(floor + SPEECH_ABOVE_FLOOR_DB, -55.0)


def _span(voiced: np.ndarray) -> tuple[int, int]:
    """First and last speech frame (+1): silence before and after the reply is no pause."""
    where = np.flatnonzero(voiced)
    return (int(where[0]), int(where[-1]) + 1) if len(where) else (0, 0)


def _pauses(voiced: np.ndarray) -> list[float]:
    """Lengths (s) of the silent runs between speech frames."""
    pauses, run = [], 0
    for frame in voiced:
        if frame:
            if run:
                pauses.append(run * FRAME_SECONDS)
            run = 0
        else:
            run += 1
    return pauses
