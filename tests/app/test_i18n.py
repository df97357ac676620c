"""The interface in English and German (AppTest, scripted models): the language is chosen
per account (default from the configuration), and content in either language works in
either interface."""

from __future__ import annotations

import ast
import json
import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import polib
import pytest
import streamlit as st
import yaml

from simulator import accounts, i18n
from simulator.app import state
from simulator.store.repository import Store
from tests.support.pages import ROOT, app, click, ok, reply

APP_DIR = ROOT / "simulator" / "app"
REPLY_DE = "Das tut mir leid, das war sicher unangenehm. Ich hebe die Sperre jetzt auf."


def users_db():
    return Store(os.environ["EMPATHY_SIM_DB"]).db


def german(user: str = "greta", roles: tuple[str, ...] = ("trainee", "trainer", "hr", "admin")):
    """The app signed in as `user`, whose account is set to German before the first run."""
    at = app(user, roles)
    db = users_db()
    accounts.set_language(db, accounts.find_user(db, user), "de")
    return at


@pytest.fixture
def menu(monkeypatch) -> dict[str, list[str]]:
    """The navigation of the latest run: section -> page titles (recorded from st.navigation)."""
    seen: dict[str, list[str]] = {}
    real = st.navigation

    def recording(pages, *args, **kwargs):
        seen.clear()
        if isinstance(pages, dict):
            seen.update({section: [page.title for page in items] for section, items in pages.items()})
        else:
            seen[""] = [page.title for page in pages]
        return real(pages, *args, **kwargs)

    monkeypatch.setattr(st, "navigation", recording)
    return seen


def titles(menu: dict[str, list[str]]) -> list[str]:
    return [title for items in menu.values() for title in items]


# -- everything the user can read ----------------------------------------------------------

_ICON = re.compile(r":material/[a-z_]+:")


def visible(at) -> list[str]:
    """Every text of the page a user reads: headings, text, labels, help, options, columns."""
    shown = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        shown += [e.value for e in getattr(at, kind)]
    for kind in ("button", "selectbox", "radio", "text_input", "text_area", "toggle", "checkbox", "number_input",
                 "multiselect", "slider", "expander", "tab", "metric", "date_input"):
        for element in at.get(kind):
            shown.append(getattr(element, "label", ""))
            shown.append(getattr(element.proto, "help", "") or "")
            shown += [str(o) for o in getattr(element, "options", []) or []]
    for frame in at.dataframe:  # column headings: the column_config label where one is set, and its help
        config = json.loads(frame.proto.columns or "{}")
        shown += [config.get(str(c), {}).get("label") or str(c) for c in frame.value.columns]
        shown += [c.get("help", "") for c in config.values()]
    shown += [p.proto.text for p in at.get("progress")]
    shown += [c.proto.placeholder for c in at.chat_input]
    return [s for s in shown if s]


def english_only() -> set[str]:
    """Catalog msgids whose German differs: a German page must not show any of them (the
    language picker names each language in itself, so "English" is allowed there)."""
    po = polib.pofile(str(i18n.catalog_path("de")), encoding="utf-8")
    found = {e.msgid for e in po if e.msgstr and e.msgstr != e.msgid and not i18n.placeholders(e.msgid)}
    return found - set(i18n.LANGUAGE_NAMES.values())


def _plain(text: str) -> str:
    return " ".join(_ICON.sub("", text).replace("*", "").replace("\\", "").split())


def assert_no_english(at, where: str) -> None:
    english = {_plain(m) for m in english_only()}
    leaks = sorted({s for s in visible(at) if _plain(s) in english})
    assert not leaks, f"English on the German {where} page: {leaks}"


# -- German and English users -----------------------------------------------------------------


