"""Data protection: one person's data as JSON, erasure that keeps only the fact of it,
and retention of practice sessions."""

import json
from datetime import datetime, timedelta, timezone

from click.testing import CliRunner

from simulator import accounts
from simulator.cli import cli
from simulator.session import TrainingSession
from simulator.store import audit, privacy
from simulator.store.labels import add_labels


def played(services, trainee: str, reply: str, mode: str | None = None) -> TrainingSession:
    session = TrainingSession.start(services, "mini-en", trainee=trainee, mode=mode)
    session.submit(reply).result()
    return session


def test_a_persons_data_holds_their_sessions_and_never_the_password(services):
    db = services.store.db
    accounts.create_user(db, "ana", "a long test password", ["trainee"])
    played(services, "ana", "Ana's own words.")
    played(services, "ben", "Ben's words.")
    data = privacy.export_person(db, "ana", actor="admin")
    text = privacy.to_json(data)
    assert "Ana's own words." in text and "Ben's words." not in text
    assert "password" not in json.dumps(data["account"]) and data["account"]["username"] == "ana"
    assert data["sessions"][0]["turns"][1]["verdicts"], "verdicts come with the turns"
    assert audit.entries(db, "person-export")[0]["detail"] == {"person": privacy.person_hash("ana")}


def test_erasure_deletes_the_person_and_keeps_only_that_it_happened(services):
    db = services.store.db
    accounts.create_user(db, "ana", "a long test password", ["trainee"])
    ana = played(services, "ana", "Ana's own words.")
    ben = played(services, "ben", "Ben's words.")
    ben_turn = ben.turns()[1].id
    add_labels(db, ben_turn, {"emotional_reaction": 1}, "ana", "Ana's note about Ben")
    counts = privacy.erase_person(db, "ana", actor="admin")
    assert counts["sessions"] == 1 and counts["accounts"] == 1 and counts["labels_anonymised"] == 1
    dump = "\n".join(str(r) for table in db.table_names() for r in db[table].rows)
    assert "Ana's own words." not in dump and "Ana's note" not in dump
    assert db["sessions"].count_where("id = ?", [ana.id]) == 0 and db["sessions"].count == 1
    [entry] = audit.entries(db, "erase")
    assert "ana" not in json.dumps(entry) and entry["detail"]["person"] == privacy.person_hash("ana")


def test_retention_deletes_old_practice_sessions_only(services):
    db = services.store.db
    old_practice = played(services, "ana", "Old practice.")
    old_assessment = played(services, "ana", "Old assessment.", mode="assessment")
    recent = played(services, "ana", "Recent practice.")
    long_ago = (datetime.now(timezone.utc) - timedelta(days=40)).isoformat(timespec="seconds")
    for session in (old_practice, old_assessment):
        db["sessions"].update(session.id, {"started_at": long_ago})
    assert privacy.apply_retention(db, days=30) == 1
    assert {r["id"] for r in db["sessions"].rows} == {old_assessment.id, recent.id}
    assert audit.entries(db, "retention")[0]["rows"] == 1


def test_the_privacy_commands(tmp_path):
    db = tmp_path / "p.db"
    runner = CliRunner()
    out = tmp_path / "ana.json"
    result = runner.invoke(cli, ["--db", str(db), "privacy", "export-person", "ana", "--out", str(out), "--by", "hugo"])
    assert result.exit_code == 0 and json.loads(out.read_text())["person"] == "ana"
    refused = runner.invoke(cli, ["--db", str(db), "privacy", "erase", "ana"])
    assert refused.exit_code != 0 and "--yes" in refused.output
    assert runner.invoke(cli, ["--db", str(db), "privacy", "erase", "ana", "--yes"]).exit_code == 0
    none = runner.invoke(cli, ["--db", str(db), "privacy", "retention"])
    assert none.exit_code != 0 and "--days" in none.output
