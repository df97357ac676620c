"""The History page shows each session's token totals and, when known, the estimated cost
(AppTest, scripted models; the calls are recorded here, whatever the session recorded)."""

from __future__ import annotations

import math
import time

from simulator.app import state
from simulator.prices import load_prices
from simulator.store import usage
from simulator.store.repository import Store, get_turns
from tests.support.pages import REPLY, app, ok, reply, start


def only_these_calls(db_path, session_id: str, *calls: usage.CallRecord) -> None:
    db = Store(db_path).db
    deadline = time.monotonic() + 30
    while any(t.grading or (t.trainee_text and t.verdict is None) for t in get_turns(db, session_id)):
        assert time.monotonic() < deadline, "the reply was never graded"
        time.sleep(0.05)  # its calls are counted when its grading ends: replace them after that
    db.execute("delete from llm_calls where session_id = ?", [session_id])
    db.conn.commit()
    turn_id = get_turns(db, session_id)[1].id
    usage.record_calls(db, session_id, turn_id, list(calls), prices=load_prices())


def history(at):
    ok(at.switch_page("app_pages/history.py").run())
    return at.dataframe[0].value, [c.value for c in at.caption]


def test_history_shows_tokens_and_the_estimated_cost(db):
    at = reply(start(app()), REPLY)
    session_id = at.session_state[state.SESSION_ID]
    only_these_calls(
        db, session_id,
        usage.CallRecord(role="customer", model="openai:gpt-4o-mini", prompt_tokens=1000, completion_tokens=200),
        usage.CallRecord(role="judge", model="openai:gpt-4o-mini", prompt_tokens=3000, completion_tokens=100),
    )
    table, captions = history(at)
    assert list(table["Tokens in / out"]) == ["4000 / 300"]
    cost = (4000 * 0.15 + 300 * 0.60) / 1e6
    assert math.isclose(table["Cost (USD)"][0], round(cost, 4))
    assert "Model tokens: 4000 in, 300 out. Estimated cost: 0.0008 USD." in captions
    assert not any("estimates" in c for c in captions)


def test_history_says_when_counts_are_estimated_and_unpriced(db):
    at = reply(start(app()), REPLY)
    session_id = at.session_state[state.SESSION_ID]
    only_these_calls(
        db, session_id,
        usage.CallRecord(role="customer", model="embedded:default", prompt_tokens=800, completion_tokens=60,
                         counted_by="tiktoken:cl100k_base"),
    )
    table, captions = history(at)
    assert list(table["Tokens in / out"]) == ["≈800 / 60"]
    assert table["Cost (USD)"].isna().all(), "no price for the embedded model: empty, never 0"
    [caption] = [c for c in captions if c.startswith("Model tokens")]
    assert caption == "Model tokens: 800 in, 60 out. Some counts are estimates, not reported by the model server."

    store = Store(db).db
    store.execute("delete from llm_calls where session_id = ?", [session_id])
    store.conn.commit()
    table, captions = history(at)
    assert table["Tokens in / out"].isna().all()
    assert "No token counts were recorded for this session." in captions


def test_the_export_page_includes_tokens_when_ticked(db):
    from simulator.store import audit

    at = reply(start(app()), REPLY)
    only_these_calls(db, at.session_state[state.SESSION_ID],
                     usage.CallRecord(role="customer", model="openai:gpt-4o", prompt_tokens=10, completion_tokens=5))
    hr = ok(app("hugo", roles=("hr",)).run())
    ok(hr.switch_page("app_pages/export.py").run())
    [rows] = [r for r in hr.radio if r.label == "CSV rows"]
    rows.set_value("sessions")
    [mode] = [r for r in hr.radio if r.label == "Mode"]
    mode.set_value("")
    [tokens] = [c for c in hr.checkbox if c.label == "Include token counts and estimated cost"]
    assert tokens.value is False, "off unless asked for"
    tokens.check()
    [prepare] = [b for b in hr.button if b.label == "Prepare the export"]
    ok(prepare.click().run())
    [entry] = audit.entries(Store(db).db, "export")
    assert entry["detail"]["tokens"] is True and entry["detail"]["rows"] == "sessions" and entry["rows"] == 1
