"""bench/cue_agreement.py: the code's reading mapped to levels, on a file of our own rows."""

import csv
import importlib.util
import json
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "cue_agreement.py"
POST = "I lost my job last month and the rent is due on Friday. I can't sleep."


def load_bench():
    sys.path.insert(0, str(BENCH.parent))
    spec = importlib.util.spec_from_file_location("cue_agreement", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_code_reading_follows_the_rubric_anchors():
    levels = load_bench().code_levels
    assert levels("Ok.", POST) == {"exploration": 0, "interpretation": 0, "emotional_reaction": 0}
    assert levels("I'm so sorry. I lost my job two years ago and I remember those nights. "
                  "How are you managing with the rent this week?", POST) == {
        "exploration": 2, "interpretation": 2, "emotional_reaction": 2}
    assert levels("I understand. Can you tell me more?", POST)["exploration"] == 1
    assert levels("I understand. Can you tell me more?", POST)["interpretation"] == 1


def test_the_bench_reports_the_sample_the_rest_and_the_whole_file(tmp_path, monkeypatch, capsys):
    rows = [("a", "Ok.", 0, 0, 0), ("b", "How are you managing with the rent this week?", 0, 0, 2),
            ("c", "I'm so sorry. I lost my job two years ago too.", 2, 2, 0), ("d", "Can you tell me more?", 0, 0, 1)]
    path = tmp_path / "epitome.csv"
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "context", "reply", "emotional_reactions", "interpretations", "explorations"])
        for rid, reply, er, ip, ex in rows:
            out.writerow([rid, POST, reply, er, ip, ex])
    monkeypatch.setattr(sys, "argv", ["cue_agreement.py", "--epitome", str(path), "--n", "2"])
    load_bench().main()
    summary = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert summary["whole_file"]["exploration"]["n"] == 4
    assert summary["sample"]["exploration"]["n"] + summary["outside_sample"]["exploration"]["n"] == 4
    assert summary["whole_file"]["exploration"]["exact"] == 1.0
