"""Versions: saving creates a new version, sessions keep the version they used, archived
content leaves the pickers, drafts are tried without being published."""

import pytest

from simulator.catalog import ContentRejected
from simulator.hashing import content_hash
from simulator.session import TrainingSession


def test_saving_creates_the_next_version_and_the_library_uses_it(services, scenario):
    edited = scenario.model_copy(update={"title": "Mini scenario, edited"})
    saved = services.catalog.save(edited, None, author="tess", note="clearer title")
    assert saved.version == scenario.version + 1
    assert services.library.scenario("mini-en").title == "Mini scenario, edited"
    history = services.catalog.history("scenario", "mini-en")
    assert [(h["version"], h["origin"]) for h in history] == [(1, "seed file"), (2, "studio")]
    assert history[1]["author"] == "tess" and history[1]["note"] == "clearer title"


def test_a_session_keeps_the_version_it_started_with(services, scenario, customer_model, judge_model):
    session = TrainingSession.start(services, "mini-en")
    services.catalog.save(scenario.model_copy(update={"opening": "Something else entirely."}), None, author="tess")
    again = TrainingSession.resume(services, session.id)
    assert again.scenario.opening == scenario.opening and again.scenario.version == 1
    assert content_hash(again.scenario) == session.record.scenario_hash
    fresh = TrainingSession.start(services, "mini-en")
    assert fresh.scenario.opening == "Something else entirely." and fresh.record.scenario_version == 2


def test_an_unchanged_save_and_a_missing_rubric_are_refused(services, scenario):
    with pytest.raises(ContentRejected, match="Nothing changed"):
        services.catalog.save(scenario, None, author="tess")
    with pytest.raises(ContentRejected, match="no rubric with id 'nope'"):
        services.catalog.save(scenario.model_copy(update={"rubric": "nope"}), None, author="tess")


def test_archived_scenarios_leave_the_picker_but_old_sessions_still_open(services):
    session = TrainingSession.start(services, "mini-en")
    services.catalog.archive("scenario", "mini-en")
    assert [s.id for s in services.catalog.active_scenarios()] == []
    assert TrainingSession.resume(services, session.id).scenario.id == "mini-en"
    services.catalog.archive("scenario", "mini-en", archived=False)
    assert [s.id for s in services.catalog.active_scenarios()] == ["mini-en"]


def test_a_draft_is_tried_as_a_trial_without_being_published(services, scenario):
    draft = scenario.model_copy(update={"id": "draft-en", "title": "A draft"})
    session = TrainingSession.start(services, draft.id, scenario=draft)
    assert session.record.trial is True and session.scenario.title == "A draft"
    assert "draft-en" not in services.library.scenarios
    assert TrainingSession.resume(services, session.id).scenario.title == "A draft"


def test_editing_a_seed_file_is_not_hidden_by_a_session_snapshot(services, scenario, tmp_path):
    TrainingSession.start(services, "mini-en")  # stores a snapshot of the seed
    from simulator.content.library import Library
    from simulator.session import Services

    edited_seed = scenario.model_copy(update={"title": "Seed edited in the file"})
    library = Library(scenarios={"mini-en": edited_seed}, rubrics=services.seed_library.rubrics)
    again = Services(services.store, library, services.customer_model, services.judge)
    assert again.library.scenario("mini-en").title == "Seed edited in the file"
