"""Evidence checks done in code: a quote the model cites must stand in the reply."""

from __future__ import annotations

import re
import unicodedata

from simulator.judge.verdict import QUOTE_MAX

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


def invented_quotes(quotes: list[str], reply: str) -> list[str]:
    return [q for q in quotes if not quote_in_reply(q, reply)]
