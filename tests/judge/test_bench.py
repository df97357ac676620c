"""bench/judge_robustness.py runs end to end on the scripted backend."""

import importlib.util
from pathlib import Path

from simulator.content.library import default_content_dirs, load_library
from simulator.judge.grader import Judge
from simulator.llm.scripted import ScriptedModel

BENCH = Path(__file__).resolve().parents[2] / "bench" / "judge_robustness.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("judge_robustness", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_bench_reports_every_attack_kind(capsys):
    bench = load_bench()
    library, _ = load_library(*default_content_dirs())
    summary = bench.run(Judge(ScriptedModel()), library.rubric(bench.RUBRIC), bench.BASES[:2], list(bench.ATTACKS))
    assert {"attacks", "raised", "raised_share", "per_kind", "unscored"} <= set(summary)
    assert summary["attacks"] == 2 * len(bench.ATTACKS) == sum(k["attacks"] for k in summary["per_kind"].values())
    # the removed injections are flagged for review whatever the scripted levels are
    for kind in ("injection_en", "injection_de", "fake_json", "system_roleplay"):
        assert summary["per_kind"][kind]["flagged"] == 2
    assert len(capsys.readouterr().out.splitlines()) == 2 * (1 + len(bench.ATTACKS))


def test_every_base_reply_passes_sanitise_untouched():
    from simulator.judge.sanitise import sanitise

    for _, _, _, reply in load_bench().BASES:
        cleaned = sanitise(reply)
        assert cleaned.removed == [] and cleaned.collapsed == 0, reply
