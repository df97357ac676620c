"""bench/customer_fidelity.py runs end to end on the scripted backend, and its audit and
reveal checks catch what they claim to catch."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from simulator.content.schema import Scenario
from tests.support.scenarios import WITH_FACTS

BENCH = Path(__file__).resolve().parents[2] / "bench" / "customer_fidelity.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("customer_fidelity", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_audit_flags_what_the_guards_would_and_more():
    bench = load_bench()
    scenario = Scenario.model_validate(WITH_FACTS)
    assert bench.audit(scenario, "This is ridiculous. Where is my money?", set(), "Hi") == []
    assert "agent_voice" in bench.audit(scenario, "How can I help you today?", set(), "Hi")
    assert any(p.startswith("audit:") for p in bench.audit(scenario, "(sighs) Fine. Whatever.", set(), "Hi"))
    assert bench.unearned_reveals(scenario, "My landlord will kill me.", set()) == ["rent-due"]
    assert bench.unearned_reveals(scenario, "My landlord will kill me.", {"rent-due"}) == []


def test_the_bench_runs_on_scripted_models_and_ends_with_json():
    done = subprocess.run(
        [sys.executable, str(BENCH), "--customer", "scripted", "--judge", "scripted", "--runs", "1", "--turns", "2"],
        capture_output=True, text=True, timeout=120, check=True,
    )
    lines = done.stdout.strip().splitlines()
    summary = json.loads(lines[-1])
    # an abandoned conversation (anger 10) stops early; every one has at least one turn
    assert summary["conversations"] == 9 and summary["pairs"] == 3 and 9 <= summary["customer_turns"] <= 18
    assert set(summary["by_script"]) == {"dismissive", "scripted", "empathetic"}
    assert len(lines) == 10
