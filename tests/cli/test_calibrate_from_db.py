"""`empathy-sim calibrate --from-db`: the trainers' stored labels as gold data."""

from __future__ import annotations

import json

from click.testing import CliRunner

from simulator.cli import cli
from simulator.store.database import open_db
from simulator.store.labels import add_labels


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def simulated(db_path, tmp_path) -> list[int]:
    """Two replies played against a seed scenario with scripted models; their turn ids."""
    agent = tmp_path / "agent.txt"
    agent.write_text("I'm sorry your card was declined in front of everyone.\nI will lift the freeze now.\n")
    result = run("--db", str(db_path), "simulate", "--scenario", "frozen-account-en", "--agent", str(agent),
                 "--customer", "scripted", "--judge", "scripted")
    assert result.exit_code == 0, result.output
    session_id = json.loads(result.output)["session_id"]
    db = open_db(db_path)
    return [r["id"] for r in db["turns"].rows_where("session_id = ? and idx > 0", [session_id], order_by="idx")]


def test_calibrate_from_db_uses_the_stored_labels(tmp_path):
    db_path = tmp_path / "sim.db"
    turns = simulated(db_path, tmp_path)
    db = open_db(db_path)
    for turn, level in zip(turns, [2, 0]):
        add_labels(db, turn, {"emotional_reaction": level, "exploration": 0}, "sam")
    add_labels(db, turns[0], {"emotional_reaction": 1}, "kim")  # the newest label wins

    out = tmp_path / "report.json"
    result = run("--db", str(db_path), "calibrate", "--rubric", "empathy-core", "--from-db",
                 "--judge", "scripted", "--json", str(out))
    assert result.exit_code == 0, result.output
    assert "emotional_reaction" in result.stdout and "kappa" in result.stdout
    report = json.loads(out.read_text())
    assert report["items"] == len(turns)
    assert set(report["criteria"]) == {"emotional_reaction", "exploration"}
    er = report["criteria"]["emotional_reaction"]
    assert er["n"] + er["unscored"] == len(turns)
    assert sum(er["confusion"][2]) == 0, "the newer label 1 replaced the older 2"


def test_calibrate_from_db_without_labels_says_what_to_do(tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "empty.db"), "calibrate", "--rubric", "empathy-core",
                                      "--from-db", "--judge", "scripted"])
    assert result.exit_code == 1 and "Review" in result.output


def test_calibrate_needs_exactly_one_source_of_labels(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": 1, "context": "c", "reply": "r", "labels": {"exploration": 1}}) + "\n")
    for args in ([], ["--gold", str(gold), "--from-db"]):
        result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "calibrate", "--rubric", "empathy-core",
                                          "--judge", "scripted", *args])
        assert result.exit_code == 1 and "--gold FILE or --from-db" in result.output
