"""A voice scenario in the real browser with Chromium's fake microphone: the product's own
offline voice says a reply into it (espeak-ng), the offline recogniser (Whisper base)
hears it, the trainee corrects the transcript and sends it, and the customer answers
aloud. Everything real except the person: the server, the browser, both speech engines,
the SQLite file."""

from __future__ import annotations

import json
import shutil
from functools import partial

import pytest

from simulator.store.database import open_db
from simulator.voice.backends import SpeechStyle, build_tts
from tests.support.browser import CHROMIUM, FLAGS, VIEWPORT, app_server, create_accounts
from tests.support.browser import sign_in as sign_in_as
from tests.support.pages import FIXTURES
from tests.support.speech import word_errors

pytestmark = [pytest.mark.browser, pytest.mark.embedded]

USER, PASSWORD = "vera", "a long browser password"
SAID = "I am so sorry your card was declined. I will unblock it right now."
sign_in = partial(sign_in_as, username=USER, password=PASSWORD)


@pytest.fixture(scope="module")
def microphone(tmp_path_factory):
    """A WAV Chromium plays as the microphone (it loops the file): the reply, then silence."""
    from simulator.voice.espeak import with_pause

    path = tmp_path_factory.mktemp("mic") / "reply.wav"
    path.write_bytes(with_pause(build_tts("embedded").speak(SAID, "en", SpeechStyle()), 3000))
    return path


@pytest.fixture(scope="module")
def voice_page(microphone):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            *FLAGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={microphone}"])
        context = browser.new_context(viewport=VIEWPORT, permissions=["microphone"])
        page = context.new_page()
        page.set_default_timeout(60_000)
        yield page
        browser.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("voice")
    scenarios = folder / "scenarios"
    shutil.copytree(FIXTURES / "scenarios", scenarios)
    card = scenarios / "frozen-card.yaml"
    card.write_text(card.read_text(encoding="utf-8").replace("channel: chat", "channel: voice"), encoding="utf-8")
    db = folder / "voice.db"
    create_accounts(db, {USER: (PASSWORD, ["trainee"])})
    env = {"EMPATHY_SIM_SCENARIOS": str(scenarios), "EMPATHY_SIM_RUBRICS": str(FIXTURES / "rubrics"),
           "EMPATHY_SIM_STT": "embedded", "EMPATHY_SIM_TTS": "embedded"}
    with app_server(db, env) as url:
        yield url, db


def record_reply(page) -> str:
    """Record the microphone's reply and return what the recogniser heard."""
    from playwright.sync_api import expect

    # A recorder still holding the last reply has "Clear recording": wait for a fresh one.
    expect(page.get_by_role("button", name="Clear recording: Record your reply")).to_have_count(0, timeout=60_000)
    page.get_by_role("button", name="Record", exact=True).click()
    page.wait_for_timeout(7_000)  # the reply is about 5 s long
    page.get_by_role("button", name="Stop recording").click()
    heard = page.get_by_label("What you said: correct it before you send it")
    heard.wait_for(timeout=120_000)  # the first recording loads the recogniser
    raw = heard.input_value()
    wrong, total = word_errors(SAID, raw)
    assert wrong <= 3, raw  # Chromium's capture resamples espeak's voice; a word or two may differ
    return raw


def played(player) -> int:
    return int(player.locator("body").get_attribute("data-played"))


def test_two_replies_spoken_into_the_microphone_are_heard_corrected_sent_and_answered_aloud(server, voice_page):
    from playwright.sync_api import expect

    url, db = server
    page = voice_page
    sign_in(page, url)
    page.get_by_role("button", name="Start").click()
    player = page.frame_locator('iframe[src*="customer_voice"]')
    expect(player.locator("svg.avatar")).to_be_visible()
    # The customer's opening is said aloud; the trainee lets them finish.
    expect(player.locator("body")).to_have_attribute("data-speaking", "true", timeout=30_000)
    expect(player.locator("body")).to_have_attribute("data-speaking", "false", timeout=60_000)
    assert played(player) >= 1

    first = record_reply(page)
    assert page.get_by_text("words a minute", exact=False).count() >= 1
    page.get_by_label("What you said: correct it before you send it").fill(SAID)
    page.get_by_role("button", name="Send", exact=True).click()
    # The customer speaks sentence by sentence in the player, its mouth moving with the sound.
    expect(player.locator("body")).to_have_attribute("data-speaking", "true", timeout=60_000)
    expect(player.locator("body")).to_have_attribute("data-speaking", "false", timeout=60_000)
    assert played(player) >= 2 and int(player.locator("body").get_attribute("data-mouth-max")) >= 5
    # Recording while the customer speaks (played again here, so the timing is the test's)
    # is talking over, and the coach says so.
    expect(page.get_by_role("button", name="Clear recording: Record your reply")).to_have_count(0, timeout=60_000)
    player.get_by_role("button", name="Play again").click()
    expect(player.locator("body")).to_have_attribute("data-speaking", "true", timeout=10_000)
    second = record_reply(page)
    expect(page.get_by_text("Let the customer finish", exact=False)).to_be_visible()
    heard_so_far = played(player)
    page.get_by_role("button", name="Send", exact=True).click()  # as heard, uncorrected
    page.get_by_text("Feedback:").nth(1).wait_for(timeout=60_000)
    expect(player.locator("body")).to_have_attribute("data-speaking", "true", timeout=60_000)
    page.locator("audio").first.wait_for(state="attached", timeout=30_000)  # to play the message again
    expect(player.locator("body")).to_have_attribute("data-speaking", "false", timeout=60_000)
    assert played(player) > heard_so_far

    turns = list(open_db(db)["turns"].rows_where("idx >= 1", order_by="idx"))
    assert [t["trainee_text"] for t in turns] == [SAID, second]
    recordings = sorted(open_db(db)["recordings"].rows, key=lambda r: r["turn_id"])
    assert [r["turn_id"] for r in recordings] == [t["id"] for t in turns]
    assert [r["raw_transcript"] for r in recordings] == [first, second]
    for recording in recordings:
        assert recording["audio"][:4] == b"RIFF" and len(recording["audio"]) > 32_000 * 4
        assert recording["engine"] == "embedded:whisper-base"
    signals = [json.loads(r["signals"]) for r in recordings]
    assert signals[0]["talked_over_seconds"] == 0 and signals[1]["talked_over_seconds"] > 0.5
