"""The interface's languages: English source strings, German from a gettext catalog.

Every user-facing string is written in English in the source and marked:

* `_("...")` translates now (the app's `_` uses the signed-in user's language, see
  `simulator.app.text`);
* `N_("...")` only marks a string that is translated later, where it is shown (module
  constants such as the outcome texts, and the messages of `Translatable` errors);
* `translate(text, language)` / `ngettext(singular, plural, n, language)` are for the
  core, which is told the language (the coach, the debrief);
* `pgettext(context, text, language)` (the app's `pgettext(context, text)`) where one
  English word needs two translations, e.g. "To" of a date range and "To" of an assignment.

The English text *is* the msgid, so English needs no catalog. German comes from
`simulator/locale/de/LC_MESSAGES/empathy_sim.po`. That source file is read with polib
and compiled in memory on first use (no build step, no msgfmt); entries that are fuzzy,
obsolete or untranslated fall back to English, as with gettext. Dynamic parts are
`{name}` placeholders filled in after translation, never concatenated fragments.

Scenario and rubric text (personas, hints, coaching anchors) is content and stays in the
language it was written in; only the interface around it is translated.

Maintenance: `python -m simulator.i18n check` lists marked strings without a German
translation; `python -m simulator.i18n update` adds them to the .po (empty, to translate).
This module never imports streamlit.
"""

from __future__ import annotations

import ast
import gettext as _gettext
import io
import string
import sys
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

LANGUAGES: tuple[str, ...] = ("en", "de")
DEFAULT_LANGUAGE = "en"
#: Each language named in itself, as a language picker shows it (never translated).
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch"}
DOMAIN = "empathy_sim"
PACKAGE_DIR = Path(__file__).resolve().parent
LOCALE_DIR = PACKAGE_DIR / "locale"
#: The names under which a call marks its first argument as a msgid (see `find_msgids`).
MARKERS = frozenset({"_", "N_", "translate", "gettext"})
PLURAL_MARKERS = frozenset({"ngettext"})
CONTEXT_MARKERS = frozenset({"pgettext"})


def N_(text: str) -> str:
    """Mark `text` for translation without translating it (it is translated where shown)."""
    return text


def normalise(language: str | None) -> str:
    """A supported language code for `language` ("de", "de-DE", "de_AT" -> "de"); English otherwise."""
    code = (language or "").strip().replace("_", "-").split("-")[0].casefold()
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def catalog_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=None)
def translations(language: str) -> _gettext.NullTranslations:
    """The gettext translations for `language` (English: the msgids themselves)."""
    language = normalise(language)
    path = catalog_path(language)
    if language == DEFAULT_LANGUAGE or not path.exists():
        return _gettext.NullTranslations()
    import polib

    # polib leaves out fuzzy, obsolete and untranslated entries, as msgfmt does.
    binary = polib.pofile(str(path), encoding="utf-8").to_binary()
    return _gettext.GNUTranslations(io.BytesIO(binary))


def translate(text: str, language: str | None = DEFAULT_LANGUAGE) -> str:
    """`text` (an English msgid) in `language`; the English text where no translation exists."""
    if not text:
        return text
    return translations(normalise(language)).gettext(text)


def ngettext(singular: str, plural: str, n: int, language: str | None = DEFAULT_LANGUAGE) -> str:
    """The form of `singular`/`plural` for the count `n` in `language` (its plural rule)."""
    return translations(normalise(language)).ngettext(singular, plural, n)


def pgettext(context: str, text: str, language: str | None = DEFAULT_LANGUAGE) -> str:
    """`text` in `language` as meant in `context` (a msgctxt in the catalog)."""
    return translations(normalise(language)).pgettext(context, text)


def gettext_for(language: str | None) -> Callable[[str], str]:
    """A `_` for one language: `_ = gettext_for("de"); _("Sign in")` -> "Anmelden"."""
    return translations(normalise(language)).gettext


