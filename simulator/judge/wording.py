"""What the judge's words to the trainee may look like, checked in code.

A small model writes rationales, tips and better replies that stop mid-clause (its
answer reached the length limit), drift into English on a German reply, talk about "the
trainee" instead of to them, or slip a token of another script into the text ("for
the客户"). Each of these is caught here. A text cut by a length limit is shortened to its
last complete sentence with an ellipsis; the other faults are reasons for the judge to
ask again, and a text that still has them is replaced by a marked note (never shown raw).

Feedback is written in the language of the reply (the scenario's language): the better
reply must be in that language anyway, and a trainee practising in German reads the
comments on their German in German.
"""

from __future__ import annotations

import re
import unicodedata

from simulator.i18n import translate
from simulator.roleplay.guards import language_of

ELLIPSIS = "…"
_SENTENCE_END = re.compile(r"[.!?…](?:[\"'”“»«)\]]*)(?=\s|$)")
_CLAUSE_END = re.compile(r"[,;:–—](?=\s)")
#: Characters that may stand in English or German feedback besides Latin letters and digits.
_ALLOWED_SYMBOLS = set("€£$%&@#+*/=°§()[]{}<>\"'`´’‘“”„‚«»‹›-–—…·•.,;:!?~^_|\\ \n\t")
#: How feedback talks about the trainee in the third person (it should say "you"/"Sie").
_THIRD_PERSON = {
    "en": re.compile(r"\b(the|this) (trainee|agent|employee|representative|rep|advisor|adviser)\b|"
                     r"\b(trainee|agent)'s\b", re.IGNORECASE),
    "de": re.compile(r"\b(der|die|dem|den|des) (Auszubildenden?|Trainee|Mitarbeiter(in)?|Agent(in)?|Berater(in)?)\b|"
                     r"\b(the|this) (trainee|agent)\b", re.IGNORECASE),
}
LANGUAGE_NAMES = {"en": "English", "de": "German"}


def complete(text: str, limit: int | None = None) -> str:
    """`text` as it is if it ends a sentence, or if it stays below `limit` (the schema's
    length limit: a shorter text was ended by the model, which merely left out the full
    stop). A text that reached the limit was cut there: it is shortened to its last
    complete sentence with an ellipsis; without any sentence end, at its last clause
    (comma, semicolon, dash), else at its last whole word, again with an ellipsis. Never
    mid-word."""
    text = " ".join(text.split())
    if not text or ends_sentence(text) or (limit is not None and len(text) < limit - 1):
        return text
    ends = list(_SENTENCE_END.finditer(text))
    if ends:
        return text[: ends[-1].end()].rstrip() + " " + ELLIPSIS
    clauses = list(_CLAUSE_END.finditer(text))
    if clauses and clauses[-1].start() >= len(text) // 3:
        return text[: clauses[-1].start()].rstrip() + ELLIPSIS
    if " " in text:
        return text.rsplit(" ", 1)[0].rstrip(",;:–— ") + ELLIPSIS
    return text + ELLIPSIS


def ends_sentence(text: str) -> bool:
    return bool(re.search(r"[.!?…][\"'”“»«)\]]*$", text.strip()))


def foreign_characters(text: str) -> list[str]:
    """Characters that neither English nor German uses: letters of another script (CJK,
    Cyrillic, Greek, Arabic, ...) and unusual symbols. Latin letters with accents pass."""
    odd = []
    for char in text:
        if char in _ALLOWED_SYMBOLS or (char.isascii() and char.isalnum()):
            continue
        if char.isalpha() and "LATIN" in unicodedata.name(char, ""):
            continue
        if char.isdigit() or unicodedata.category(char).startswith("Z"):
            continue
        odd.append(char)
    return odd


def problem(text: str, language: str, addressed: bool = True) -> str:
    """Why `text` cannot be shown to a trainee practising in `language`, or ''.
    `addressed`: the text speaks to the trainee (a rationale, a tip), so it must not talk
    about them in the third person (a better reply speaks to the customer)."""
    if not text.strip():
        return ""
    odd = foreign_characters(text)
    if odd:
        return f"it contains characters of another script ({''.join(dict.fromkeys(odd))[:5]!r}); use only {name(language)}"
    found = language_of(text)
    if found is not None and found != language:
        return f"it is in {name(found)}; write it in {name(language)}"
    if addressed:
        match = _THIRD_PERSON.get(language, _THIRD_PERSON["en"]).search(text)
        if match:
            you = "Sie" if language == "de" else "you"
            return f"it speaks about {match.group(0)!r}; address the trainee directly as '{you}'"
    return ""


def name(language: str) -> str:
    return LANGUAGE_NAMES.get(language, language)


def withheld(language: str) -> str:
    """The note shown instead of a text that failed the checks twice."""
    return translate("(The judge's comment was not usable and is not shown.)", language)
