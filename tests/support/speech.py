"""Word error counts for tests and benchmarks of speech recognition."""

from __future__ import annotations

import re


def words(text: str) -> list[str]:
    return re.findall(r"[\w']+", text.casefold().replace("’", "'"))


def word_errors(said: str, heard: str) -> tuple[int, int]:
    """(edits, words said): the word-level edit distance (substitutions, insertions, deletions)."""
    ref, hyp = words(said), words(heard)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (r != h))
    return row[-1], len(ref)
