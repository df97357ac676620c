"""Cost accounting: the llm_calls table, recording calls, totals per session and role, and
the price table (bundled, overridden, broken)."""

from __future__ import annotations

import pytest

from simulator import prices
from simulator.config import load_settings
from simulator.llm.base import Completion, Usage
from simulator.prices import PriceTable, PriceTableError, load_prices
from simulator.store import privacy, usage
from simulator.store import repository as repo
from simulator.store.database import open_db, write_transaction
from simulator.store.migrations import migrations
from simulator.store.usage import CallRecord

MINI = "openai:gpt-4o-mini"  # bundled: 0.15 in, 0.075 cached in, 0.60 out (USD per 1M)


@pytest.fixture
def env(tmp_path, monkeypatch):
    """No config file and no price override unless a test sets one."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EMPATHY_SIM_CONFIG", raising=False)
    monkeypatch.delenv("EMPATHY_SIM_PRICES", raising=False)
    return tmp_path


@pytest.fixture
def db(env):
    return open_db(env / "usage.db")


def session_with_turn(db, trainee: str = "ana") -> tuple[str, int]:
    sid = repo.create_session(db, trainee=trainee, scenario_id="s", scenario_hash="h", rubric_id="r")
    return sid, repo.add_turn(db, sid, 1, "hello")


def call(role: str = "customer", model: str = MINI, prompt: int = 1000, completion: int = 100, **fields) -> CallRecord:
    return CallRecord(role=role, model=model, prompt_tokens=prompt, completion_tokens=completion, **fields)


# -- the migration ------------------------------------------------------------------------


def test_a_fresh_database_has_the_calls_table_with_its_indexes(db):
    assert "m011_create_llm_calls" in [m.name for m in migrations.applied(db)]
    assert {tuple(index.columns) for index in db["llm_calls"].indexes} >= {("session_id",), ("turn_id",)}
    assert {(fk.column, fk.other_table) for fk in db["llm_calls"].foreign_keys} == {
        ("session_id", "sessions"), ("turn_id", "turns")}


def test_an_existing_database_at_m010_gains_the_table_and_keeps_its_data(env):
    path = env / "old.db"
    old = open_db(path, migrate=False)
    migrations.apply(old, stop_before="m011_create_llm_calls")
    assert not old["llm_calls"].exists()
    sid, turn_id = session_with_turn(old)
    old.close()

    db = open_db(path)
    assert "m011_create_llm_calls" in [m.name for m in migrations.applied(db)]
    assert repo.get_session(db, sid).trainee == "ana" and repo.get_turn(db, turn_id).trainee_text == "hello"
    assert usage.session_totals(db, sid) == usage.SessionUsage(), "nothing recorded for old sessions"
    usage.record_calls(db, sid, turn_id, [call()])
    assert usage.session_totals(db, sid).calls == 1


# -- recording and totals -----------------------------------------------------------------


def test_calls_are_recorded_with_their_cost_and_summed_per_role(db, env):
    sid, turn_id = session_with_turn(db)
    assert usage.record_calls(db, sid, turn_id, [
        call("customer", prompt=1000, completion=100, cached_tokens=400, seconds=1.5, first_token_ms=120.0),
        call("judge", prompt=2000, completion=50),
        call("judge", prompt=2000, completion=60),
        call("feedback", model="scripted", prompt=300, completion=40, counted_by="estimate:chars/4"),
    ]) == 4
    rows = list(db["llm_calls"].rows_where("session_id = ?", [sid], order_by="id"))
    assert [r["role"] for r in rows] == ["customer", "judge", "judge", "feedback"]
    assert all(r["turn_id"] == turn_id and r["created_at"] for r in rows)
    first = rows[0]
    assert (first["seconds"], first["first_token_ms"], first["cached_tokens"], first["counted_by"]) == (
        1.5, 120.0, 400, "server")
    # 600 uncached * 0.15 + 400 cached * 0.075 + 100 out * 0.60, per million
    assert first["cost_usd"] == pytest.approx((600 * 0.15 + 400 * 0.075 + 100 * 0.60) / 1e6)
    assert rows[3]["cost_usd"] is None, "scripted: no cost, never a made-up one"

    totals = usage.session_totals(db, sid)
    assert (totals.calls, totals.prompt_tokens, totals.completion_tokens) == (4, 5300, 250)
    assert totals.total_tokens == 5550 and totals.cached_tokens == 400
    assert list(totals.by_role) == ["customer", "judge", "feedback"]
    judge = totals.by_role["judge"]
    assert (judge.calls, judge.prompt_tokens, judge.completion_tokens) == (2, 4000, 110)
    assert judge.cost_usd == pytest.approx((4000 * 0.15 + 110 * 0.60) / 1e6) and not judge.estimated
    assert totals.cost_usd == pytest.approx(sum(r["cost_usd"] or 0 for r in rows))
    assert totals.priced_calls == 3 and not totals.cost_complete
    assert totals.estimated and totals.by_role["feedback"].estimated and totals.by_role["feedback"].cost_usd is None


def test_totals_for_several_sessions(db, env):
    first, first_turn = session_with_turn(db, "ana")
    second, _ = session_with_turn(db, "ben")
    silent, _ = session_with_turn(db, "cleo")
    usage.record_calls(db, first, first_turn, [call(prompt=10, completion=5)])
    usage.record_calls(db, second, None, [call("coach", model="embedded:default", prompt=7, completion=3)])
    found = usage.totals_for_sessions(db, [first, second, silent, "unknown"])
    assert set(found) == {first, second}, "sessions without calls are left out"
    assert found[first].cost_complete and found[first].cost_usd > 0
    assert found[second].cost_usd is None and found[second].priced_calls == 0
    assert found[second].prompt_tokens == 7 and list(found[second].by_role) == ["coach"]
    assert usage.totals_for_sessions(db, []) == {}
    nothing = usage.session_totals(db, silent)
    assert nothing.calls == 0 and nothing.cost_usd is None and not nothing.estimated


def test_record_call_and_calls_outside_a_session(db, env):
    sid, turn_id = session_with_turn(db)
    usage.record_call(db, session_id=sid, turn_id=turn_id, role="fact_check", model="openai:o4-mini",
                      prompt_tokens=100, completion_tokens=10, prices=load_prices())
    usage.record_call(db, session_id=None, role="draft", model=MINI, prompt_tokens=5, completion_tokens=5)
    [check] = usage.session_totals(db, sid).by_role.values()
    assert check.cost_usd == pytest.approx((100 * 1.10 + 10 * 4.40) / 1e6)
    assert db["llm_calls"].count == 2
    assert usage.record_calls(db, sid, turn_id, []) == 0


def test_recording_joins_the_callers_transaction(db, env):
    sid, turn_id = session_with_turn(db)
    with write_transaction(db):
        usage.record_calls(db, sid, turn_id, [call(), call("judge")])
    assert usage.session_totals(db, sid).calls == 2
    with pytest.raises(RuntimeError), write_transaction(db):
        usage.record_calls(db, sid, turn_id, [call()])
        raise RuntimeError("the turn failed")
    assert usage.session_totals(db, sid).calls == 2, "rolled back with the caller's transaction"


def test_a_call_record_from_a_completion():
    completion = Completion(text="hi", model=MINI, seconds=2.0, first_token_seconds=0.25,
                            usage=Usage(prompt_tokens=12, completion_tokens=3, counted_by="tiktoken:o200k_base"))
    record = CallRecord.of("customer", completion)
    assert record == CallRecord(role="customer", model=MINI, prompt_tokens=12, completion_tokens=3,
                                counted_by="tiktoken:o200k_base", seconds=2.0, first_token_ms=250.0)


def test_erasing_a_person_removes_their_calls(db, env):
    sid, turn_id = session_with_turn(db, "ana")
    other, _ = session_with_turn(db, "ben")
    usage.record_calls(db, sid, turn_id, [call(), call("judge")])
    usage.record_calls(db, other, None, [call()])
    privacy.erase_person(db, "ana", "admin")
    assert [r["session_id"] for r in db["llm_calls"].rows] == [other]


# -- prices -------------------------------------------------------------------------------


def test_the_bundled_table_names_its_source_date_and_models(env):
    table = load_prices()
    assert table.as_of is not None and "openai" in table.source.casefold() and table.note
    assert {"gpt-4o-mini", "gpt-4o", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "o4-mini"} <= set(table.openai)
    assert all(p.output >= p.input > 0 for p in table.openai.values())
    assert table.compatible == {} and table.override_file is None
    assert prices.BUNDLED.name == "prices.yaml"


@pytest.mark.parametrize("spec", [
    "embedded", "embedded:default", "scripted", "openai:gpt-unknown", "openai:", "openai:gpt-4o-2024-05-13",
    "openai-compatible:gpt-4o-mini@http://127.0.0.1:11434/v1", "nonsense", "",
])
def test_no_cost_without_a_price(env, spec):
    assert load_prices().cost(spec, 1000, 1000) is None


def test_costs_of_openai_models(env):
    table = load_prices()
    assert table.cost(MINI, 1_000_000, 1_000_000) == pytest.approx(0.15 + 0.60)
    assert table.cost("openai:gpt-4o", 1_000_000, 0, cached_tokens=1_000_000) == pytest.approx(1.25)
    assert table.cost(" openai:gpt-4.1-nano ", 0, 0) == 0.0
    assert table.cost(MINI, 10, 0, cached_tokens=50) == pytest.approx(10 * 0.075 / 1e6), "cached <= prompt"
    assert prices.cost(MINI, 1_000_000, 0) == pytest.approx(0.15), "the configured table"


OVERRIDE = """\
source: our contract
as_of: 2026-01-15
openai:
  gpt-4o-mini: {input: 1.0, output: 2.0}
  gpt-5-mini: {input: 0.25, cached_input: 0.025, output: 2.0}