def placeholders(text: str) -> set[str]:
    """The `{name}` fields of a format string (for checking translations)."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


class Translatable(Exception):
    """An error shown to users in their own language.

    Raised with an English msgid (marked with `N_`) and the values of its placeholders;
    `str(exc)` is the English text (CLI, logs), `exc.translated(language)` the text for
    the interface.
    """

    def __init__(self, template: str, **params):
        self.template = template
        self.params = params
        super().__init__(template.format(**params) if params else template)

    def translated(self, language: str | None) -> str:
        text = translate(self.template, language)
        return text.format(**self.params) if self.params else text


# -- finding the marked strings ----------------------------------------------------------


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


Key = tuple[str | None, str, str | None]  # (msgctxt, msgid, msgid_plural)


def _constant(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def find_msgids(root: Path = PACKAGE_DIR) -> dict[Key, list[str]]:
    """Every string constant marked in the Python files under `root`.

    Returns (msgctxt or None, msgid, msgid_plural or None) -> ["path:line", ...]. A marker
    called with anything but string constants (a variable, an f-string) is not a msgid
    here; the variable holds a string marked elsewhere.
    """
    found: dict[Key, list[str]] = {}
    base = root.parent
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        where = path.relative_to(base).as_posix()
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = _called_name(node)
            first = _constant(node.args[0])
            second = _constant(node.args[1]) if len(node.args) >= 2 else None
            if first is None:
                continue
            if name in MARKERS:
                key: Key = (None, first, None)
            elif name in PLURAL_MARKERS and second is not None:
                key = (None, first, second)
            elif name in CONTEXT_MARKERS and second is not None:
                key = (first, second, None)
            else:
                continue
            found.setdefault(key, []).append(f"{where}:{node.lineno}")
    return found


def _missing(language: str) -> tuple[object, list[Key]]:
    import polib

    po = polib.pofile(str(catalog_path(language)), encoding="utf-8")
    have = {(e.msgctxt, e.msgid) for e in po if not e.obsolete}
    return po, [key for key in find_msgids() if key[:2] not in have]


def main(argv: list[str] | None = None) -> int:
    """`python -m simulator.i18n check|update [language]`: check lists msgids that are missing
    from a catalog or not translated (exit status 1); update adds the missing ones (empty),
    refreshes where each is used and marks the ones no longer in the source obsolete."""
    import polib

    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else "check"
    languages = args[1:] or [lang for lang in LANGUAGES if lang != DEFAULT_LANGUAGE]
    status = 0
    for language in languages:
        po, missing = _missing(language)
        untranslated = [e.msgid for e in po if not e.obsolete and (not e.translated() or e.fuzzy)]
        if command == "update":
            locations = find_msgids()
            for entry in po:  # refresh where each msgid is used; retire the ones no longer used
                key = (entry.msgctxt, entry.msgid, entry.msgid_plural or None)
                if key in locations:
                    entry.occurrences = [tuple(w.rsplit(":", 1)) for w in locations[key]]
                    entry.obsolete = False
                else:
                    entry.occurrences = []
                    entry.obsolete = True
            for key in missing:
                context, msgid, plural = key
                entry = polib.POEntry(msgid=msgid, msgstr="", msgctxt=context,
                                      occurrences=[tuple(w.rsplit(":", 1)) for w in locations[key]])
                if plural:
                    entry.msgid_plural = plural
                    entry.msgstr_plural = {0: "", 1: ""}
                po.append(entry)
            po.save()
            print(f"{language}: added {len(missing)} new msgid(s) to {catalog_path(language)}; translate them there")
        else:
            for context, msgid, _plural in missing:
                print(f"{language}: not in the catalog: {msgid!r}" + (f" (context {context!r})" if context else ""))
            for msgid in untranslated:
                print(f"{language}: not translated (or fuzzy): {msgid!r}")
            status = status or int(bool(missing or untranslated))
    return status


if __name__ == "__main__":
    raise SystemExit(main())
