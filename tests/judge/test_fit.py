"""Fitting the level thresholds from labels (judge/fit.py, calibration.fit_levels) and
storing them (store/fits.py)."""

import math

import pytest

from simulator.content.schema import Rubric
from simulator.judge.calibration import FitRefused, GoldItem, example_items, fit_levels
from simulator.judge.fit import MIN_LABELS, Labelled, decide, fit_criterion, missing, search
from simulator.judge.grader import Judge
from simulator.llm.scripted import ScriptedModel
from simulator.store.fits import StoredFits, current_fit, fit_state, save_fit
from simulator.store.repository import Store


def labelled(pairs, source="rubric example"):
    return [Labelled(expected=e, human=h, source=source) for e, h in pairs]


def test_decide_counts_the_thresholds_reached():
    assert [decide(x, None, [0, 1, 2]) for x in (0.2, 0.5, 1.49, 1.5)] == [0, 1, 1, 2]
    assert [decide(x, [1.1, 1.3], [0, 1, 2]) for x in (1.0, 1.2, 1.35)] == [0, 1, 2]


def test_the_search_separates_a_model_that_leans_to_the_middle():
    # The model ranks well but squeezes everything between 0.9 and 1.5: rounding calls it all 1.
    data = labelled([(0.9, 0), (0.95, 0), (1.0, 0), (1.15, 1), (1.2, 1), (1.25, 1), (1.4, 2), (1.45, 2), (1.5, 2)])
    thresholds = search(data, [0, 1, 2])
    assert 1.0 < thresholds[0] < 1.15 and 1.25 < thresholds[1] < 1.4
    fit = fit_criterion(data, [0, 1, 2])
    assert fit.kappa > fit.kappa_unfitted
    assert fit.counts == {0: 3, 1: 3, 2: 3} and fit.n == 9


def test_a_fit_refuses_too_few_labels_and_unseen_levels():
    few = labelled([(0.2, 0), (1.0, 1), (1.8, 2)])
    assert f"at least {MIN_LABELS}" in missing(few, [0, 1, 2])
    no_two = labelled([(0.2, 0), (1.0, 1)] * 5)
    assert "no labelled reply at level 2" in missing(no_two, [0, 1, 2])
    enough = labelled([(0.2, 0), (1.0, 1), (1.8, 2)] * 3)
    assert missing(enough, [0, 1, 2]) == ""


RUBRIC = Rubric.model_validate({
    "id": "fitme", "version": 1, "title": "Fit me",
    "criteria": [
        {"id": "warmth", "title": "Warmth", "description": "Warm?", "levels": {0: "cold", 1: "generic", 2: "warm"},
         "examples": [{"context": "c", "reply": f"reply {level} {i}", "level": level, "why": "w"}
                      for level in (0, 1, 2) for i in range(3)]},
        {"id": "steps", "title": "Steps", "description": "Step?", "levels": {0: "none", 1: "vague", 2: "clear"},
         "examples": [{"context": "c", "reply": "step 0", "level": 0, "why": "w"}]},
    ],
})


def squeezed(request):
    """A model whose expected level is 0.9 + 0.2 x the true level (read from the reply)."""
    text = request.messages[1].content
    level = int(text.split("<reply>")[1].split()[1])
    expected = 0.9 + 0.2 * level  # between 0.9 and 1.3: rounding gives 1 everywhere
    p2 = max(0.0, expected - 1) if expected > 1 else 0.0
    p0 = max(0.0, 1 - expected) if expected < 1 else 0.0
    p1 = 1 - p0 - p2
    return {str(k): math.log(v) for k, v in ((0, p0), (1, p1), (2, p2)) if v > 0}


def test_fit_levels_fits_what_has_enough_labels_and_keeps_the_previous_fit_for_the_rest():
    judge = Judge(ScriptedModel(readings=squeezed, spec="scripted"), max_workers=1)
    fit = fit_levels(judge, RUBRIC, {"rubric examples": example_items(RUBRIC)})
    assert set(fit.criteria) == {"warmth"}
    assert "at least 8" in fit.refused["steps"]
    warmth = fit.criteria["warmth"]
    assert warmth.kappa == pytest.approx(1.0) and warmth.kappa_unfitted < 0.5
    assert fit.sources == {"rubric examples": 10} and fit.model == "scripted"
    # A later fit with no new labels for steps keeps steps' earlier thresholds.
    previous = fit.model_copy(update={"criteria": {**fit.criteria, "steps": warmth}})
    again = fit_levels(judge, RUBRIC, {"rubric examples": example_items(RUBRIC)}, previous=previous)
    assert again.criteria["steps"] == warmth and "steps" in again.refused


def test_nothing_to_fit_is_refused_with_what_is_missing():
    judge = Judge(ScriptedModel(readings=squeezed), max_workers=1)
    items = [GoldItem(id=1, context="c", reply="reply 0 0", labels={"warmth": 0})]
    with pytest.raises(FitRefused, match="at least 8"):
        fit_levels(judge, RUBRIC, {"trainer labels": items})


def test_a_backend_without_log_probabilities_cannot_be_fitted():
    judge = Judge(ScriptedModel(), max_workers=1)
    with pytest.raises(FitRefused, match="no log-probabilities"):
        fit_levels(judge, RUBRIC, {"rubric examples": example_items(RUBRIC)})


