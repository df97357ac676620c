"""`_`: a user-facing string in the interface language of this run.

The signed-in user's language (Account page), else the configured default
(EMPATHY_SIM_LANGUAGE) on the sign-in page. The English text is the msgid, so an English
interface shows exactly the string in the source; German comes from the catalog in
simulator/locale (see simulator/i18n.py). Placeholders are filled after translation:
`_("Saved {name}.").format(name=...)`.
"""

from __future__ import annotations

from simulator import i18n
from simulator.app import state
from simulator.i18n import N_  # noqa: F401  (re-exported: mark now, translate where shown)


def language() -> str:
    return state.language()


def _(text: str) -> str:
    return i18n.translate(text, state.language())


def pgettext(context: str, text: str) -> str:
    return i18n.pgettext(context, text, state.language())


def ngettext(singular: str, plural: str, n: int) -> str:
    return i18n.ngettext(singular, plural, n, state.language())
