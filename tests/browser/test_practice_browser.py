"""The real Streamlit server driven by a real browser (Debian's Chromium via Playwright).

Scripted models keep it fast and deterministic; the embedded model is covered by
tests/test_embedded_session.py.
"""

from __future__ import annotations

import re
from functools import partial

import pytest
from playwright.sync_api import expect

from tests.support.browser import ROOT, app_server, create_accounts, go_to
from tests.support.browser import sign_in as sign_in_as

pytestmark = pytest.mark.browser

USER, PASSWORD = "tess", "a long browser password"
sign_in = partial(sign_in_as, username=USER, password=PASSWORD)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app with one account (trainee, trainer and admin) in a database of its own."""
    db = tmp_path_factory.mktemp("browser") / "browser.db"
    create_accounts(db, {USER: (PASSWORD, ["trainee", "trainer", "admin"])})
    with app_server(db) as url:
        yield url, db


def test_a_trainee_practises_a_turn_in_the_browser(server, page):
    url, db = server
    sign_in(page, url)
    page.get_by_role("button", name="Start").click()
    page.wait_for_selector("textarea", timeout=30_000)
    page.locator("textarea").fill("<b>bold?</b> I'm sorry that happened. I will fix it by 5 pm today.")
    page.keyboard.press("Enter")
    page.get_by_text("Feedback:").first.wait_for(timeout=30_000)
    from simulator.store.database import open_db

    # The customer's answer, as stored, is on the page (hybrid mode: an authored line here,
    # since the reply names a feeling and a step).
    answer = list(open_db(db)["turns"].rows_where("idx = 1"))[0]
    assert answer["customer_source"] == "authored" and answer["customer_text"]
    assert page.get_by_text(answer["customer_text"].splitlines()[0], exact=False).count() >= 1
    # the reply is shown as text: no <b> element was injected into the page
    assert page.locator("b", has_text="bold?").count() == 0
    assert page.get_by_text("<b>bold?</b>", exact=False).count() >= 1
    # the session id is in the URL, so a reload continues the same session
    assert "session=" in page.url
    page.reload()  # a reload is a new browser session: sign in again, the practice continues
    sign_in(page, None)
    page.get_by_text("<b>bold?</b>", exact=False).first.wait_for(timeout=30_000)

    turns = list(open_db(db)["turns"].rows_where("trainee_text is not null"))
    assert turns and turns[0]["trainee_text"].startswith("<b>bold?</b>")


def test_the_face_and_the_coach_are_drawn_in_the_browser(server, page):
    url, _ = server
    sign_in(page, url)
    page.get_by_role("button", name="Start").click()
    page.wait_for_selector("textarea", timeout=30_000)
    # the avatar survives Streamlit's HTML sanitising as a labelled image drawn by the app
    face = page.locator("img.customer-face").first
    face.wait_for(timeout=30_000)
    assert face.get_attribute("data-mood") in {"calm", "anxious", "angry", "relieved"}
    assert " looks " in face.get_attribute("alt")
    assert face.get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert face.evaluate("img => img.complete && img.naturalWidth > 0"), "the SVG decodes and draws"
    assert face.bounding_box()["width"] >= 60
    assert page.get_by_text("Coach", exact=True).count() == 1
    assert page.get_by_text("Try:", exact=False).count() >= 1


def test_a_trainer_opens_a_scenario_in_the_editor(server, page):
    url, _ = server
    sign_in(page, url)
    go_to(page, "Library")
    page.get_by_role("button", name="Edit").wait_for(timeout=30_000)
    page.get_by_role("button", name="Edit").click()
    page.get_by_text("Valid.", exact=True).wait_for(timeout=30_000)
    assert "/editor" in page.url
    page.get_by_role("tab", name="YAML").click()
    # The text area is filled a moment after its tab shows: wait for the value, not once.
    expect(page.get_by_role("textbox", name="YAML")).to_have_value(re.compile(r"^id: ", re.MULTILINE))


def test_a_trainer_uploads_a_scenario_and_stores_a_new_version(server, page, tmp_path):
    url, db = server
    text = (ROOT / "scenarios" / "first-debt-en.yaml").read_text(encoding="utf-8")
    changed = tmp_path / "first-debt-en.yaml"
    changed.write_text(text.replace("\ntitle: ", "\ntitle: Uploaded - ", 1), encoding="utf-8")
    sign_in(page, url)
    go_to(page, "Library")
    page.get_by_text("Import a YAML file").click()
    page.locator("input[type=file]").set_input_files(str(changed))
    page.get_by_role("button", name="Store as version 2").click()
    page.get_by_text("Stored scenario").first.wait_for(timeout=30_000)

    from simulator.store.database import open_db

    [row] = list(open_db(db)["content_versions"].rows_where("origin = 'import'"))
    assert row["content_id"] == "first-debt-en" and row["version"] == 2
