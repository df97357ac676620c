"""End to end in a real browser: Playwright drives Debian's Chromium (/usr/bin/chromium)
against the real Streamlit server, started here with `empathy-sim --db <temp db> app` on a
free port and scripted models (never the embedded one).

One server and one browser serve the whole module; each test has browser contexts of
its own (a context is a separate browser profile: its own cookies and Streamlit session).

1. a trainee signs in, practises a scenario to its real end, sees the feedback on every
   reply, then the summary and the transcript;
2. a trainer duplicates a scenario in the studio, sees the editor's validation, saves
   it and tries it as a trainee (a trial session with the new opening);
3. HR exports CSVs (replies and sessions) and the downloaded files hold the finished
   sessions and no trial;
4. a trainee who types another person's session id into the URL is refused and sees
   none of it;
5. several trainees at once, in parallel contexts on the one server, each see only
   their own session and replies.

Screenshots of every step: `<folder>/<test>-<nn>-<step>.png` (full page), where <folder>
is $EMPATHY_SIM_SCREENSHOTS when set, else a fresh folder under pytest's temporary
directory (`pytest --basetemp DIR` to choose it). The folder is printed at the end of the
run (and with `-s` at the start) and recorded as the `screenshots` property of each test
(in `--junitxml` reports). The downloaded CSVs are kept next to the screenshots.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect

from tests.support.browser import (
    ROOT,
    VIEWPORT,
    WAIT_MS,
    add_user_with_cli,
    app_server,
    create_accounts,
    go_to,
    settled,
    sign_in,
)

pytestmark = pytest.mark.browser

PASSWORD = "an end-to-end password"
TRAINEE, OTHER, TRAINER, HR = "tina", "otto", "trevor", "hanna"
CROWD = ("pia", "paul", "petra")
SCENARIO = "app-update-older-en"  # a chat scenario in practice mode
OTHER_SCENARIO = "frozen-account-en"
# Otto's replies: text that must never show up on anyone else's page.
OTHER_REPLIES = ("Otto here: my private note about the heron in the garden.",
                 "Otto again: the second private line nobody else may read.")

# How the end screen names each real end of a session (the End button's "ended" is not one).
OUTCOMES = {"resolved": "the customer's concern was settled", "abandoned": "the customer gave up",
            "turn_limit": "Turn limit reached"}

# What the tests in this module have done, for the later ones (the export checks that
# the trainee's finished session is in it when that test ran first, as it does in order).
PLAYED: dict[str, str] = {}


@dataclass
class App:
    url: str
    db: Path
    other_session: str  # otto's finished session, made through the core before the server started

    def database(self):
        from simulator.store.database import open_db

        return open_db(self.db)


def scenario_yaml(scenario_id: str) -> dict:
    return yaml.safe_load((ROOT / "scenarios" / f"{scenario_id}.yaml").read_text(encoding="utf-8"))


def seed_other_session(db: Path) -> str:
    """A finished session of another trainee, played through the core with scripted models."""
    from simulator.config import load_settings
    from simulator.content.library import default_content_dirs, load_library
    from simulator.session import Services, TrainingSession

    settings = load_settings(db=db, customer_model="scripted", judge_model="scripted", drafting_model="scripted")
    library, _ = load_library(*default_content_dirs())
    services = Services.from_settings(settings, library=library)
    session = TrainingSession.start(services, OTHER_SCENARIO, trainee=OTHER)
    for reply in OTHER_REPLIES:
        pending = session.submit(reply)
        "".join(pending.stream_customer())
        pending.result()
        session.refresh()
        if session.finished:
            break
    session.end("ended")
    return session.id


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> App:
    db = tmp_path_factory.mktemp("e2e") / "e2e.db"
    create_accounts(db, {
        TRAINEE: (PASSWORD, ["trainee"]),
        OTHER: (PASSWORD, ["trainee"]),
        TRAINER: (PASSWORD, ["trainer"]),
        **{name: (PASSWORD, ["trainee"]) for name in CROWD},
    })
    add_user_with_cli(db, HR, PASSWORD, ["hr"])  # the way an admin with shell access does it
    other = seed_other_session(db)
    with app_server(db) as url:
        yield App(url=url, db=db, other_session=other)


# -- helpers --------------------------------------------------------------------------


def choose(page, label: str, option: str) -> None:
    """Pick `option` in the select box labelled `label` (once the page is idle: a rerun
    would close the open list)."""
    settled(page)
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def feedback(page):
    """The feedback expander of every reply in the transcript."""
    return page.locator('[data-testid="stExpander"] summary').filter(has_text="Feedback:")


def graded(page):
    """The feedback expanders whose verdict is in: a score, or "Unscored" (never "not graded yet")."""
    return page.locator('[data-testid="stExpander"] summary').filter(
        has_text=re.compile(r"Feedback: (\d+/100|Unscored)"))


def session_in_url(page) -> str:
    page.wait_for_url(re.compile(r"[?&]session=[0-9a-f]+"), timeout=WAIT_MS)
    return re.search(r"[?&]session=([0-9a-f]+)", page.url).group(1)


def send(page, text: str) -> None:
    box = page.get_by_placeholder("Your reply to the customer")
    box.fill(text)
    box.press("Enter")


def chat_message(page, text: str):
    """The chat message (a reply or a customer message) that shows `text`."""
    return page.locator('[data-testid="stChatMessage"]').filter(has_text=text)


def first_words(text: str, n: int = 8) -> str:
    return " ".join(text.split()[:n])


# -- 1. a trainee practises a scenario to its end ---------------------------------------


def test_a_trainee_practises_a_scenario_to_its_end(app, page, shot):
    scenario = scenario_yaml(SCENARIO)
    sign_in(page, app.url, TRAINEE, PASSWORD)
    page.get_by_role("button", name="Start").wait_for()
    shot(page, "signed-in")

    choose(page, "Scenario", scenario["title"])
    page.get_by_role("heading", name=scenario["title"]).wait_for()
    page.get_by_text(scenario["objectives"][0]).wait_for()
    shot(page, "scenario-chosen")

    page.get_by_role("button", name="Start").click()
    opening = first_words(scenario["opening"])
    page.get_by_text(opening).first.wait_for()
    session = session_in_url(page)
    page.get_by_text(f"Session {session} · {TRAINEE}").wait_for()
    page.get_by_text("Coach", exact=True).wait_for()
    shot(page, "started")

    limit = scenario["end"]["max_turns"]
    ended = page.get_by_text("This session has ended.")
    replies: list[str] = []
    for n in range(1, limit + 1):
        reply = (f"Reply {n}: I am sorry this is so worrying, Mr Bexley. Take your time; I will stay with you "
                 "and we will find the payment together, step by step.")
        send(page, reply)
        replies.append(reply)
        # The reply and its verdict are drawn after the rerun that follows the turn (the
        # verdict may come a moment later than the customer's message).
        expect(feedback(page)).to_have_count(n, timeout=WAIT_MS)
        expect(graded(page)).to_have_count(n, timeout=WAIT_MS)
        settled(page)
        if ended.count():
            break
        # Practice mode: the newest reply's feedback is open, with a score and a level per criterion.
        latest = page.locator('[data-testid="stExpander"]').filter(
            has=page.locator("summary", has_text="Feedback:")).last
        expect(latest.get_by_text(re.compile(r"Score: \d+/100|Unscored")).first).to_be_visible()
        assert latest.get_by_text(re.compile(r"· (\d+/\d+|Unscored)")).count() >= 1
        shot(page, f"reply-{n}")
    else:
        pytest.fail(f"the session did not end within its turn limit of {limit} replies")
    shot(page, "ended")

    # The end screen: outcome, mean score, the count of replies, the transcript with every reply.
    row = app.database()["sessions"].get(session)
    assert row["status"] == "finished" and row["trainee"] == TRAINEE
    assert row["outcome"] in OUTCOMES, f"a real end (not the End button): {row['outcome']}"
    expect(page.get_by_text("Outcome:")).to_be_visible()
    expect(page.get_by_text(OUTCOMES[row["outcome"]])).to_be_visible()
    mean = page.locator('[data-testid="stMetric"]').filter(has_text="Mean score")
    expect(mean.locator('[data-testid="stMetricValue"]')).to_have_text(re.compile(r"^(\d+/100|—)$"))
    count = page.locator('[data-testid="stMetric"]').filter(has_text="Replies")
    expect(count.locator('[data-testid="stMetricValue"]')).to_have_text(str(len(replies)))
    expect(page.get_by_text("Transcript", exact=True)).to_be_visible()
    expect(page.get_by_text(opening).first).to_be_visible()
    for reply in replies:
        expect(page.get_by_text(reply, exact=True)).to_have_count(1)
    expect(graded(page)).to_have_count(len(replies))
    expect(page.get_by_role("button", name="Start a new session")).to_be_visible()
    expect(page.get_by_placeholder("Your reply to the customer")).to_have_count(0)  # no more replies

    PLAYED["trainee_session"] = session
    PLAYED["trainee_replies"] = str(len(replies))


# -- 2. a trainer creates a scenario and tries it --------------------------------------------


def test_a_trainer_creates_a_scenario_and_tries_it(app, page, shot):
    source = scenario_yaml(OTHER_SCENARIO)
    title = "E2E: frozen account, written in the studio"
    opening = "I am the opening written in the studio by the end-to-end test. Can you help me?"
    sign_in(page, app.url, TRAINER, PASSWORD)
    go_to(page, "Library")
    page.get_by_role("button", name="Duplicate").wait_for()
    choose(page, "Choose one", f"{source['title']} ({OTHER_SCENARIO}, version {source['version']})")
    shot(page, "library")

    page.get_by_role("button", name="Duplicate").click()
    page.wait_for_url(re.compile(r"/editor"))
    page.get_by_text("Editing a scenario · new").wait_for()
    page.get_by_text("Valid.", exact=True).wait_for()
    shot(page, "duplicated")

    # The common fields through the form.
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Opening message").fill(opening)
    page.get_by_role("button", name="Apply the form").click()
    # The form rewrites the YAML; the diff against the version it started from shows the change.
    page.get_by_text(f"+title: '{title}'", exact=False).or_(page.get_by_text(f"+title: {title}")).first.wait_for()
    page.get_by_text("Valid.", exact=True).wait_for()
    shot(page, "form-applied")

    # A broken edit in the YAML is reported with the validator's message; nothing can be saved.
    page.get_by_role("tab", name="YAML").click()
    yaml_box = page.get_by_role("textbox", name="YAML")
    expect(yaml_box).to_have_value(re.compile(re.escape(opening)))
    good = yaml_box.input_value()
    assert f"id: {OTHER_SCENARIO}-copy" in good
    broken = re.sub(r"(?m)^(\s*max_turns:) \d+", r"\1 0", good, count=1)
    assert broken != good
    yaml_box.fill(broken)
    yaml_box.press("Control+Enter")
    page.get_by_text(re.compile(r"problem\(s\); it cannot be saved or tried")).wait_for()
    expect(page.get_by_text(re.compile(r"editor:\d+: end\.max_turns"))).to_be_visible()
    # (the stale buttons of the last run go once this run has stopped at the problems)
    expect(page.get_by_role("button", name="Save as a new version")).to_have_count(0)
    shot(page, "validation-problem")

    yaml_box.fill(good)
    yaml_box.press("Control+Enter")
    page.get_by_text("Valid.", exact=True).wait_for()
    expect(page.get_by_text(re.compile(r"problem\(s\); it cannot be saved"))).to_have_count(0)
    shot(page, "valid-again")

    page.get_by_label("What changed (saved with the version)").fill("Written by the end-to-end test")
    page.get_by_role("button", name="Save as a new version").click()
    page.get_by_text(f"Saved scenario '{OTHER_SCENARIO}-copy' as version 1.", exact=False).wait_for()
    shot(page, "saved")

    page.get_by_role("button", name="Try it as a trainee").click()
    page.wait_for_url(re.compile(r"^[^?]*/(\?|$)"))  # the practice page
    chat_message(page, opening).wait_for()
    page.get_by_role("heading", name=title).wait_for()
    session = session_in_url(page)
    page.get_by_text(f"Session {session} · {TRAINER}").wait_for()
    expect(page.get_by_placeholder("Your reply to the customer")).to_be_visible()
    shot(page, "trial-started")

    stored = app.database()["content_versions"]
    [saved] = list(stored.rows_where("content_id = ? and origin = 'studio'", [f"{OTHER_SCENARIO}-copy"]))
    assert saved["author"] == TRAINER and saved["version"] == 1
    row = app.database()["sessions"].get(session)
    assert row["trial"] == 1 and row["trainee"] == TRAINER and row["scenario_id"] == f"{OTHER_SCENARIO}-copy"
    PLAYED["trial_session"] = session


# -- 3. HR exports a CSV and opens it --------------------------------------------------------


def export_csv(page, shot, screenshots_folder: Path, rows: str) -> list[dict[str, str]]:
    """Prepare the export of `rows` (replies or sessions) in both modes, download it, read it."""
    ready = page.get_by_text(re.compile(r"\d+ row\(s\) ready"))
    go_to(page, "Export")  # a fresh run: an earlier export's count stays after its download
    expect(ready).to_have_count(0)
    page.get_by_role("radiogroup", name="CSV rows").get_by_text(rows, exact=True).click()
    page.get_by_role("radiogroup", name="Mode").get_by_text("both", exact=True).click()
    page.get_by_role("button", name="Prepare the export").click()
    ready.wait_for()
    written = int(re.match(r"(\d+)", ready.inner_text()).group(1))
    shot(page, f"{rows}-ready")
    with page.expect_download(timeout=WAIT_MS) as pending:
        page.get_by_role("button", name="Download empathy-sim-export.csv").click()
    download = pending.value
    assert download.suggested_filename == "empathy-sim-export.csv"
    path = screenshots_folder / f"hr-export-{rows}.csv"
    download.save_as(path)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        table = list(csv.DictReader(handle))
    expect(ready).to_be_visible()  # the download does not rerun the page: the count stays for another download
    assert len(table) == written, "the file holds the rows the page announced"
    expect(page.get_by_text("Nothing matched these filters.")).to_have_count(0)
    return table


def test_hr_exports_a_csv_and_opens_it(app, page, shot, screenshots_folder):
    db = app.database()
    sign_in(page, app.url, HR, PASSWORD)
    go_to(page, "Export")
    page.get_by_role("button", name="Prepare the export").wait_for()
    shot(page, "export-page")

    replies = export_csv(page, shot, screenshots_folder, "replies")
    for column in ("session_id", "trainee", "scenario_id", "mode", "turn", "reply", "verdict_status", "score",
                   "score_source", "judge_model"):
        assert column in replies[0], f"column {column} in the replies CSV"
    finished = {app.other_session: OTHER}
    if "trainee_session" in PLAYED:  # the trainee's session of the first test
        finished[PLAYED["trainee_session"]] = TRAINEE
    for session, trainee in finished.items():
        mine = [r for r in replies if r["session_id"] == session]
        stored = list(db["turns"].rows_where("session_id = ? and trainee_text is not null", [session]))
        assert len(mine) == len(stored) >= 1, f"every reply of {trainee}'s session is exported"
        assert {r["trainee"] for r in mine} == {trainee}
        assert {r["reply"] for r in mine} == {t["trainee_text"] for t in stored}
        for r in mine:
            assert r["verdict_status"] in {"scored", "unscored"}
            assert (r["score"] == "") == (r["verdict_status"] == "unscored"), "unscored is empty, never 0"
    assert PLAYED.get("trial_session") not in {r["session_id"] for r in replies}, "a trial is never exported"

    sessions = export_csv(page, shot, screenshots_folder, "sessions")
    for column in ("session_id", "trainee", "scenario_id", "status", "outcome", "replies", "mean_score"):
        assert column in sessions[0], f"column {column} in the sessions CSV"
    by_id = {r["session_id"]: r for r in sessions}
    for session, trainee in finished.items():
        row, stored = by_id[session], db["sessions"].get(session)
        assert row["trainee"] == trainee and row["status"] == "finished" and row["outcome"] == stored["outcome"]
    if "trainee_session" in PLAYED:
        assert by_id[PLAYED["trainee_session"]]["replies"] == PLAYED["trainee_replies"]
    assert PLAYED.get("trial_session") not in by_id


# -- 4. another person's session is refused ----------------------------------------------------


def test_a_trainee_is_refused_another_persons_session(app, page, shot):
    other = app.other_session
    opening = first_words(scenario_yaml(OTHER_SCENARIO)["opening"])
    # A typed (or shared) link starts a new browser session: sign in first, then the app
    # tries to continue the session in the link.
    page.goto(f"{app.url}/?session={other}")
    page.get_by_label("User name").wait_for()
    shot(page, "link-asks-to-sign-in")
    sign_in(page, None, TRAINEE, PASSWORD)
    page.get_by_text(f"There is no session {other} of yours. Start a new one.").wait_for()
    page.get_by_role("button", name="Start").wait_for()
    shot(page, "refused")

    # Its replies, its customer's opening and its header ("Session <id> · otto") are nowhere.
    for text in (*OTHER_REPLIES, opening, re.compile(rf"Session {other} ·")):
        expect(page.get_by_text(text)).to_have_count(0)
    expect(page.get_by_placeholder("Your reply to the customer")).to_have_count(0)
    assert f"session={other}" not in page.url, "the refused id is dropped from the URL"

    # Nor does History list it.
    go_to(page, "History")
    page.get_by_role("heading", name="History").wait_for()
    shot(page, "history")
    for text in (*OTHER_REPLIES, f"· {OTHER}"):
        expect(page.get_by_text(text, exact=False)).to_have_count(0)
    picker = page.get_by_role("combobox", name="Open a session")
    if picker.count():
        picker.click()
        options = [o.inner_text() for o in page.get_by_role("option").all()]
        page.keyboard.press("Escape")
        assert options and all(o.endswith(f"· {TRAINEE}") for o in options), options


# -- 5. several trainees at once ----------------------------------------------------------------


def test_parallel_trainees_do_not_see_each_others_state(app, browser, shot):
    contexts = [browser.new_context(viewport=VIEWPORT) for _ in CROWD]
    try:
        pages = [context.new_page() for context in contexts]
        for page in pages:
            page.set_default_timeout(WAIT_MS)
            page.goto(app.url)
        # Every action goes to all three pages before any wait, so the server runs them side by side.
        for page, name in zip(pages, CROWD):
            page.get_by_label("User name").fill(name)
            page.get_by_label("Password", exact=True).and_(page.locator("input")).fill(PASSWORD)
        for page in pages:
            page.get_by_role("button", name="Sign in").click()
        for page, name in zip(pages, CROWD):
            expect(page.get_by_text("Signed in as")).to_contain_text(name)
            page.get_by_role("button", name="Start").wait_for()
            settled(page)
        for page in pages:
            page.get_by_role("button", name="Start").click()
        sessions = [session_in_url(page) for page in pages]
        assert len(set(sessions)) == len(CROWD), "every trainee has a session of their own"
        for page in pages:
            page.get_by_placeholder("Your reply to the customer").wait_for()
            settled(page)

        said = {name: [] for name in CROWD}
        for round_ in (1, 2):
            for page, name in zip(pages, CROWD):
                text = f"{name} says, in round {round_}: a line only {name} ever wrote."
                said[name].append(text)
                send(page, text)
            for page in pages:
                expect(feedback(page)).to_have_count(round_, timeout=WAIT_MS)
                expect(graded(page)).to_have_count(round_, timeout=WAIT_MS)
                settled(page)
        for page, name, session in zip(pages, CROWD, sessions):
            shot(page, f"{name}")
            page.get_by_text(f"Session {session} · {name}").wait_for()
            expect(page.get_by_text("Signed in as")).to_contain_text(name)
            for text in said[name]:
                expect(page.get_by_text(text, exact=True)).to_have_count(1)
            for other, other_session in zip(CROWD, sessions):
                if other == name:
                    continue
                for text in said[other]:
                    expect(page.get_by_text(text, exact=True)).to_have_count(0)
                expect(page.get_by_text(other_session, exact=False)).to_have_count(0)
            assert f"session={session}" in page.url

        db = app.database()
        for name, session in zip(CROWD, sessions):
            row = db["sessions"].get(session)
            assert row["trainee"] == name
            stored = [t["trainee_text"] for t in db["turns"].rows_where(
                "session_id = ? and trainee_text is not null", [session], order_by="idx")]
            assert stored == said[name], "each reply stored in its own trainee's session, in order"
    finally:
        for context in contexts:
            context.close()
