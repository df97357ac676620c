"""The message catalogs: every marked string has a German translation with the same
placeholders; the core (coach, debrief, session and account errors) speaks either language."""

from __future__ import annotations

import subprocess
import sys

import polib
import pytest

from simulator import accounts, i18n
from simulator.config import DEFAULT_SUPPORT_NOTE, load_settings
from simulator.content.schema import Scenario
from simulator.judge.verdict import CriterionVerdict, Verdict
from simulator.roleplay.coach import CLOSING, coach_note, debrief
from simulator.roleplay.mood import MoodState
from simulator.session import ReplyRejected, check_reply
from simulator.store.repository import Store
from tests.support.scenarios import WITH_FACTS

ANGRY = MoodState(anger=8, anxiety=4, trust=2)
GERMAN = [lang for lang in i18n.LANGUAGES if lang != i18n.DEFAULT_LANGUAGE]


def catalog(language: str) -> polib.POFile:
    return polib.pofile(str(i18n.catalog_path(language)), encoding="utf-8")


def verdict(**levels) -> Verdict:
    criteria = {cid: CriterionVerdict(level=level, max_level=2) for cid, level in levels.items()}
    return Verdict(status="scored", score=50.0, criteria=criteria)


# -- the catalog ---------------------------------------------------------------------------


def test_the_scan_finds_marked_strings_in_app_and_core():
    """Guards the checks below against passing on an empty scan."""
    found = {(context, msgid) for context, msgid, _ in i18n.find_msgids()}
    assert (None, "Practice") in found  # routes: _("Practice")
    assert (None, "**Try:** {suggestion}") in found  # components
    assert (None, CLOSING) in found  # coach: N_(...)
    assert (None, "Your reply is empty. Write what you would say to the customer.") in found  # session
    assert (None, "Wrong user name or password.") in found  # accounts
    assert ("date range", "To") in found and (None, "To") in found  # one word, two meanings
    assert len(found) > 400


@pytest.mark.parametrize("language", GERMAN)
def test_every_marked_string_has_a_translation(language):
    po = catalog(language)
    translated = {(e.msgctxt, e.msgid): e for e in po if not e.obsolete}
    missing = [msgid for context, msgid, _ in i18n.find_msgids() if (context, msgid) not in translated]
    assert not missing, f"not in {i18n.catalog_path(language)} (run `python -m simulator.i18n update`): {missing}"
    for (context, msgid, plural), where in i18n.find_msgids().items():
        entry = translated[(context, msgid)]
        assert (entry.msgid_plural or None) == plural, (msgid, where)


@pytest.mark.parametrize("language", GERMAN)
def test_no_translation_is_empty_fuzzy_or_unused(language):
    po = catalog(language)
    used = {(context, msgid) for context, msgid, _ in i18n.find_msgids()}
    for entry in po:
        assert not entry.obsolete, f"obsolete entry left in the catalog: {entry.msgid!r}"
        assert "fuzzy" not in entry.flags, f"fuzzy: {entry.msgid!r}"
        forms = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        assert forms and all(f.strip() for f in forms), f"no translation for {entry.msgid!r}"
        assert (entry.msgctxt, entry.msgid) in used, f"no longer used in the source: {entry.msgid!r}"
    assert po.metadata.get("Language") == language
    assert "nplurals=2" in po.metadata.get("Plural-Forms", "")


@pytest.mark.parametrize("language", GERMAN)
def test_placeholders_match(language):
    for entry in catalog(language):
        expected = i18n.placeholders(entry.msgid)
        forms = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for form in forms:
            assert i18n.placeholders(form) == expected, (entry.msgid, form)
            # The translation must format with the msgid's fields, as the code does.
            form.format(**{name: "x" for name in expected})


