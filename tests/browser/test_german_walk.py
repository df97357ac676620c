"""Every page in German, as an admin who switched the interface language (issue 14): no
interface string of ours is left in English, and none of Streamlit's own English prompts
("Choose options", the YYYY/MM/DD date placeholder) shows.

Our strings are the German catalog's: every translated msgid of four words or more must
not appear in English on a German page (content, such as scenario and rubric text, stays
in the language it was written in and is not checked)."""

from __future__ import annotations

import re

import polib
import pytest

from simulator import accounts, i18n
from simulator.store.database import open_db
from tests.support.browser import app_server, create_accounts, settled

pytestmark = pytest.mark.browser

USER, PASSWORD = "greta", "a long test password"
STREAMLIT_ENGLISH = ["Choose options", "Choose an option", "YYYY/MM/DD"]


def english_interface_strings() -> list[str]:
    po = polib.pofile(str(i18n.catalog_path("de")))
    return [e.msgid for e in po if not e.obsolete and e.msgstr and e.msgstr != e.msgid and "{" not in e.msgid
            and len(e.msgid.split()) >= 4]


@pytest.fixture(scope="module")
def german_app(tmp_path_factory):
    db = tmp_path_factory.mktemp("german") / "german.db"
    create_accounts(db, {USER: (PASSWORD, ["admin", "trainer", "hr", "trainee"])})
    accounts.set_language(open_db(db), USER, "de")
    with app_server(db) as url:
        yield url


def visible_text(page) -> str:
    parts = [page.locator("body").inner_text()]
    # Placeholders show in empty fields; a select box keeps one in its DOM behind a chosen value.
    parts += page.locator("input, textarea").evaluate_all(
        "els => els.filter(e => !e.closest('[data-testid=\"stSelectbox\"]')).map(e => e.placeholder || '')")
    return "\n".join(parts)


def test_every_page_in_german_has_no_english_interface_string(german_app, page, shot):
    page.goto(german_app)
    page.get_by_label("User name").fill(USER)  # the sign-in form is in the default language
    page.get_by_label("Password", exact=True).and_(page.locator("input")).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Angemeldet als").wait_for()
    page.get_by_role("button", name="Starten").click()
    box = page.get_by_placeholder(re.compile("Ihre Antwort"))
    box.fill("Das tut mir wirklich leid. Was ist genau passiert?")
    box.press("Enter")
    page.get_by_text("Das tut mir wirklich leid. Was ist genau passiert?", exact=True).wait_for()
    settled(page)
    ours = english_interface_strings()
    assert len(ours) > 100, "the catalog was read"
    nav = page.locator('[data-testid="stSidebarNavLink"]')
    names = [link.inner_text().split("\n")[-1] for link in nav.all()]
    assert {"Üben", "Verlauf", "Bibliothek", "Aufgaben", "Konto"} <= set(names), names
    found: dict[str, list[str]] = {}
    for index, name in enumerate(names):
        nav.nth(index).click()
        page.wait_for_timeout(500)
        settled(page)
        shot(page, re.sub(r"\W", "", name.casefold()) or str(index))
        text = visible_text(page)
        english = [s for s in ours if s in text] + [s for s in STREAMLIT_ENGLISH if s in text]
        if english:
            found[name] = english
    assert not found, f"English on German pages: {found}"
