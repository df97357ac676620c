"""The customer speaking while the message streams: each sentence is synthesised as soon
as it is complete and handed to the browser's player, so the audio starts before the
message is whole; the player reports how much it has still to play, so a recording that
starts before the customer finished is known as talking over.

A `VoiceLine` belongs to one browser tab (its token is in the tab's session state, not in
the URL). The page publishes clips into it while it streams; the player asks for the
next clip over HTTP (app/voice_routes.py) and plays them in order. Lines live in memory
only: the customer's audio is made again from the stored text whenever it is needed.
"""

from __future__ import annotations

import io
import re
import secrets
import threading
import time
import wave
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator

import numpy as np
from pydantic import BaseModel, ConfigDict

from simulator.voice.backends import SpeechUnavailable

#: A sentence ends at . ! ? or … followed by space (a closing quote or bracket may sit
#: between). "3.5" or "z.B." inside a word does not end one.
SENTENCE_END = re.compile(r"[.!?…]+[\"'“”’)\]]*\s+")
#: A dot after these ends no sentence: "z.B.", "e.g.", "Dr.", "Nr." (a pause there sounds wrong).
ABBREVIATION = re.compile(r"(?:\b\w\.){2,}$|\b(?:Mr|Mrs|Ms|Dr|Prof|Nr|St|bzw|ca|vs|Hr|Fr)\.$", re.IGNORECASE)
#: The first clip of a message may end at a clause (a comma, semicolon, colon or dash
#: followed by a space) once it holds this many words: the voice starts that much sooner
#: after the trainee's reply, while the rest of the sentence is still being written.
CLAUSE_END = re.compile(r"[,;:–—]\s+")
FIRST_CLAUSE_WORDS = 4
#: The player's mouth follows the loudness in steps of this length.
ENVELOPE_SECONDS = 0.05
#: Clips a line keeps, and for how long: the player fetches each within moments (a
#: message is a few sentences), and "Play again" replays from the browser's copy. A clip
#: is about 40 KB a second of speech, so memory stays bounded by the lines in use.
KEEP_CLIPS = 16
CLIP_SECONDS = 300.0
#: Lines kept (one per open tab); the least recently used is dropped first.
KEEP_LINES = 256


class Clip(BaseModel):
    """One spoken sentence of a customer's message."""

    model_config = ConfigDict(frozen=True)

    seq: int  # increasing per line: the player asks for "the clip after seq N"
    turn_id: int
    wav: bytes
    seconds: float
    envelope: list[int]  # loudness 0..9 per ENVELOPE_SECONDS, for the mouth
    made_at: float  # time.monotonic()


def split_sentences(text: str) -> tuple[list[str], str]:
    """(the complete sentences, the unfinished rest) of streamed text."""
    done, start = [], 0
    for match in SENTENCE_END.finditer(text):
        if ABBREVIATION.search(text[start:match.end()].rstrip()):
            continue
        sentence = text[start:match.end()].strip()
        if sentence:
            done.append(sentence)
        start = match.end()
    return done, text[start:]


def first_clause(text: str) -> tuple[str, str] | None:
    """(the opening clause, the rest) of unfinished text, if a clause of at least
    FIRST_CLAUSE_WORDS words has ended in it."""
    for match in CLAUSE_END.finditer(text):
        clause = text[:match.end()].strip()
        if len(clause.split()) >= FIRST_CLAUSE_WORDS:
            return clause, text[match.end():]
    return None


