import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import cli
from simulator.store.database import open_db

ROOT = Path(__file__).resolve().parents[2]


def run(*args, **kwargs):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, **kwargs)


def test_validate_seed_library_is_clean():
    result = run("validate")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK:")


def test_validate_reports_every_problem_with_file_line_field(tmp_path):
    scenarios, rubrics = tmp_path / "s", tmp_path / "r"
    scenarios.mkdir(), rubrics.mkdir()
    (rubrics / "empathy-core.yaml").write_text((ROOT / "rubrics/empathy-core.yaml").read_text())
    good = (ROOT / "scenarios/frozen-account-en.yaml").read_text()
    bad = good.replace("difficulty:", "difficulty: 9\nescalte: 1\n#", 1).replace("rubric: empathy-core", "rubric: missing-one")
    (scenarios / "frozen-account-en.yaml").write_text(bad)
    result = run("validate", "--scenarios", str(scenarios), "--rubrics", str(rubrics))
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert any("frozen-account-en.yaml:" in line and ": difficulty:" in line for line in lines), lines
    assert any(": escalte:" in line for line in lines), lines
    assert all(line.split(":")[1].isdigit() for line in lines), lines


def test_grade_writes_one_line_per_item_and_skips_bad_lines(tmp_path):
    items = tmp_path / "in.jsonl"
    items.write_text(
        json.dumps({"id": "a", "context": "My card was declined.", "reply": "Sorry, I will fix it today."}) + "\n"
        + "{not json\n"
        + json.dumps({"id": 2, "context": "Why?", "reply": "Because."}) + "\n"
    )
    out = tmp_path / "out.jsonl"
    result = run("--db", str(tmp_path / "g.db"), "grade", "--rubric", "empathy-core", "--input", str(items),
                 "--output", str(out), "--judge", "scripted")
    assert result.exit_code == 0
    assert "in.jsonl:2:" in result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["id"] for line in lines] == ["a", 2]
    for line in lines:
        assert set(line) == {"id", "status", "reason", "score", "criteria"}
        assert line["status"] == "scored" and 0 <= line["score"] <= 100
        assert {"emotional_reaction", "interpretation", "exploration"} <= set(line["criteria"])


def test_simulate_stores_the_session_and_prints_it(tmp_path):
    agent = tmp_path / "agent.txt"
    agent.write_text("I'm sorry your card was declined in front of everyone.\nI will lift the freeze now.\n")
    db = tmp_path / "sim.db"
    result = run("--db", str(db), "simulate", "--scenario", "frozen-account-en", "--agent", str(agent),
                 "--customer", "scripted", "--judge", "scripted")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["scenario"] == "frozen-account-en"
    assert data["outcome"] in {"resolved", "abandoned", "turn_limit", "ended"}
    assert [t["index"] for t in data["turns"]] == [1, 2][: len(data["turns"])]
    turn = data["turns"][0]
    assert set(turn) == {"index", "trainee", "customer", "verdict", "mood"}
    assert set(turn["mood"]) == {"anger", "anxiety", "trust"}
    rows = list(open_db(db)["turns"].rows_where("session_id = ?", [data["session_id"]]))
    assert len(rows) == len(data["turns"]) + 1


def test_db_option_must_come_before_the_subcommand(tmp_path):
    result = CliRunner().invoke(cli, ["migrate", "--db", str(tmp_path / "x.db")])
    assert result.exit_code != 0


def test_console_script_is_installed_and_migrates(tmp_path):
    exe = Path(sys.executable).parent / "empathy-sim"
    if not exe.exists():
        pytest.skip("console script not installed in this environment")
    out = subprocess.run([str(exe), "--db", str(tmp_path / "m.db"), "migrate"], capture_output=True, text=True,
                         env={**os.environ}, check=True).stdout
    assert "m003_create_verdicts" in out


def test_calibrate_reports_agreement_and_counts_unscored(tmp_path):
    gold = tmp_path / "gold.jsonl"
    rows = [
        {"id": i, "context": "My card was declined.", "reply": f"I am sorry about that, reply {i}.",
         "labels": {"er": i % 3, "exploration": 0}}
        for i in range(6)
    ]
    gold.write_text("\n".join(json.dumps(r) for r in rows) + "\n{broken\n")
    out = tmp_path / "report.json"
    result = run("calibrate", "--rubric", "empathy-core", "--gold", str(gold), "--judge", "scripted",
                 "--map", "er=emotional_reaction", "--json", str(out))
    assert result.exit_code == 0, result.output
    assert "emotional_reaction" in result.stdout and "kappa" in result.stdout
    report = json.loads(out.read_text())
    er = report["criteria"]["emotional_reaction"]
    assert er["n"] + er["unscored"] == 6
    assert sum(map(sum, er["confusion"])) == er["n"]
    assert set(report["criteria"]) == {"emotional_reaction", "exploration"}


def test_calibrate_refuses_labels_that_are_no_criterion(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": 1, "context": "c", "reply": "r", "labels": {"warmth": 1}}) + "\n")
    result = CliRunner().invoke(cli, ["calibrate", "--rubric", "empathy-core", "--gold", str(gold),
                                      "--judge", "scripted"])
    assert result.exit_code == 1 and "--map label=criterion" in result.output
