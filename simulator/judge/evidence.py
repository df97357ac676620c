"""Evidence checks done in code: a quote the model cites must stand in the reply."""

from __future__ import annotations

import re
import unicodedata

from simulator.judge.sanitise import split_sentences
from simulator.judge.verdict import QUOTE_MAX

# A small model offered a list to choose from cannot invent a quote; more choices than
# this only make the grammar slower for no gain in a chat reply.
MAX_CHOICES = 24
_CLAUSE_END = re.compile(r"(?<=[,;:–—])\s+")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "«": '"', "»": '"'})


def _normalise(text: str) -> str:
    # Case, typographic quotes and runs of white space are not what a quote is about.
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    return re.sub(r"\s+", " ", text).strip()


def _strip_edges(quote: str) -> str:
    return quote.strip().strip("\"'.,;:!?…-–—").strip()


def quote_in_reply(quote: str, reply: str) -> bool:
    """True if `quote` occurs verbatim in `reply` (ignoring case, quote marks, spacing
    and punctuation at the quote's edges).

    A quote that reached the schema's length limit was cut by constrained decoding, often
    inside a word ("must have feltaw"); it is checked up to its last whole word.
    """
    if len(quote) >= QUOTE_MAX - 1 and " " in quote.strip():
        quote = quote.strip().rsplit(" ", 1)[0]
    needle = _normalise(_strip_edges(quote))
    return bool(needle) and needle in _normalise(reply)


def distinct_quotes(quotes: list[str]) -> list[str]:
    """Each quote once, in order (the same words with other case, quote marks or edge
    punctuation count as the same quote)."""
    seen, kept = set(), []
    for quote in quotes:
        key = _strip_edges(_normalise(quote))
        if key and key not in seen:
            seen.add(key)
            kept.append(quote)
    return kept


# Words that only open a message: greetings and forms of address.
_GREETINGS = {"hi", "hello", "hey", "dear", "good", "morning", "afternoon", "evening", "mr", "mrs", "ms", "miss",
              "mx", "dr", "sir", "madam", "hallo", "liebe", "lieber", "sehr", "geehrte", "geehrter", "guten",
              "tag", "morgen", "abend", "frau", "herr", "moin", "servus", "grüß", "gott", "and", "und"}


def address_only(quote: str) -> bool:
    """A quote that is only a salutation or a name ("Dana,", "Dear Mr Whitfield,", "Hallo
    Frau Brandt"): it shows nothing about how the customer was treated, so it is never
    evidence. Greeting words alone count; capitalised words count as names only in a
    piece that ends with a comma (how a salutation ends), so "Sorry!" stays evidence."""
    text = quote.strip()
    words = re.findall(r"[^\W\d_]+", text)
    if not words:
        return True
    if all(w.casefold() in _GREETINGS for w in words):
        return True
    return text.endswith(",") and len(words) <= 4 and all(w.casefold() in _GREETINGS or w[0].isupper() for w in words)


def invented_quotes(quotes: list[str], reply: str) -> list[str]:
    return [q for q in quotes if not quote_in_reply(q, reply)]


def quote_choices(reply: str) -> list[str]:
    """The reply cut into quotable pieces (sentences, long ones into clauses, then into
    runs of words), each a verbatim substring of the reply and at most QUOTE_MAX long."""
    choices: list[str] = []
    for sentence in split_sentences(reply):
        for piece in _pieces(sentence):
            if piece not in choices:
                choices.append(piece)
    return choices[:MAX_CHOICES]


def _pieces(sentence: str) -> list[str]:
    if len(sentence) <= QUOTE_MAX:
        return [sentence]
    pieces = []
    for clause in _CLAUSE_END.split(sentence):
        pieces += [clause] if len(clause) <= QUOTE_MAX else _word_runs(clause)
    return [p for p in pieces if p.strip()]


def _word_runs(text: str) -> list[str]:
    runs, current = [], ""
    for word in text.split(" "):
        if current and len(current) + 1 + len(word) > QUOTE_MAX:
            runs.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        runs.append(current[:QUOTE_MAX])
    return runs