def test_a_stored_fit_is_used_by_the_judge_until_the_rubric_changes(tmp_path):
    store = Store(tmp_path / "fits.db")
    model = ScriptedModel(readings=squeezed, spec="scripted")
    judge = Judge(model, max_workers=1)
    fit = fit_levels(judge, RUBRIC, {"rubric examples": example_items(RUBRIC)})
    save_fit(store.db, fit)
    assert fit_state(store.db, RUBRIC, "scripted")[1] == "current"
    assert current_fit(store.db, RUBRIC, "another-model") is None

    fitted = Judge(model, max_workers=1, fits=StoredFits(store))
    verdict = fitted.grade(RUBRIC, "reply 2 9", "c", only={"warmth"}, feedback=False)
    assert verdict.criteria["warmth"].level == 2  # expected 1.3: rounding would say 1
    assert verdict.fit is not None and verdict.fit.n == {"warmth": 9}

    changed = RUBRIC.model_copy(update={"criteria": [RUBRIC.criteria[0].model_copy(update={"description": "New"})]})
    fit_now, word = fit_state(store.db, changed, "scripted")
    assert word == "stale" and fit_now.created_at == fit.created_at
    assert fitted.grade(changed, "reply 2 9", "c", feedback=False).criteria["warmth"].level == 1
    # A new version with the same text, or new stock phrases, keeps the fit.
    same = RUBRIC.model_copy(update={"version": 2, "stock_phrases": {"en": ["as per our terms"]}})
    assert fit_state(store.db, same, "scripted")[1] == "current"


def test_a_fit_shipped_with_the_seed_rubric_applies_until_one_is_stored(tmp_path, monkeypatch):
    from simulator.content.library import RUBRICS_ENV

    model = ScriptedModel(readings=squeezed, spec="scripted")
    shipped = fit_levels(Judge(model, max_workers=1), RUBRIC, {"rubric examples": example_items(RUBRIC)})
    (tmp_path / "rubrics" / "fits").mkdir(parents=True)
    (tmp_path / "rubrics" / "fits" / "fitme.json").write_text(shipped.model_dump_json(), encoding="utf-8")
    monkeypatch.setenv(RUBRICS_ENV, str(tmp_path / "rubrics"))
    store = Store(tmp_path / "fits.db")
    assert fit_state(store.db, RUBRIC, "scripted") == (shipped, "current")
    assert fit_state(store.db, RUBRIC, "another-model")[1] == "none"
    changed = RUBRIC.model_copy(update={"description": "Edited by a trainer"})
    assert fit_state(store.db, changed, "scripted")[1] == "stale"
    mine = shipped.model_copy(update={"created_at": "2099-01-01T00:00:00+00:00"})
    save_fit(store.db, mine)
    assert current_fit(store.db, RUBRIC, "scripted").created_at.startswith("2099")


def test_the_shipped_fits_match_the_seed_rubrics_and_the_levels_prompt():
    """A seed rubric or the levels prompt changed: make its fit again with
    `empathy-sim calibrate --rubric ID --fit --json rubrics/fits/ID.json` (embedded model)."""
    from pathlib import Path

    from simulator.content.library import default_content_dirs, load_library
    from simulator.store.fits import matches, shipped_fit

    library, _ = load_library(*default_content_dirs())
    folder = Path(default_content_dirs()[1]) / "fits"
    shipped = sorted(folder.glob("*.json"))
    assert shipped, "the seed rubrics come with fits for the embedded model"
    for path in shipped:
        fit = shipped_fit(path.stem)
        assert fit is not None and fit.model == "embedded:default", path
        assert matches(fit, library.rubric(path.stem), "embedded:default"), (
            f"{path} is stale: run `empathy-sim calibrate --rubric {path.stem} --fit --json {path}`")


def test_interpretation_offers_the_fit_its_understanding_signal():
    from simulator.content.library import default_content_dirs, load_library
    from simulator.judge.requirements import criterion_signal
    core = load_library(*default_content_dirs())[0].rubric("empathy-core")
    understanding = next(c for c in core.criteria if c.id == "interpretation")
    customer = "My internet has been down for four days and I work from home."
    bare = criterion_signal(understanding, "I understand. An engineer will come.", "en", customer)
    said_back = criterion_signal(
        understanding, "It sounds like four days without internet has cost you work days at home.", "en", customer)
    shared = criterion_signal(understanding, "I've been there, working from home with no line is awful.", "en",
                              customer)
    words_only = criterion_signal(understanding, "Four days of internet down at home.", "en", customer)
    # a reflecting frame ("it sounds like") or an experience of one's own is full
    # understanding; the customer's words taken up without either, a restatement; a bare
    # claim, the least above none
    assert understanding.signal == "understanding" and bare == 0.25 and said_back == shared == 1.0
    assert words_only == 0.0  # "internet" alone is no restatement
    restated = criterion_signal(understanding, "Your broadband stopped working after the engineer's visit.", "en",
                                "The engineer visited on Monday and my broadband stopped working straight after.")
    assert restated == 0.5