def test_the_command_line_check_passes():
    out = subprocess.run([sys.executable, "-m", "simulator.i18n", "check"], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_placeholder_check_catches_a_mismatch():
    assert i18n.placeholders("Saved {name} as {version}.") == {"name", "version"}
    assert i18n.placeholders("{name} gespeichert.") != i18n.placeholders("Saved {name} as {version}.")


# -- the API -------------------------------------------------------------------------------


def test_translate_and_gettext_for():
    assert i18n.translate("Practice", "de") == "Üben"
    assert i18n.translate("Practice", "en") == "Practice"
    assert i18n.gettext_for("de")("Sign in") == "Anmelden"
    assert i18n.gettext_for("en")("Sign in") == "Sign in"
    assert i18n.translate("Not a msgid anywhere", "de") == "Not a msgid anywhere"
    assert i18n.translate("Practice", "fr") == "Practice", "unknown languages fall back to English"
    assert i18n.translate("Practice", "de-AT") == "Üben"
    assert i18n.LANGUAGES == ("en", "de")


def test_plural_and_context():
    text = "{n} row(s) ready; the export is recorded in the audit log."
    assert i18n.ngettext(text, text, 1, "de").startswith("{n} Zeile bereit")
    assert i18n.ngettext(text, text, 5, "de").startswith("{n} Zeilen bereit")
    assert i18n.ngettext(text, text, 5, "en") == text
    assert i18n.pgettext("date range", "To", "de") == "Bis"
    assert i18n.translate("To", "de") == "An"
    assert i18n.pgettext("date range", "To", "en") == "To"


def test_fuzzy_and_empty_entries_fall_back_to_english(tmp_path, monkeypatch):
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Plural-Forms": "nplurals=2; plural=(n != 1);"}
    po.append(polib.POEntry(msgid="Start", msgstr="Starten"))
    po.append(polib.POEntry(msgid="Pause", msgstr="Pausieren", flags=["fuzzy"]))
    po.append(polib.POEntry(msgid="Leave", msgstr=""))
    folder = tmp_path / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po.save(str(folder / f"{i18n.DOMAIN}.po"))
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.translations.cache_clear()
    try:
        assert i18n.translate("Start", "de") == "Starten"
        assert i18n.translate("Pause", "de") == "Pause"
        assert i18n.translate("Leave", "de") == "Leave"
    finally:
        monkeypatch.undo()
        i18n.translations.cache_clear()
    assert i18n.translate("Pause", "de") == "Pausieren"


def test_i18n_and_the_coach_never_import_streamlit():
    code = "import sys, simulator.i18n, simulator.roleplay.coach, simulator.accounts; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# -- settings and accounts -----------------------------------------------------------------


def test_the_default_language_comes_from_the_configuration(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EMPATHY_SIM_CONFIG", raising=False)
    monkeypatch.delenv("EMPATHY_SIM_LANGUAGE", raising=False)
    assert load_settings().language == "en"
    monkeypatch.setenv("EMPATHY_SIM_LANGUAGE", "de")
    assert load_settings().language == "de"
    monkeypatch.setenv("EMPATHY_SIM_LANGUAGE", " DE ")
    assert load_settings().language == "de"
    monkeypatch.setenv("EMPATHY_SIM_LANGUAGE", "fr")
    with pytest.raises(ValueError):
        load_settings()
    monkeypatch.delenv("EMPATHY_SIM_LANGUAGE")
    (tmp_path / "empathy-sim.toml").write_text('language = "de"\n', encoding="utf-8")
    assert load_settings().language == "de"


def test_each_account_has_its_own_language(tmp_path):
    db = Store(tmp_path / "sim.db").db
    ana = accounts.create_user(db, "ana", "a long test password", ["trainee"])
    assert ana.language == "en"
    bert = accounts.create_user(db, "bert", "a long test password", ["trainee"], language="de")
    assert bert.language == accounts.find_user(db, "bert").language == "de"
    updated = accounts.set_language(db, ana, "de")
    assert updated.language == "de" and accounts.get_user(db, ana.id).language == "de"
    accounts.set_language(db, "bert", "en")
    assert accounts.find_user(db, "bert").language == "en"
    with pytest.raises(accounts.AccountError, match="language"):
        accounts.set_language(db, ana, "fr")
    with pytest.raises(accounts.AccountError):
        accounts.create_user(db, "cleo", "a long test password", ["trainee"], language="xx")
    assert accounts.get_user(db, ana.id).language == "de", "a refused change changes nothing"


def test_errors_are_english_text_with_a_translation():
    with pytest.raises(ReplyRejected) as empty:
        check_reply("   ")
    assert str(empty.value) == "Your reply is empty. Write what you would say to the customer."
    assert empty.value.translated("de") == "Ihre Antwort ist leer. Schreiben Sie, was Sie der Person sagen würden."
    with pytest.raises(ReplyRejected) as long:
        check_reply("x" * 5000)
    assert str(long.value) == "Your reply has 5000 characters; the limit is 4000. Shorten it."
    assert long.value.translated("de") == "Ihre Antwort hat 5000 Zeichen; erlaubt sind 4000. Kürzen Sie sie."
    with pytest.raises(accounts.AccountError) as short:
        accounts.check_new_password("short", "ana")
    assert str(short.value) == "Use a password of at least 10 characters."
    assert short.value.translated("de") == "Verwenden Sie ein Passwort mit mindestens 10 Zeichen."


# -- the coach and the debrief ---------------------------------------------------------------


def test_the_coach_speaks_german(rubric):
    scenario = Scenario.model_validate(WITH_FACTS)
    note = coach_note(scenario, rubric, ANGRY, None, [], language="de")
    assert note.needs == "Die Person ist verärgert und möchte ernst genommen werden."
    # The scenario's own hint is content: it stays in the scenario's language.
    assert note.suggestion == "Ask which payments are coming up."
    assert note.based_on == ["mood", "fact:rent-due"]

    weak = coach_note(scenario, rubric, ANGRY, verdict(emotional_reaction=0, ownership_next_step=2), [],
                      language="de")
    assert "vermisst: emotional reaction" in weak.needs
    assert weak.suggestion == "Darauf hinarbeiten: names the feeling."

    opened = coach_note(scenario, rubric, ANGRY, verdict(emotional_reaction=1, ownership_next_step=2), ["rent-due"],
                        language="de", told=set())
    assert "hat noch mehr zu erzählen: Ihre letzte Frage hat etwas geöffnet" in opened.needs

    calm = MoodState(anger=1, anxiety=1, trust=8)
    done = coach_note(scenario, rubric, calm, verdict(emotional_reaction=2, ownership_next_step=2),
                      ["rent-due", "sister"], language="de")
    assert done.suggestion == i18n.translate(CLOSING, "de") != CLOSING
    assert done.suggestion.startswith("Fassen Sie zusammen")


def test_the_coach_stays_english_by_default(rubric):
    note = coach_note(Scenario.model_validate(WITH_FACTS), rubric, ANGRY, None, [])
    assert note.needs == "The customer is angry and wants to be taken seriously."


def test_the_debrief_speaks_german(rubric):
    summary = {"criteria": {"emotional_reaction": {"mean_level": 2.0}, "ownership_next_step": {"mean_level": 0.5}}}
    result = debrief(summary, rubric, DEFAULT_SUPPORT_NOTE, language="de")
    assert result.went_well == "Emotional reaction: Ihre größte Stärke (im Mittel 2 von 2)."
    assert result.try_next == "Darauf hinarbeiten: concrete with a time."
    assert result.support.startswith("Wenn Sie dieses Gespräch noch beschäftigt")
    # A support note set in the configuration is shown as written.
    assert debrief(summary, rubric, "Ruf Frau Berg an (Durchwahl 42).", language="de").support == \
        "Ruf Frau Berg an (Durchwahl 42)."
    empty = debrief({"criteria": {}}, rubric, "x", language="de")
    assert empty.went_well.startswith("Sie sind in einem schwierigen Gespräch drangeblieben")
    english = debrief(summary, rubric, DEFAULT_SUPPORT_NOTE)
    assert english.went_well.startswith("Emotional reaction: your strongest part")
    assert english.support == DEFAULT_SUPPORT_NOTE


def test_the_cli_creates_accounts_in_the_configured_language(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from simulator.cli import cli
    from simulator.store.database import open_db

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EMPATHY_SIM_CONFIG", raising=False)
    monkeypatch.setenv("EMPATHY_SIM_LANGUAGE", "de")
    db = tmp_path / "users.db"
    runner = CliRunner()
    base = ["--db", str(db), "user", "add", "--role", "trainee", "--password", "a long cli password"]
    assert runner.invoke(cli, [*base, "dora"]).exit_code == 0
    assert runner.invoke(cli, [*base, "eric", "--language", "en"]).exit_code == 0
    assert accounts.find_user(open_db(db), "dora").language == "de"
    assert accounts.find_user(open_db(db), "eric").language == "en"
