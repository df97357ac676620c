"""Page tests with Streamlit's AppTest, on scripted models (deterministic, instant)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from simulator.app import state
from simulator.store.repository import Store, get_turns, list_sessions
from tests.support.pages import REPLY, TIMEOUT, app, click, ok, reply, start, texts


def test_practice_turn_verdict_and_summary(db):
    at = app().run()
    ok(at)
    assert any("Content note" in w.value for w in at.warning), "content note shown before starting"
    start(at)
    session_id = at.session_state[state.SESSION_ID]
    assert at.query_params["session"] == session_id
    assert "My card was declined at the supermarket with a whole queue watching!" in texts(at)

    reply(at, REPLY)
    assert REPLY in texts(at)
    assert any(t.startswith("(scripted customer line") for t in texts(at)), "the customer answered"
    labels = [e.label for e in at.expander]
    assert any(label.startswith("Feedback: ") and label.endswith("/100") for label in labels), labels
    assert any(m.value.startswith("**Score: ") for m in at.markdown)
    assert any(m.value.startswith("**Warmth** · ") and "/2" in m.value for m in at.markdown)
    assert [p.text for p in at.sidebar.get("progress")][0].startswith("Anger ")

    click(at, "End session")
    assert any("This session has ended" in s.value for s in at.success)
    assert {m.label for m in at.metric} >= {"Mean score", "Replies", "Unscored"}
    assert "Outcome" in " ".join(m.value for m in at.markdown)

    store = Store(db)
    assert store.db["sessions"].get(session_id)["outcome"] == "ended"
    turns = get_turns(store.db, session_id)
    assert [t.trainee_text for t in turns] == [None, REPLY]
    assert turns[1].verdict is not None


def test_reload_continues_the_session_from_the_url(db):
    at = start(app())
    reply(at, REPLY)
    session_id = at.session_state[state.SESSION_ID]

    reloaded = app()  # a new browser session, as after a reload
    reloaded.query_params["session"] = session_id
    ok(reloaded.run())
    assert REPLY in texts(reloaded)
    assert any(e.label.startswith("Feedback: ") for e in reloaded.expander), "earlier verdicts shown"
    assert reloaded.chat_input, "the session can go on"


def test_html_in_a_reply_is_shown_as_text(db):
    html = "<script>alert(1)</script><b>x</b>"
    at = reply(start(app()), html)
    assert html in texts(at)
    for element in [*at.markdown, *at.caption]:
        assert "<script>" not in element.value and "<b>" not in element.value
        assert not element.proto.allow_html


def test_a_rejected_reply_shows_why(db):
    at = reply(start(app()), " \t ")
    assert any("Your reply is empty" in w.value for w in at.warning)
    assert len(at.chat_message) == 1, "only the customer's opening"


def test_history_lists_the_session_and_continues_it(db):
    at = reply(start(app()), REPLY)
    session_id = at.session_state[state.SESSION_ID]

    ok(at.switch_page("app_pages/history.py").run())
    table = at.dataframe[0].value
    assert list(table["Scenario"]) == ["Frozen card at the supermarket"]
    assert list(table["Replies"]) == [1]
    assert at.selectbox(key=state.HISTORY_SESSION).value == session_id
    assert REPLY in texts(at)

    click(at, "Continue this session")
    assert at.chat_input, "back on the practice page with the session open"
    assert REPLY in texts(at)


def test_history_filters_by_trainee(db):
    start(app("alex", roles=("trainee",)))
    start(app("bea", roles=("trainee",)))
    at = app("hugo", roles=("hr",))
    ok(at.run())
    ok(at.switch_page("app_pages/history.py").run())
    assert at.selectbox(key=state.HISTORY_TRAINEE).options == ["All trainees", "alex", "bea"]
    ok(at.selectbox(key=state.HISTORY_TRAINEE).set_value("alex").run())
    assert list(at.dataframe[0].value["Trainee"]) == ["alex"]
    assert sorted(r["trainee"] for r in list_sessions(Store(db).db)) == ["alex", "bea"]


def test_unscored_verdict_is_never_a_zero(db):
    def card():
        from simulator.app.components import feedback_label, verdict_card
        from simulator.content.library import default_content_dirs, load_library
        from simulator.judge.verdict import Verdict

        import streamlit as st

        verdict = Verdict(status="unscored", reason="judge failed: timeout")
        st.text(feedback_label(verdict))
        library, _ = load_library(*default_content_dirs())
        verdict_card(verdict, library.rubric("test-rubric"))

    at = AppTest.from_function(card, default_timeout=TIMEOUT)
    at.run()
    ok(at)
    shown = texts(at) + [m.value for m in at.markdown]
    assert "Feedback: Unscored" in shown and "**Unscored**" in shown
    assert "judge failed: timeout" in shown
    assert not any("0/100" in s for s in shown)


def test_content_problems_are_reported(db, tmp_path, monkeypatch):
    broken = tmp_path / "scenarios"
    broken.mkdir()
    (broken / "bad.yaml").write_text("id: bad\nversion: one\n", encoding="utf-8")
    monkeypatch.setenv("EMPATHY_SIM_SCENARIOS", str(broken))
    at = ok(app().run())
    errors = " ".join(e.value for e in at.error)
    assert "content library has" in errors and "No scenario can be used" in errors
    assert not at.button, "nothing to start"


def test_unknown_session_in_the_url_starts_afresh(db):
    at = app()
    at.query_params["session"] = "[click](http://example.com)"
    ok(at.run())
    assert any("cannot be continued" in w.value and "\\[click\\]" in w.value for w in at.warning)
    assert "session" not in at.query_params
    assert at.selectbox(key=state.SCENARIO_CHOICE).value == "frozen-card"


def test_an_unavailable_model_says_what_to_do(db, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("EMPATHY_SIM_JUDGE_MODEL", "openai:gpt-4o-mini")
    at = ok(app().run())
    assert any("model backend is not available" in e.value for e in at.error)
    assert any("OPENAI_API_KEY" in t and "EMPATHY_SIM_JUDGE_MODEL" in t for t in texts(at))
