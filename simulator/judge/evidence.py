"""Evidence checks done in code: a quote the model cites must stand in the reply."""

from __future__ import annotations

import re
import unicodedata

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "«": '"', "»": '"'})


def _normalise(text: str) -> str:
    # Case, typographic quotes and runs of white space are not what a quote is about.
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    return re.sub(r"\s+", " ", text).strip()


def _strip_edges(quote: str) -> str:
    return quote.strip().strip("\"'.,;:!?…-–—").strip()


def quote_in_reply(quote: str, reply: str) -> bool:
    """True if `quote` occurs verbatim in `reply` (ignoring case, quote marks, spacing
    and punctuation at the quote's edges)."""
    needle = _normalise(_strip_edges(quote))
    return bool(needle) and needle in _normalise(reply)


def invented_quotes(quotes: list[str], reply: str) -> list[str]:
    return [q for q in quotes if not quote_in_reply(q, reply)]