def wav_seconds_and_envelope(wav_bytes: bytes) -> tuple[float, list[int]]:
    """Length of a 16-bit PCM WAV and its loudness per ENVELOPE_SECONDS (0 silent .. 9 loud)."""
    with wave.open(io.BytesIO(wav_bytes)) as wav:
        rate, channels, frames = wav.getframerate(), wav.getnchannels(), wav.readframes(wav.getnframes())
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0
    if channels > 1:
        samples = samples[: len(samples) // channels * channels].reshape(-1, channels).mean(axis=1)
    seconds = len(samples) / rate if rate else 0.0
    size = max(int(rate * ENVELOPE_SECONDS), 1)
    count = len(samples) // size
    if not count:
        return seconds, []
    rms = np.sqrt(np.mean(samples[: count * size].reshape(count, size) ** 2, axis=1))
    loudest = float(rms.max()) or 1.0
    return round(seconds, 3), [int(round(9 * v / loudest)) for v in rms]


class VoiceLine:
    """The clips of one tab, in order, and when its player expects to fall silent."""

    def __init__(self, token: str):
        self.token = token
        self._clips: list[Clip] = []
        self._seq = 0
        self._lock = threading.Lock()
        self._silent_at = 0.0  # time.monotonic() when the player's queue runs out
        #: Why the last message could not be spoken (shown under it), if it could not.
        self.problem: str | None = None

    @property
    def last_seq(self) -> int:
        return self._seq

    def publish(self, turn_id: int, wav: bytes) -> Clip:
        seconds, envelope = wav_seconds_and_envelope(wav)
        now = time.monotonic()
        with self._lock:
            self._seq += 1
            clip = Clip(seq=self._seq, turn_id=turn_id, wav=wav, seconds=seconds, envelope=envelope, made_at=now)
            kept = [c for c in self._clips[-(KEEP_CLIPS - 1):] if now - c.made_at < CLIP_SECONDS]
            self._clips = [*kept, clip]
            # Until the player says otherwise, assume it plays this right after what it had.
            self._silent_at = max(self._silent_at, time.monotonic()) + seconds
        return clip

    def has_turn(self, turn_id: int) -> bool:
        with self._lock:
            return any(c.turn_id == turn_id for c in self._clips)

    def after(self, seq: int) -> Clip | None:
        """The first clip published after `seq`, if any yet."""
        with self._lock:
            return next((c for c in self._clips if c.seq > seq), None)

    def heard(self, left_seconds: float, at: float | None = None) -> None:
        """The player's report: this much is still to play (0: it fell silent)."""
        with self._lock:
            self._silent_at = (time.monotonic() if at is None else at) + max(left_seconds, 0.0)

    def left_at(self, moment: float) -> float:
        """Seconds of the customer's audio still to play at `moment` (time.monotonic())."""
        with self._lock:
            return max(self._silent_at - moment, 0.0)


class VoiceLines:
    """Every open tab's line, by token; bounded, the least recently used dropped first."""

    def __init__(self, keep: int = KEEP_LINES):
        self._lines: OrderedDict[str, VoiceLine] = OrderedDict()
        self._keep = keep
        self._lock = threading.Lock()

    def open(self, token: str | None) -> VoiceLine:
        """The line of `token`, or a new line with a fresh unguessable token."""
        with self._lock:
            line = self._lines.get(token) if token else None
            if line is None:
                line = VoiceLine(secrets.token_urlsafe(18))
                self._lines[line.token] = line
            self._lines.move_to_end(line.token)
            while len(self._lines) > self._keep:
                self._lines.popitem(last=False)
            return line

    def get(self, token: str) -> VoiceLine | None:
        with self._lock:
            return self._lines.get(token)


#: The process's lines: the page publishes into them, the HTTP routes read them.
LINES = VoiceLines()


def speak_along(chunks: Iterable[str], speak: Callable[[str], bytes], line: VoiceLine,
                turn_id: int) -> Iterator[str]:
    """Pass the streamed text through unchanged, publishing each sentence's audio as soon
    as the sentence is complete (the first clip as soon as a first clause is, see
    `first_clause`; the rest when the stream ends). If the voice fails,
    the text goes on silently: the message on screen is what counts."""
    pending, failed, started = "", False, False
    line.problem = None
    for chunk in chunks:
        yield chunk
        pending += chunk
        done, pending = split_sentences(pending)
        if not started and not done and (clause := first_clause(pending)):
            # Only the first clip: later ones are ready while the earlier ones play.
            done, pending = [clause[0]], clause[1]
        for sentence in done:
            started = True
            failed = failed or not _publish(speak, sentence, line, turn_id)
    if pending.strip() and not failed:
        _publish(speak, pending.strip(), line, turn_id)


def speak_text(text: str, speak: Callable[[str], bytes], line: VoiceLine, turn_id: int) -> None:
    """A whole message (one that did not stream here, such as the opening), sentence by
    sentence: the first sentence plays while the next is synthesised."""
    for _ in speak_along([text], speak, line, turn_id):
        pass


def _publish(speak: Callable[[str], bytes], sentence: str, line: VoiceLine, turn_id: int) -> bool:
    try:
        line.publish(turn_id, speak(sentence))
    except SpeechUnavailable as exc:
        line.problem = str(exc)
        return False
    return True
