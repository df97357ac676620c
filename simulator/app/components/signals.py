"""The deterministic signals computed in code next to a verdict, as a caption and a table."""

from __future__ import annotations
from typing import Any

import streamlit as st
from simulator.app.text import N_, _
from simulator.app.components.common import escape_markdown


# -- deterministic signals ------------------------------------------------------------

# The signals computed in code next to the judge (see simulator/judge), in display order.
SIGNAL_NAMES = {
    "words": N_("Words"),
    "sentences": N_("Sentences"),
    "questions": N_("Questions"),
    "open_questions": N_("Open questions"),
    "feeling_sentences": N_("Sentences with words of feeling"),
    "cliches": N_("Clichés"),
    "repeats_earlier": N_("Repeats an earlier reply"),
    "repeated_sentences": N_("Repeated sentences"),
    "addressed_to_grader": N_("Addressed to the grader"),
}


# Every reply resembles earlier ones a little; the transcript mentions it from here on.
REPEAT_SHOWN = 0.5


def _count(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, (list, tuple, set, dict)):
        return len(value)
    return 1 if value else 0


def _share(value: Any) -> float | None:
    """A similarity as a fraction 0..1, whichever shape it is stored in."""
    if isinstance(value, dict):
        value = next((value[k] for k in ("similarity", "ratio", "score", "share") if k in value), None)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value / 100 if value > 1 else float(value)


def _phrases(value: Any, width: int = 40) -> str:
    if not isinstance(value, (list, tuple, set)):
        return ""
    quoted = []
    for item in value:
        text = " ".join(str(item).split())
        quoted.append(f"“{text if len(text) <= width else text[: width - 1].rstrip() + '…'}”")
    return ", ".join(quoted)


def signal_value(key: str, value: Any) -> str:
    """One signal as plain text (for the review page's table)."""
    if value is None:
        return "—"
    if key == "repeats_earlier":
        share = _share(value)
        if share is not None:
            return f"{share:.0%}"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, (list, tuple, set)):
        return _phrases(value, width=200) or _("none")
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def signals_summary(signals: dict[str, Any] | None) -> str:
    """One plain line, e.g. "42 words · 2 questions (1 open) · clichés: “…” · repeats earlier reply 83%".

    Compact on purpose: sentences and low similarities are left to the review page's table.
    """
    signals = signals or {}
    parts = []
    if "words" in signals:
        parts.append(_("{n} words").format(n=_count(signals["words"])))
    if "questions" in signals:
        if "open_questions" in signals:
            parts.append(_("{n} questions ({open} open)").format(
                n=_count(signals["questions"]), open=_count(signals["open_questions"])))
        else:
            parts.append(_("{n} questions").format(n=_count(signals["questions"])))
    elif "open_questions" in signals:
        parts.append(_("{n} open questions").format(n=_count(signals["open_questions"])))
    cliches = signals.get("cliches")
    if cliches:
        parts.append(_("clichés: {phrases}").format(phrases=_phrases(cliches)) if _phrases(cliches)
                     else _("{n} clichés").format(n=_count(cliches)))
    repeats = signals.get("repeats_earlier")
    share = _share(repeats)
    if share is not None and share >= REPEAT_SHOWN:
        parts.append(_("repeats earlier reply {share}").format(share=f"{share:.0%}"))
    elif share is None and repeats:
        parts.append(_("repeats an earlier reply"))
    if signals.get("repeated_sentences"):
        parts.append(_("{n} repeated sentences").format(n=_count(signals["repeated_sentences"])))
    grader = signals.get("addressed_to_grader")
    if grader:
        parts.append(_("addressed to the grader: {phrases}").format(phrases=_phrases(grader)) if _phrases(grader)
                     else _("addressed to the grader"))
    return " · ".join(parts)


def signals_caption(signals: dict[str, Any] | None) -> None:
    line = signals_summary(signals)
    if line:
        st.caption(escape_markdown(line))


def signals_table(signals: dict[str, Any] | None) -> None:
    """Every known signal that is present, one row each (the review page)."""
    rows = [
        {_("Signal"): _(name), _("Value"): signal_value(key, signals[key])}
        for key, name in SIGNAL_NAMES.items()
        if signals and key in signals
    ]
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")


def voice_signals_caption(signals, language: str | None = None) -> None:
    """How the reply was spoken (voice scenarios): rate, silences, fillers, and the
    coach's hints on the delivery. Signals, never a score."""
    parts = [_("{seconds} s of speech").format(seconds=f"{signals.speech_seconds:.1f}")]
    if signals.words_per_minute is not None:
        parts.append(_("{wpm} words a minute").format(wpm=f"{signals.words_per_minute:.0f}"))
    parts.append(_("long silences: {n}").format(n=signals.long_silences))
    parts.append(_("filler words: {words}").format(words=", ".join(signals.fillers) or _("none")))
    st.caption(" · ".join(parts))
    for hint in signals.hints(language):
        st.caption(hint)
