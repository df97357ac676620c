"""Turns and labels as the store's read model holds them, for tests of the code that
reads them (score of record, grade state) without a database."""

from __future__ import annotations

from typing import Any

from simulator.store.records import Label, Turn


def turn(idx: int = 1, **fields: Any) -> Turn:
    """A stored turn: a reply (idx > 0) with a complete customer message unless told otherwise."""
    base = {"id": idx + 1, "session_id": "s", "idx": idx, "trainee_text": "Sorry." if idx else None,
            "customer_text": "Fine.", "customer_status": "complete", "created_at": "2026-12-01T10:00:00.000+00:00"}
    return Turn(**{**base, **fields})


def labels(**levels: int) -> dict[str, Label]:
    """The newest trainer label per criterion, as `Turn.labels` holds them."""
    return {criterion: Label(id=n + 1, turn_id=1, criterion=criterion, level=level, labeller="sam")
            for n, (criterion, level) in enumerate(levels.items())}
