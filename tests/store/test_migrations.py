from simulator.store.database import open_db
from simulator.store.migrations import migrations

EXPECTED = {
    "sessions": [
        "id", "trainee", "scenario_id", "scenario_version", "scenario_hash", "rubric_id", "rubric_hash",
        "language", "mode", "status", "outcome", "customer_model", "judge_model", "started_at", "ended_at", "trial", "assignment_id",
    ],
    "turns": [
        "id", "session_id", "idx", "trainee_text", "customer_text", "customer_status", "anger", "anxiety",
        "trust", "guard_events", "customer_model", "customer_prompt_hash", "customer_prompt_tokens",
        "customer_completion_tokens", "tokens_counted_by", "first_token_ms", "created_at", "updated_at",
        "facts_earned", "fact_check", "customer_plan", "customer_source", "mood_step",
    ],
    "verdicts": [
        "id", "turn_id", "session_id", "status", "reason", "score", "tip", "better_reply", "rubric_id",
        "rubric_hash", "prompt_hash", "model", "prompt_tokens", "completion_tokens", "seconds", "created_at",
        "signals", "needs_review", "review_reasons", "method", "fit", "stock", "feedback_state", "stock_share",
    ],
    "criterion_levels": [
        "id", "verdict_id", "criterion", "level", "max_level", "confidence", "status", "reason",
        "rationale", "evidence", "method", "expected", "probs", "signal",
    ],
    "labels": ["id", "turn_id", "verdict_id", "rubric_id", "criterion", "level", "labeller", "note", "created_at"],
    "content_versions": [
        "id", "kind", "content_id", "version", "content_hash", "data", "yaml", "origin", "author", "note",
        "created_at",
    ],
    "content_state": ["kind", "content_id", "archived", "updated_at"],
    "assignments": [
        "id", "scenario_id", "assignee_kind", "assignee", "due", "mode", "note", "created_by", "created_at",
        "archived",
    ],
    "team_members": ["team", "member", "added_at", "role"],
    "users": [
        "id", "username", "display_name", "password_hash", "roles", "language", "failed_logins", "locked_until",
        "last_login", "created_at",
    ],
    "audit_log": ["id", "at", "actor", "action", "detail", "rows"],
    "judge_fits": ["id", "rubric_id", "rubric_version", "rubric_hash", "model", "prompt_version", "created_at", "fit"],
    "recordings": ["turn_id", "session_id", "audio", "raw_transcript", "engine", "signals", "created_at"],
    "llm_calls": [
        "id", "session_id", "turn_id", "role", "model", "prompt_tokens", "completion_tokens", "counted_by",
        "seconds", "first_token_ms", "cached_tokens", "cost_usd", "created_at",
    ],
}


def test_blank_database_gets_exact_columns(tmp_path):
    db = open_db(tmp_path / "blank.db")
    for table, columns in EXPECTED.items():
        assert [c.name for c in db[table].columns] == columns, table
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_applying_twice_changes_nothing(tmp_path):
    path = tmp_path / "twice.db"
    first = open_db(path)
    schema = first.execute("select sql from sqlite_master order by name").fetchall()
    applied = [m.name for m in migrations.applied(first)]
    first.close()
    second = open_db(path)
    assert second.execute("select sql from sqlite_master order by name").fetchall() == schema
    assert [m.name for m in migrations.applied(second)] == applied
    assert applied == [
        "m001_create_sessions", "m002_create_turns", "m003_create_verdicts",
        "m004_add_verdict_review", "m005_create_labels", "m006_add_turn_facts",
        "m007_create_content_versions", "m008_create_assignments",
        "m009_create_audit_log", "m010_create_users", "m011_create_llm_calls",
        "m012_create_grading",
        "m013_create_judge_fits", "m014_add_level_readings", "m015_add_customer_plan",
        "m016_add_mood_step", "m017_create_recordings", "m018_add_stock_share",
    ]


def test_migration_names_follow_the_convention():
    import re

    for migration in migrations._migrations:
        assert re.fullmatch(r"m\d{3}_[a-z]+_[a-z_]+", migration.name), migration.name


def test_turn_index_is_unique_per_session(tmp_path):
    import pytest

    from simulator.store import repository as repo

    db = open_db(tmp_path / "u.db")
    sid = repo.create_session(db, trainee="t", scenario_id="s", scenario_hash="h", rubric_id="r")
    repo.add_turn(db, sid, 1, "hello")
    with pytest.raises(repo.DuplicateTurn):
        repo.add_turn(db, sid, 1, "hello again")
