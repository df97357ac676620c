"""Names and labels every page shows (translated where shown), Markdown escaping and error
text."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from simulator.app.text import N_, _
from simulator.app.text import language as interface_language

from simulator.i18n import Translatable









TRAINEE_AVATAR = ":material/support_agent:"
CUSTOMER_AVATAR = ":material/person:"
LANGUAGES = {"en": N_("English"), "de": N_("German")}
OUTCOMES = {
    "resolved": N_("Resolved: the customer's concern was settled."),
    "abandoned": N_("Abandoned: the customer gave up on the conversation."),
    "turn_limit": N_("Turn limit reached before the concern was settled."),
    "ended": N_("Ended by you."),
    "left": N_("You left early. This session is not counted in any score or report."),
}
#: The outcome as a table shows it (the stored value is the key).
OUTCOME_NAMES = {
    "resolved": N_("resolved"),
    "abandoned": N_("abandoned"),
    "turn_limit": N_("turn_limit"),
    "ended": N_("ended"),
    "left": N_("left"),
}
CUSTOMER_NOTES = {
    "incomplete": N_("The customer's message was cut off."),
    "fallback": N_("A prepared line from the scenario (the model's answer did not pass its checks)."),
}
MOOD_NAMES = ("anger", "anxiety", "trust")
#: Mood dimensions as the meter labels them, and as the chart's legend does.
MOOD_TITLES = {"anger": N_("Anger"), "anxiety": N_("Anxiety"), "trust": N_("Trust")}
MOOD_SERIES = {"anger": N_("anger"), "anxiety": N_("anxiety"), "trust": N_("trust")}
MOOD_LABELS = {"calm": N_("calm"), "anxious": N_("anxious"), "angry": N_("angry"), "relieved": N_("relieved")}
ROLE_NAMES = {"trainee": N_("trainee"), "trainer": N_("trainer"), "hr": N_("hr"), "admin": N_("admin")}
MODE_NAMES = {"practice": N_("practice"), "assessment": N_("assessment")}
CHANNEL_NAMES = {"chat": N_("chat"), "email": N_("email"), "voice": N_("voice")}
ASSIGNEE_KINDS = {"person": N_("person"), "team": N_("team")}


#: Streamlit's own date placeholder and multiselect prompt are English: set per language.
DATE_FORMATS = {"de": "DD.MM.YYYY", "en": "YYYY/MM/DD"}


def date_format() -> str:
    return DATE_FORMATS.get(interface_language(), "YYYY/MM/DD")


def choose_prompt() -> str:
    """The placeholder of a multiselect (Streamlit's default is "Choose options")."""
    return _("Choose…")


def named(names: dict[str, str], value: str | None) -> str:
    """A stored value (a mode, a role, ...) as the interface shows it; unknown values as they are."""
    if value is None:
        return ""
    return _(names[value]) if value in names else str(value)


def option_labels(names: dict[Any, str], other: Callable[[Any], str] | None = None) -> Callable[[Any], str]:
    """A format_func that shows options by name in this run's language: `names` maps option
    values to msgids (marked with N_), `other` names the rest (default: the value itself).
    The names are translated now, so the function gives the same labels whenever
    Streamlit (or a test) calls it."""
    labels = {value: _(name) for value, name in names.items()}

    def label(value: Any) -> str:
        if value in labels:
            return labels[value]
        return other(value) if other is not None else str(value)

    return label


def assignee(kind: str, name: str) -> str:
    """Who an assignment is for, e.g. "team: north"."""
    return f"{named(ASSIGNEE_KINDS, kind)}: {name}"

# Every ASCII punctuation character can be backslash-escaped in CommonMark; escaping all of
# them also disarms Streamlit's own directives (":red[...]", ":material/...:", "$math$").
_MARKDOWN_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")


def escape_markdown(text: str) -> str:
    """Text that Markdown shows literally, on one line (for captions and labels)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def error_text(exc: BaseException) -> str:
    """An exception's message, escaped for st.warning/st.error (KeyError adds quotes); in
    the interface language where the error carries a translatable message."""
    if isinstance(exc, Translatable):
        return escape_markdown(exc.translated(interface_language()))
    return escape_markdown(str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc))
