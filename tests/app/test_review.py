"""The Review page and trainers' labels in transcripts (AppTest, scripted models)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from simulator.app import state
from simulator.content.library import load_library
from simulator.judge.grader import Judge
from simulator.judge.verdict import CriterionVerdict, Verdict
from simulator.llm.scripted import ScriptedModel
from simulator.session import Services, TrainingSession
from simulator.store import repository as repo
from simulator.store.labels import add_labels, labels_for_turn
from simulator.store.repository import Store
from tests.support import pages
from tests.support.pages import FIXTURES, REPLY, ok, texts

REVIEW = "app_pages/review.py"
OPENING = "My card was declined at the supermarket with a whole queue watching!"
SIGNALS = {"words": 42, "questions": 2, "open_questions": 1, "cliches": ["we apologise for any inconvenience"],
           "repeats_earlier": 0.83}


def app(user: str = "tess") -> AppTest:
    """Signed in as a trainer and admin (the review page is theirs)."""
    return pages.app(user, roles=("trainer", "admin"))


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def played(db: Path, *replies: str) -> tuple[Store, str, list[int]]:
    """Replies played through the real core with scripted models; (store, session id, turn ids)."""
    library, _ = load_library(FIXTURES / "scenarios", FIXTURES / "rubrics")
    store = Store(db)
    services = Services(store, library, ScriptedModel(), Judge(ScriptedModel()))
    session = TrainingSession.start(services, "frozen-card", trainee="alex")
    for text in replies:
        session.submit(text).result()
    return store, session.id, [t.id for t in session.turns() if t.idx > 0]


def flag(store: Store, session_id: str, turn_id: int, warmth: int = 2) -> None:
    """A newer verdict for the reply that the grading checks flagged for human review."""
    repo.save_verdict(store.db, turn_id, session_id, Verdict(
        status="scored", score=75.0, rubric_id="test-rubric", model="scripted",
        criteria={
            "warmth": CriterionVerdict(level=warmth, max_level=2, rationale="Names the embarrassment.",
                                       evidence=["sounds embarrassing"]),
            "next_step": CriterionVerdict(level=1, max_level=2, rationale="No time given."),
        },
        signals=SIGNALS, needs_review=True, review_reasons=["the reply addresses the grader"],
    ))


def review_page(at: AppTest) -> AppTest:
    ok(at.run())
    return ok(at.switch_page(REVIEW).run())


def test_label_a_reply_and_see_the_record_level(db):
    store, session_id, [turn] = played(db, REPLY)
    flag(store, session_id, turn, warmth=2)
    at = app("kim")
    review_page(at)

    assert at.selectbox(key=state.REVIEW_RUBRIC).value == "test-rubric"
    assert at.selectbox(key=state.REVIEW_TURN).value == turn
    assert OPENING in texts(at) and REPLY in texts(at)
    assert "**Warmth** · 2/2" in markdown(at), "the judge's level"
    assert any("Needs human review" in w.value and "addresses the grader" in w.value for w in at.warning)
    captions = " ".join(c.value for c in at.caption)
    assert "42 words" in captions and "2 questions \\(1 open\\)" in captions and "83\\%" in captions
    assert list(at.dataframe[0].value["Signal"]) == ["Words", "Questions", "Open questions", "Clichés",
                                                      "Repeats an earlier reply"]
    assert "No labelled replies" in captions

    radio = at.radio(key=state.review_level_key(turn, "warmth"))
    assert radio.value is None, "no preset level to anchor the trainer"
    radio.set_value(1)
    at.text_area(key=state.review_note_key(turn)).set_value("Too generic for me.")
    [save] = [b for b in at.button if b.label == "Save labels"]
    ok(save.click().run())

    assert any("Your labels are saved" in s.value for s in at.success)
    shown = markdown(at)
    assert "**Warmth** · record 1/2 (trainer) · judge 2/2" in shown and "the judge disagrees" in shown
    assert "**Next step** · record 1/2 (judge; not labelled)" in shown
    assert any("No graded replies match" in i.value for i in at.info), "unlabelled only: the queue is done"
    [table] = [d.value for d in at.dataframe if "Kappa" in d.value.columns]
    assert list(table["Criterion"]) == ["Warmth"] and list(table["n"]) == [1]

    saved = labels_for_turn(store.db, turn)
    assert set(saved) == {"warmth"}, "an unchosen criterion is not labelled"
    assert (saved["warmth"].level, saved["warmth"].labeller) == (1, "kim")
    assert saved["warmth"].note == "Too generic for me."

    ok(at.toggle(key=state.REVIEW_UNLABELLED_ONLY).set_value(False).run())
    assert at.selectbox(key=state.REVIEW_TURN).value == turn
    assert "**Score of record so far**" in markdown(at)


def test_saving_without_a_level_asks_for_one(db):
    played(db, REPLY)
    at = review_page(app())
    [save] = [b for b in at.button if b.label == "Save labels"]
    ok(save.click().run())
    assert any("Choose a level" in w.value for w in at.warning)
    assert Store(db).db["labels"].count == 0


def test_flagged_filter_and_queue_order(db):
    store, session_id, turns = played(db, REPLY, "I will call you back tomorrow at nine.")
    flag(store, session_id, turns[0])
    at = review_page(app())
    assert at.selectbox(key=state.REVIEW_TURN).options[0].startswith("⚑ review")
    assert len(at.selectbox(key=state.REVIEW_TURN).options) == 2
    ok(at.toggle(key=state.REVIEW_ONLY_FLAGGED).set_value(True).run())
    assert at.selectbox(key=state.REVIEW_TURN).value == turns[0]
    assert len(at.selectbox(key=state.REVIEW_TURN).options) == 1


def test_html_in_a_reply_is_shown_as_text(db):
    html = "<script>alert(1)</script><b>x</b> **bold** :red[red]"
    played(db, html)
    at = review_page(app())
    assert html in texts(at)
    for element in [*at.markdown, *at.caption, *at.warning]:
        assert "<script>" not in element.value and "<b>" not in element.value
        assert not getattr(element.proto, "allow_html", False)  # an alert's proto has no such field: never HTML


def test_history_transcript_shows_the_trainer_level_as_the_record(db):
    store, session_id, [turn] = played(db, REPLY)
    flag(store, session_id, turn, warmth=2)
    add_labels(store.db, turn, {"warmth": 0}, "kim")
    at = app()
    ok(at.run())
    ok(at.switch_page("app_pages/history.py").run())
    shown = markdown(at)
    assert "**Warmth** · judge 2/2 · trainer 0/2" in shown
    assert "**Next step** · 1/2" in shown
    assert any(m.value.startswith("**Score: 25/100** · judge 75/100") for m in at.markdown), shown
    assert any("42 words" in c.value for c in at.caption)
    assert any("Needs human review" in w.value for w in at.warning)


def test_review_shows_what_the_customer_model_did(db):
    at = pages.start(pages.app())  # a trainee who is a trainer and admin too
    pages.reply(at, "Are there any payments coming up this week? I'm sorry this happened.")
    at.switch_page("app_pages/review.py").run()
    ok(at)
    [expander] = [e for e in at.expander if e.label == "What the customer model did with this reply"]
    captions = [c.value for c in expander.caption]
    assert any(c.startswith("Guard events: ") for c in captions)
    assert "Facts earned by this reply: rent\\-friday" in captions
    # The plan the message followed: the reply read as heard (a feeling), the fact to tell.
    [plan] = [c for c in captions if c.startswith("Plan of this message: ")]
    assert "the reply read as heard" in plan and "rent\\-friday" in plan and "written by: " in plan