def test_a_german_user_sees_german_navigation_titles_and_coach(db, menu):
    at = ok(german().run())
    assert "Üben" in titles(menu) and "Verlauf" in titles(menu)
    assert {"Bibliothek", "Editor", "Aufgaben", "Bewerten", "Übersicht", "Export", "Konto"} <= set(titles(menu))
    assert "Practice" not in titles(menu)
    assert [t.value for t in at.title] == ["Ein Gespräch üben"]
    assert [b.label for b in at.sidebar.button] == ["Abmelden"]
    assert_no_english(at, "practice")

    click(at, "Starten")
    markdown = [m.value for m in at.markdown]
    assert any(m.startswith(":material/lightbulb: **Versuchen Sie:** ") for m in markdown), markdown
    assert any("Die Person ist verärgert" in m for m in markdown)
    assert {b.label for b in at.button} >= {"Pausieren", "Verlassen", "Sitzung beenden"}
    assert [p.proto.text for p in at.sidebar.get("progress")][0].startswith("Ärger ")
    assert_no_english(at, "practice (session)")

    reply(at, REPLY_DE)
    assert any(e.label.startswith("Feedback: ") for e in at.expander)
    assert any(m.value.startswith("**Punktzahl: ") for m in at.markdown)
    assert_no_english(at, "practice (after a reply)")

    click(at, "Sitzung beenden")
    assert any("Diese Sitzung ist beendet" in s.value for s in at.success)
    assert {m.label for m in at.metric} >= {"Mittlere Punktzahl", "Antworten", "Unbewertet"}
    assert any(m.value.startswith("**Ergebnis:** Von Ihnen beendet") for m in at.markdown)
    assert_no_english(at, "practice (ended)")


def test_an_english_user_sees_english(db, menu):
    at = ok(app("ed", roles=("trainee",)).run())
    assert titles(menu) == ["Practice", "History", "Dashboard", "Account"]
    assert list(menu) == ["Practise", "Reports", "You"]
    assert [t.value for t in at.title] == ["Practise a conversation"]
    click(at, "Start")
    assert any(m.value.startswith(":material/lightbulb: **Try:** ") for m in at.markdown)
    assert not any("Versuchen Sie" in m.value for m in at.markdown)


def test_every_page_is_german_for_a_german_user(db, menu):
    at = german()
    ok(at.run())
    click(at, "Starten")
    reply(at, REPLY_DE)
    for page in ("history", "review", "library", "editor", "assignments", "dashboard", "export", "account"):
        ok(at.switch_page(f"app_pages/{page}.py").run())
        assert_no_english(at, page)
    ok(at.switch_page("app_pages/dashboard.py").run())
    ok(at.toggle(key=state.DASHBOARD_INCLUDE_PRACTICE).set_value(True).run())
    assert any(s.value == "Nach Person" for s in at.subheader)
    assert_no_english(at, "dashboard (with practice)")
    ok(at.radio(key=state.DASHBOARD_GROUP_BY).set_value("criterion").run())
    assert any(s.value == "Nach Kriterium" for s in at.subheader)
    assert_no_english(at, "dashboard (by criterion)")
    ok(at.switch_page("app_pages/library.py").run())
    click(at, "Bearbeiten")
    ok(at.switch_page("app_pages/editor.py").run())
    assert any(s.value == "Gültig." for s in at.success)
    assert_no_english(at, "editor (a scenario open)")
    assert {"Konto", "Übersicht"} <= set(titles(menu))


def test_core_errors_are_shown_in_german(db):
    at = ok(german("gus", roles=("trainee",)).run())
    click(at, "Starten")
    reply(at, " \t ")
    assert any(w.value.startswith("Ihre Antwort ist leer") for w in at.warning), [w.value for w in at.warning]


# -- choosing the language ---------------------------------------------------------------------