compatible:
  qwen2.5@http://127.0.0.1:11434/v1/: {input: 0.5, output: 0.5}
  llama3: {input: 0.1, output: 0.1}
"""


def test_an_override_file_adds_and_replaces_prices(env, monkeypatch):
    path = env / "prices.yaml"
    path.write_text(OVERRIDE, encoding="utf-8")
    monkeypatch.setenv("EMPATHY_SIM_PRICES", str(path))
    assert load_settings().prices == path
    table = prices.configured_prices()
    assert table.override_file == str(path) and table.source == "our contract" and str(table.as_of) == "2026-01-15"
    assert table.cost(MINI, 1_000_000, 1_000_000) == pytest.approx(3.0), "replaced"
    assert table.cost("openai:gpt-5-mini", 0, 1_000_000) == pytest.approx(2.0), "added"
    assert table.cost("openai:gpt-4o", 1_000_000, 0) == pytest.approx(2.50), "kept from the bundled table"
    # A compatible server's model only when the table names it: this server, or any server.
    assert table.cost("openai-compatible:qwen2.5@http://127.0.0.1:11434/v1", 1_000_000, 0) == pytest.approx(0.5)
    assert table.cost("openai-compatible:qwen2.5@http://other:8000/v1", 1_000_000, 0) is None
    assert table.cost("openai-compatible:llama3@http://other:8000/v1", 1_000_000, 0) == pytest.approx(0.1)
    assert table.cost("openai-compatible:gpt-4o-mini@http://other:8000/v1", 1, 1) is None

    db = open_db(env / "priced.db")
    sid, turn_id = session_with_turn(db)
    usage.record_calls(db, sid, turn_id, [call(prompt=1_000_000, completion=0)])  # the configured table
    assert usage.session_totals(db, sid).cost_usd == pytest.approx(1.0)

    path.write_text(OVERRIDE.replace("input: 1.0", "input: 4.0"), encoding="utf-8")
    import os
    os.utime(path, ns=(1, 1))  # a different stamp: the edited file is read again
    assert prices.configured_prices().cost(MINI, 1_000_000, 0) == pytest.approx(4.0)


@pytest.mark.parametrize("text, where", [
    ("openai:\n  gpt-4o-mini: {input: 1.0, output: [\n", "prices.yaml:"),
    ("source: x\nopenai:\n  gpt-4o-mini: {input: 1.0, output: -2}\n", "prices.yaml:3: openai.gpt-4o-mini.output"),
    ("source: x\nopenai:\n  gpt-4o-mini: {input: 1.0, outptu: 2}\n", "prices.yaml:3: openai.gpt-4o-mini"),
    ("source: x\nas_of: someday\n", "prices.yaml:2: as_of"),
    ("- just a list\n", "prices.yaml:1"),
])
def test_a_broken_override_names_file_and_line(env, monkeypatch, text, where):
    path = env / "prices.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("EMPATHY_SIM_PRICES", str(path))
    with pytest.raises(PriceTableError) as caught:
        prices.configured_prices()
    assert where in str(caught.value) and "EMPATHY_SIM_PRICES" in str(caught.value)


def test_a_missing_override_file_is_an_error(env):
    with pytest.raises(PriceTableError, match="missing.yaml.*file not found"):
        load_prices(env / "missing.yaml")


def test_prices_per_call_are_exact_model_names():
    table = PriceTable(openai={"gpt-x": {"input": 1, "output": 1}})
    assert table.price_for("openai:gpt-x") is not None
    assert table.price_for("openai:gpt-x-2025-01-01") is None and table.price_for("openai-compatible:gpt-x@http://a") is None
