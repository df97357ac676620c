"""Stored judge fits (judge/fit.py): saved by `empathy-sim calibrate --fit`, read by
every grade and by the pages that show how far a score can be trusted.

The seed rubrics come with a fit for the embedded default model in `rubrics/fits/`
(made with `empathy-sim calibrate --rubric ID --fit --json rubrics/fits/ID.json` from
their worked examples): it applies while no fit is stored in the database and while it
matches the rubric's content and the levels prompt, so a fresh install starts calibrated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlite_utils import Database

from simulator.content.library import default_content_dirs
from simulator.content.schema import Rubric
from simulator.hashing import content_hash
from simulator.judge.fit import LevelFit
from simulator.judge.levels import LEVELS_VERSION

if TYPE_CHECKING:
    from simulator.store.repository import Store


def rubric_key(rubric: Rubric) -> str:
    """What a fit must match: the rubric's content as the model reads it. A new version
    with the same text keeps its fit, and so does a change to the stock phrases or to the
    caps (they hold levels down in code; the model never reads them)."""
    caps = {"__all__": {"stock_cap", "stock_sentence_cap", "threat_cap", "dismissal_cap"}}
    return content_hash(rubric.model_dump(mode="json", exclude={"version": True, "stock_phrases": True,
                                                                "criteria": caps}))


def save_fit(db: Database, fit: LevelFit) -> None:
    db["judge_fits"].insert({
        "rubric_id": fit.rubric_id, "rubric_version": fit.rubric_version, "rubric_hash": fit.rubric_hash,
        "model": fit.model, "prompt_version": fit.prompt_version, "created_at": fit.created_at,
        "fit": fit.model_dump_json(),
    })


def newest_fit(db: Database, rubric_id: str, model: str) -> LevelFit | None:
    """The newest fit of this rubric and model, whatever content it was fitted on."""
    rows = db.execute(
        "select fit from judge_fits where rubric_id = ? and model = ? order by created_at desc, id desc limit 1",
        [rubric_id, model],
    ).fetchall()
    return LevelFit.model_validate_json(rows[0][0]) if rows else None


def current_fit(db: Database, rubric: Rubric, model: str) -> LevelFit | None:
    """The fit every grade of `rubric` by `model` uses now: the newest one made for this
    very rubric content and levels prompt (None: grades round the expected level)."""
    rows = db.execute(
        "select fit from judge_fits where rubric_id = ? and model = ? and rubric_hash = ? and prompt_version = ? "
        "order by created_at desc, id desc limit 1",
        [rubric.id, model, rubric_key(rubric), LEVELS_VERSION],
    ).fetchall()
    if rows:
        return LevelFit.model_validate_json(rows[0][0])
    shipped = shipped_fit(rubric.id)
    return shipped if shipped is not None and matches(shipped, rubric, model) else None


def matches(fit: LevelFit, rubric: Rubric, model: str) -> bool:
    return (fit.rubric_id, fit.rubric_hash, fit.model, fit.prompt_version) == (
        rubric.id, rubric_key(rubric), model, LEVELS_VERSION)


def shipped_fit(rubric_id: str) -> LevelFit | None:
    """The fit that came with the seed rubric, or None."""
    path = default_content_dirs()[1] / "fits" / f"{rubric_id}.json"
    try:
        return LevelFit.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def fit_state(db: Database, rubric: Rubric, model: str) -> tuple[LevelFit | None, str]:
    """The current fit and a word on it: "current", "stale" (the rubric, the model's
    prompt or nothing matches the newest fit: run calibrate --fit again) or "none"."""
    fit = current_fit(db, rubric, model)
    if fit is not None:
        return fit, "current"
    older = newest_fit(db, rubric.id, model) or (shipped_fit(rubric.id) if model == shipped_model(rubric.id) else None)
    return older, ("stale" if older is not None else "none")


def shipped_model(rubric_id: str) -> str | None:
    fit = shipped_fit(rubric_id)
    return fit.model if fit else None


class StoredFits:
    """The judge's view of the stored fits (one query per grade: a fit saved by the CLI
    counts from the next grade on, without a restart)."""

    def __init__(self, store: Store):
        self.store = store

    def current(self, rubric: Rubric, model: str) -> LevelFit | None:
        return current_fit(self.store.db, rubric, model)