def test_the_account_page_language_switch_persists(db, menu):
    at = ok(app("ana", roles=("trainee",)).run())
    ok(at.switch_page("app_pages/account.py").run())
    assert [t.value for t in at.title] == ["Account"]
    picker = at.selectbox(key=state.ACCOUNT_LANGUAGE)
    assert picker.value == "en" and picker.options == ["English", "Deutsch"]

    ok(picker.set_value("de").run())
    assert accounts.find_user(users_db(), "ana").language == "de"
    assert [t.value for t in at.title] == ["Konto"], "the page is German at once"
    assert "Üben" in titles(menu), "and so is the menu"

    again = ok(app("ana", roles=("trainee",)).run())  # a new browser session
    assert [t.value for t in again.title] == ["Ein Gespräch üben"]
    ok(again.switch_page("app_pages/account.py").run())
    assert again.selectbox(key=state.ACCOUNT_LANGUAGE).value == "de"

    ok(again.selectbox(key=state.ACCOUNT_LANGUAGE).set_value("en").run())
    assert accounts.find_user(users_db(), "ana").language == "en"
    assert [t.value for t in again.title] == ["Account"]


def test_the_sign_in_page_uses_the_configured_language(db, monkeypatch):
    accounts.create_user(users_db(), "ben", "a long test password", ["trainee"])
    plain = ok(app(user=None).run())
    assert [t.value for t in plain.title] == ["Sign in"]

    monkeypatch.setenv("EMPATHY_SIM_LANGUAGE", "de")
    at = ok(app(user=None).run())
    assert [t.value for t in at.title] == ["Anmelden"]
    [user_name] = [t for t in at.text_input if t.label == "Benutzername"]
    [password] = [t for t in at.text_input if t.label == "Passwort"]
    user_name.set_value("ben")
    password.set_value("a long test password")
    [sign_in] = [b for b in at.button if b.label == "Anmelden"]
    ok(sign_in.click().run())
    # ben's own account is English: once signed in, the interface is his.
    assert [t.value for t in at.title] == ["Practise a conversation"]


def test_a_sign_out_reason_is_shown_in_the_sign_in_page_language(db, monkeypatch):
    monkeypatch.setenv("EMPATHY_SIM_LANGUAGE", "de")
    at = app("ben", roles=("trainee",))
    long_ago = datetime.now(timezone.utc) - timedelta(minutes=accounts.IDLE_MINUTES + 5)
    at.session_state[state.LAST_SEEN] = long_ago
    at.session_state[state.SIGNED_IN_AT] = long_ago
    ok(at.run())
    assert [t.value for t in at.title] == ["Anmelden"]
    assert any(i.value.startswith("Ihre Anmeldung ist abgelaufen") for i in at.info)


def test_new_accounts_start_in_the_configured_language(db, monkeypatch):
    monkeypatch.setenv("EMPATHY_SIM_LANGUAGE", "de")
    first = ok(app(user=None).run())
    assert [t.value for t in first.title] == ["Admin-Konto anlegen"]
    fields = {t.label: t for t in first.text_input}
    fields["Benutzername"].set_value("ada")
    fields["Passwort"].set_value("a long test password")
    fields["Passwort wiederholen"].set_value("a long test password")
    [create] = [b for b in first.button if b.label == "Anlegen und anmelden"]
    ok(create.click().run())
    assert accounts.find_user(users_db(), "ada").language == "de"
    assert [t.value for t in first.title] == ["Ein Gespräch üben"]

    ok(first.switch_page("app_pages/account.py").run())
    fields = {t.label: t for t in first.text_input}
    fields["Benutzername"].set_value("neo")
    fields["Erstes Passwort (teilen Sie es der Person mit; sie ändert es)"].set_value("another long password")
    [create] = [b for b in first.button if b.label == "Anlegen"]
    ok(create.click().run())
    assert any("neo angelegt" in s.value for s in first.success)
    assert accounts.find_user(users_db(), "neo").language == "de"


# -- content in either language works in either interface ----------------------------------------


@pytest.fixture
def real_content(monkeypatch):
    """The shipped scenarios and rubrics, English and German."""
    monkeypatch.setenv("EMPATHY_SIM_SCENARIOS", str(ROOT / "scenarios"))
    monkeypatch.setenv("EMPATHY_SIM_RUBRICS", str(ROOT / "rubrics"))


