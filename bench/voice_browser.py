"""A voice scenario in the real browser, timed as the trainee lives it.

    python bench/voice_browser.py [--scenario kartenterminal-de] [--replies 4]

Starts the app (`empathy-sim app`: the real Streamlit server, embedded customer and judge,
Whisper and espeak-ng, its own SQLite file in a temporary folder) and Debian's Chromium
with a fake microphone (`--use-file-for-fake-audio-capture`) that plays the product's own
voice saying the scenario's first scripted reply (bench/turn_latency.SCRIPTS). A trainee
signs in, starts the scenario, listens to the opening, and then, `--replies` times:
records for the reply's length plus 1.5 s, stops, waits for the transcript, corrects it
to the script's next line (one microphone file serves every reply; each message sent
differs) and sends it.

Per reply: `heard_s`, from the click on Stop to the transcript in the correction box
(the upload, the page's rerun, the recognition); `voice_s`, from the click on Send to the
customer's player speaking (the reply stored, the customer's message streamed to its
first clause, spoken). The next recording starts once the customer has finished
speaking, with the grading of earlier replies going on, as a trainee who answers at once.
Prints one line per reply, then one JSON object with the medians on its last line.

Needs Chromium and Playwright: `make test` installs both (or `apt-get install chromium`
and `pip install -e '.[test]'`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.turn_latency import SCRIPTS  # noqa: E402
from simulator.voice.audio import read_recording  # noqa: E402
from simulator.voice.backends import SpeechStyle, build_tts  # noqa: E402
from simulator.voice.espeak import with_pause  # noqa: E402
from tests.support.browser import CHROMIUM, FLAGS, VIEWPORT, app_server, create_accounts, sign_in  # noqa: E402

USER, PASSWORD = "bench", "a long benchmark password"
EMBEDDED = {"EMPATHY_SIM_CUSTOMER_MODEL": "embedded:default", "EMPATHY_SIM_JUDGE_MODEL": "embedded:default",
            "EMPATHY_SIM_DRAFTING_MODEL": "embedded:default", "EMPATHY_SIM_STT": "embedded",
            "EMPATHY_SIM_TTS": "embedded"}
WAIT_MS = 180_000


def microphone(folder: Path, line: str, language: str) -> tuple[Path, float]:
    """The fake microphone's file (the line, then silence; Chromium loops it) and the
    line's length in seconds."""
    speech = build_tts("embedded").speak(line, language, SpeechStyle())
    path = folder / "microphone.wav"
    path.write_bytes(with_pause(speech, 4000))
    return path, read_recording(speech).seconds


def speaking(player, value: str, timeout_ms: int = WAIT_MS) -> None:
    from playwright.sync_api import expect

    expect(player.locator("body")).to_have_attribute("data-speaking", value, timeout=timeout_ms)


def one_reply(page, player, record_s: float, send: str) -> tuple[float, float, str]:
    """(heard_s, voice_s, what was heard) for one spoken reply."""
    from playwright.sync_api import expect

    expect(page.get_by_role("button", name="Clear recording: Record your reply")).to_have_count(0, timeout=WAIT_MS)
    page.get_by_role("button", name="Record", exact=True).click()
    page.wait_for_timeout(int(record_s * 1000))
    page.get_by_role("button", name="Stop recording").click()
    stopped = time.perf_counter()
    heard = page.get_by_label("What you said: correct it before you send it")
    heard.wait_for(timeout=WAIT_MS)
    heard_s, raw = time.perf_counter() - stopped, heard.input_value()
    heard.fill(send)
    page.get_by_role("button", name="Send", exact=True).click()
    sent = time.perf_counter()
    speaking(player, "true")
    voice_s = time.perf_counter() - sent
    speaking(player, "false")
    return heard_s, voice_s, raw


def run(scenario_id: str, language: str, replies: int, folder: Path) -> list[tuple[float, float]]:
    from playwright.sync_api import sync_playwright

    from simulator.content.library import default_content_dirs, load_library

    library, _ = load_library(*default_content_dirs())
    title = library.scenarios[scenario_id].title
    script = SCRIPTS[language]
    mic, said_s = microphone(folder, script[0], language)
    db = folder / "voice-browser.db"
    create_accounts(db, {USER: (PASSWORD, ["trainee"])})
    found = []
    with app_server(db, EMBEDDED) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            *FLAGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={mic}"])
        page = browser.new_context(viewport=VIEWPORT, permissions=["microphone"]).new_page()
        page.set_default_timeout(WAIT_MS)
        sign_in(page, url, username=USER, password=PASSWORD)
        page.get_by_label("Scenario").click()
        page.get_by_role("option", name=title).click()
        page.get_by_role("button", name="Start").click()
        player = page.frame_locator('iframe[src*="customer_voice"]')
        speaking(player, "true")  # the opening, said aloud; the trainee lets the customer finish
        speaking(player, "false")
        for index in range(replies):
            heard_s, voice_s, raw = one_reply(page, player, said_s + 1.5, script[1 + index % (len(script) - 1)])
            found.append((heard_s, voice_s))
            print(f"reply {index + 1}: transcript after {heard_s:.2f} s, customer's voice {voice_s:.2f} s "
                  f"after Send | heard: {raw}", flush=True)
        browser.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="kartenterminal-de")
    parser.add_argument("--language", default="de", choices=sorted(SCRIPTS))
    parser.add_argument("--replies", type=int, default=4)
    args = parser.parse_args()
    found = run(args.scenario, args.language, args.replies, Path(tempfile.mkdtemp(prefix="voice-browser-")))
    heard, voice = [h for h, _ in found], [v for _, v in found]
    print(json.dumps({
        "scenario": args.scenario, "replies": len(found),
        "heard_median_s": round(statistics.median(heard), 2), "heard_s": [round(h, 2) for h in heard],
        "voice_after_send_median_s": round(statistics.median(voice), 2), "voice_after_send_s": [round(v, 2) for v in voice],
    }))


if __name__ == "__main__":
    main()
