"""The customer's live voice: sentences spoken as the message streams, handed to the
player over the voice routes, and the player's report of what it still has to play."""

from __future__ import annotations

import time

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from simulator.app import voice_routes
from simulator.voice.backends import SpeechUnavailable
from simulator.voice.live import (LINES, VoiceLine, VoiceLines, first_clause, speak_along, split_sentences,
                                  wav_seconds_and_envelope)
from tests.support.audio_test_server import tone


def test_sentences_end_at_a_mark_and_a_space_and_the_unfinished_rest_waits():
    assert split_sentences("I waited. For 3.5 hours! Is that") == (["I waited.", "For 3.5 hours!"], "Is that")
    assert split_sentences('„Bitte warten.“ Das ist z.B. alles? Ja') == (['„Bitte warten.“', "Das ist z.B. alles?"],
                                                                        "Ja")
    assert split_sentences("No. Dr. Weber said no. Hm") == (["No.", "Dr. Weber said no."], "Hm")
    assert split_sentences("No end yet") == ([], "No end yet")


def test_each_sentence_is_spoken_as_soon_as_it_is_complete_and_the_text_passes_unchanged():
    line, spoken, seen = VoiceLine("t"), [], []

    def speak(sentence):
        spoken.append((sentence, list(seen)))  # what had streamed when it was spoken
        return tone(0.5)

    chunks = ["I have ", "waited. ", "Three days", " now! And", " nobody called"]
    for chunk in speak_along(chunks, speak, line, turn_id=7):
        seen.append(chunk)
    assert "".join(seen) == "".join(chunks)
    assert [s for s, _ in spoken] == ["I have waited.", "Three days now!", "And nobody called"]
    # The first sentence was spoken before the third chunk had streamed.
    assert spoken[0][1] == ["I have ", "waited. "]
    clips = [line.after(0), line.after(1), line.after(2)]
    assert [c.seq for c in clips] == [1, 2, 3] and {c.turn_id for c in clips} == {7}
    assert line.after(3) is None


def test_the_first_clip_ends_at_a_clause_of_four_words_later_clips_at_sentences():
    line, spoken, seen = VoiceLine("t"), [], []

    def speak(sentence):
        spoken.append((sentence, list(seen)))
        return tone(0.2)

    chunks = ["Ja, ", "ich habe es ", "neu gestartet, ", "aber es geht nicht. ", "Und jetzt, ", "was nun?"]
    for chunk in speak_along(chunks, speak, line, turn_id=3):
        seen.append(chunk)
    # "Ja," is too short to say alone; "3,5" or a clause later in the message is not cut.
    assert [s for s, _ in spoken] == ["Ja, ich habe es neu gestartet,", "aber es geht nicht.", "Und jetzt, was nun?"]
    assert spoken[0][1] == chunks[:3], "the first clause was spoken before the sentence was complete"
    assert first_clause("Es kostet 3,5 Euro pro") is None


def test_a_failing_voice_leaves_the_text_streaming_and_says_why():
    line = VoiceLine("t")

    def speak(sentence):
        raise SpeechUnavailable("espeak-ng is not installed: run `make speech`.")

    text = "".join(speak_along(["One. ", "Two. ", "Three."], speak, line, turn_id=1))
    assert text == "One. Two. Three." and line.after(0) is None
    assert line.problem == "espeak-ng is not installed: run `make speech`."


def test_the_envelope_follows_the_loudness_for_the_mouth():
    seconds, envelope = wav_seconds_and_envelope(tone(1.0, level=0.4))
    assert seconds == pytest.approx(1.0, abs=0.01) and len(envelope) == 20 and max(envelope) == 9
    quiet_then_loud = _concat(tone(0.5, level=0.0), tone(0.5, level=0.5))
    _, envelope = wav_seconds_and_envelope(quiet_then_loud)
    assert envelope[:9] == [0] * 9 and min(envelope[11:]) >= 8


def test_what_is_still_to_play_comes_from_the_published_clips_until_the_player_reports():
    line = VoiceLine("t")
    before = time.monotonic()
    line.publish(1, tone(2.0))
    line.publish(1, tone(1.0))
    assert line.left_at(before) == pytest.approx(3.0, abs=0.1)  # played back to back from now
    line.heard(0.0, at=before + 1.0)  # the player fell silent (it was cut off, or blocked)
    assert line.left_at(before + 0.5) == pytest.approx(0.5, abs=0.01) and line.left_at(before + 1.5) == 0.0


def test_lines_are_found_by_token_and_the_least_recently_used_is_dropped():
    lines = VoiceLines(keep=2)
    a, b = lines.open(None), lines.open(None)
    assert a.token != b.token and len(a.token) >= 20 and lines.open(a.token) is a
    c = lines.open(None)  # b is now the least recently used
    assert lines.get(b.token) is None and lines.get(a.token) is a and lines.get(c.token) is c
    assert lines.open(b.token) is not b  # a dropped token gets a new line


@pytest.fixture
def client(monkeypatch):
    monkeypatch.setattr(voice_routes, "WAIT_SECONDS", 0.3)
    return TestClient(Starlette(routes=voice_routes.ROUTES))


def test_the_player_gets_the_next_clip_with_its_envelope_or_nothing_yet(client):
    line = LINES.open(None)
    clip = line.publish(4, tone(0.5, level=0.3))
    response = client.get(f"/voice/{line.token}/next", params={"after": 0})
    assert response.status_code == 200 and response.content == clip.wav
    assert response.headers["content-type"] == "audio/wav"
    assert response.headers["x-seq"] == str(clip.seq) and response.headers["x-turn"] == "4"
    assert response.headers["x-envelope"].split(",") == [str(v) for v in clip.envelope]
    assert client.get(f"/voice/{line.token}/next", params={"after": clip.seq}).status_code == 204


def test_the_player_report_sets_what_is_left_and_bad_requests_are_refused(client):
    line = LINES.open(None)
    assert client.post(f"/voice/{line.token}/heard", params={"left": "2.5"}).status_code == 204
    assert line.left_at(time.monotonic()) == pytest.approx(2.5, abs=0.2)
    assert client.post(f"/voice/{line.token}/heard", params={"left": "soon"}).status_code == 400
    assert client.get(f"/voice/{line.token}/next", params={"after": "x"}).status_code == 400
    assert client.get("/voice/no-such-line/next").status_code == 404
    assert client.post("/voice/no-such-line/heard").status_code == 404


def _concat(*wavs: bytes) -> bytes:
    import io
    import wave

    frames, params = b"", None
    for data in wavs:
        with wave.open(io.BytesIO(data)) as wav:
            params, frames = wav.getparams(), frames + wav.readframes(wav.getnframes())
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setparams(params)
        wav.writeframes(frames)
    return out.getvalue()


def test_a_line_keeps_only_recent_clips(monkeypatch):
    from simulator.voice import live

    now = [1000.0]
    monkeypatch.setattr(live.time, "monotonic", lambda: now[0])
    line = VoiceLine("t")
    for _ in range(live.KEEP_CLIPS + 3):
        line.publish(1, tone(0.2))
    assert line.after(0).seq == 4, "the oldest beyond KEEP_CLIPS are dropped"
    now[0] += live.CLIP_SECONDS + 1
    newest = line.publish(2, tone(0.2))
    assert line.after(0) is newest, "clips older than CLIP_SECONDS are dropped"