def test_a_german_scenario_in_the_english_interface(db, real_content):
    at = ok(app("eve", roles=("trainee",)).run())
    ok(at.selectbox(key=state.SCENARIO_CHOICE).set_value("zahlungsschwierigkeiten-de").run())
    source = yaml.safe_load((ROOT / "scenarios" / "zahlungsschwierigkeiten-de.yaml").read_text(encoding="utf-8"))
    caption = f"German · chat channel · difficulty {source['difficulty']}/5 · practice mode"
    assert caption in [c.value for c in at.caption]
    click(at, "Start")
    reply(at, "Das klingt belastend. Ich schaue mir das jetzt mit Ihnen an.")
    assert any(e.label.startswith("Feedback: ") for e in at.expander)
    assert any(m.value.startswith(":material/lightbulb: **Try:** ") for m in at.markdown)
    assert at.chat_input and at.chat_input[0].proto.placeholder == "Your reply to the customer"


def test_an_english_scenario_in_the_german_interface(db, real_content):
    at = german("gil", roles=("trainee",))
    ok(at.run())
    ok(at.selectbox(key=state.SCENARIO_CHOICE).set_value("frozen-account-en").run())
    assert any(c.value.startswith("Englisch · Kanal: ") for c in at.caption)
    click(at, "Starten")
    reply(at, "I'm so sorry, that must have been stressful. I'll unfreeze it now.")
    assert any(e.label.startswith("Feedback: ") for e in at.expander)
    assert any(m.value.startswith(":material/lightbulb: **Versuchen Sie:** ") for m in at.markdown)
    assert at.chat_input[0].proto.placeholder == "Ihre Antwort an die Kundin oder den Kunden"


# -- every user-facing literal in the app goes through the catalog ---------------------------------

# Streamlit calls that show their first argument (and label/help/... keywords) to the user.
SHOWN = {"title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success", "toast",
         "button", "download_button", "form_submit_button", "link_button", "page_link", "selectbox", "multiselect",
         "radio", "text_input", "text_area", "number_input", "slider", "select_slider", "checkbox", "toggle",
         "date_input", "time_input", "file_uploader", "chat_input", "expander", "spinner", "metric",
         "segmented_control", "pills", "tabs", "Page", "progress", "set_page_config", "NumberColumn", "TextColumn"}
SHOWN_KEYWORDS = {"label", "help", "placeholder", "text", "title", "page_title", "alt"}
# Proper names that read the same in every language.
UNTRANSLATED = {"YAML"}


def _literal_words(node: ast.AST) -> list[str]:
    """Words of a literal (or of an f-string's literal parts) outside any `_()` call."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = _ICON.sub("", node.value)
        return [] if text.strip() in UNTRANSLATED else re.findall(r"[A-Za-z]{2,}", text)
    if isinstance(node, ast.JoinedStr):
        return [w for part in node.values for w in _literal_words(part)]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [w for element in node.elts for w in _literal_words(element)]
    if isinstance(node, ast.BinOp):
        return _literal_words(node.left) + _literal_words(node.right)
    return []


def untranslated_literals(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name not in SHOWN:
                continue
            shown = list(node.args[:1]) + [k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS]
            for value in shown:
                if _literal_words(value):
                    found.append(f"{path.relative_to(root).as_posix()}:{node.lineno}: {ast.unparse(value)[:80]}")
    return found


def test_no_user_facing_literal_bypasses_the_catalog():
    assert not untranslated_literals(APP_DIR), "wrap these in _():\n" + "\n".join(untranslated_literals(APP_DIR))


def test_the_literal_check_catches_a_bare_label(tmp_path):
    (tmp_path / "page.py").write_text(
        'import streamlit as st\nfrom simulator.app.text import _\n'
        'st.button("Save")\nst.title(_("Library"))\nst.caption(f"{n} sessions")\n'
        'st.markdown(f"**{_(\'Coach\')}**")\nst.info(":material/info: " + _("Done"), icon=":material/info:")\n',
        encoding="utf-8")
    found = untranslated_literals(tmp_path)
    assert [line.split(": ", 1)[0].rsplit(":", 1)[1] for line in found] == ["3", "5"], found
