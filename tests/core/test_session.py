import json

import pytest

from simulator.llm.base import ModelUnavailable
from simulator.session import MAX_REPLY_CHARS, ReplyRejected, SessionClosed, TrainingSession
from simulator.store import repository as repo

GOOD = json.dumps({"evidence": ["sorry we declined"], "rationale": "specific", "level": 2})
FEEDBACK = json.dumps({"tip": "Keep going.", "better_reply": "Sorry we declined your card."})
REPLY = "I am sorry we declined your card: I will unblock it by 5 pm."


def play(session, reply):
    pending = session.submit(reply)
    shown = "".join(pending.stream_customer())
    return shown, pending.result()


def test_a_whole_session_is_stored(services, customer_model, judge_model):
    session = TrainingSession.start(services, "mini-en", trainee="ana")
    turns = session.turns()
    assert turns[0].customer_text.startswith("My card was declined")
    customer_model.enqueue("Then fix it, and fast.")
    judge_model.enqueue(GOOD, GOOD, FEEDBACK)
    shown, result = play(session, "I am sorry we declined your card: I will unblock it by 5 pm.")
    assert shown == "Then fix it, and fast."
    assert result.verdict.status == "scored" and result.verdict.score == 100.0
    stored = session.turns()[1]
    assert stored.trainee_text.startswith("I am sorry we declined")
    assert stored.customer_status == "complete"
    assert stored.customer_prompt_tokens > 0 and stored.customer_model == "scripted"
    assert stored.verdict.score == 100.0 and stored.verdict.rubric_hash
    # The apology calms the customer before the verdict, and the strong verdict calms
    # them further; trust rises with each step, anger falls (the opening is 6/4/4).
    assert result.mood.anger < 6 and result.mood.trust > 4


def test_each_step_stores_the_mood_it_set_and_the_verdict_moves_it(services, customer_model, judge_model):
    session = TrainingSession.start(services, "mini-en")
    opening = session.turns()[0]
    assert (opening.mood_step, opening.anger, opening.anxiety, opening.trust) == ("opening", 6, 4, 4)
    customer_model.enqueue("Then fix it, and fast.")
    judge_model.enqueue(GOOD, GOOD, FEEDBACK)
    pending = session.submit("I am sorry we declined your card: I will unblock it by 5 pm.")
    "".join(pending.stream_customer())
    reaction = pending.mood_before_verdict
    assert reaction.anger < 6 and reaction.trust > 4, "the reply read in code calms before any verdict"
    result = pending.result()
    stored = session.turns()[1]
    assert stored.mood_step == "verdict" and stored.mood == result.mood
    assert result.mood.anger < reaction.anger and result.mood.trust > reaction.trust, "a strong verdict calms further"


def test_a_turn_runs_as_its_steps_in_order_and_each_stores_its_part(services, customer_model, judge_model):
    from simulator.session import steps

    session = TrainingSession.start(services, "mini-en")
    customer_model.enqueue("Then fix it, and fast.")
    judge_model.enqueue(GOOD, GOOD, FEEDBACK)
    turns = session.turns()
    turn_id = repo.add_turn(services.store.db, session.id, 1, REPLY)
    state = steps.begin(session, turn_id, 1, REPLY, turns)
    assert state.reaction.anger < 6 and state.customer_said.startswith("My card was declined")
    steps.check_facts(session, state)
    stream = steps.customer_stream(session, state)
    assert "".join(stream) == "Then fix it, and fast." and state.plan is not None
    steps.store_customer(session, state, stream.message)
    stored = session.turns()[1]
    assert (stored.customer_text, stored.mood_step, stored.mood) == ("Then fix it, and fast.", "reaction", state.reaction)
    verdict, followup = steps.grade_levels(session, state)
    verdict_id = steps.store_levels(session, state, verdict)
    assert session.turns()[1].verdict.score == 100.0 and session.turns()[1].mood_step == "reaction"
    result = steps.settle(session, state)
    stored = session.turns()[1]
    assert (stored.mood_step, stored.mood) == ("verdict", result.mood) and result.mood != state.reaction
    assert steps.write_feedback(session, state, followup, verdict_id).tip == "Keep going."
    assert session.turns()[1].verdict.tip == "Keep going."


def test_a_poor_verdict_lowers_trust(services, customer_model, judge_model):
    poor = json.dumps({"evidence": [], "rationale": "no acknowledgement", "level": 0})
    session = TrainingSession.start(services, "mini-en")
    customer_model.enqueue("Hm.")
    judge_model.enqueue(poor, poor, FEEDBACK)
    pending = session.submit("Okay.")
    "".join(pending.stream_customer())
    result = pending.result()
    assert result.mood.trust < pending.mood_before_verdict.trust and result.mood.anger > pending.mood_before_verdict.anger
    assert session.turns()[1].mood == result.mood


def test_reply_is_stored_before_any_model_call(services, customer_model, judge_model):
    session = TrainingSession.start(services, "mini-en")
    customer_model.enqueue(ModelUnavailable("down"))
    judge_model.enqueue(*[ModelUnavailable("down")] * 3)
    pending = session.submit("Let me look at that for you.")
    assert session.turns()[1].trainee_text == "Let me look at that for you."
    shown = "".join(pending.stream_customer())
    result = pending.result()
    # Nothing invented when the model is down: the message is failed, to be asked again.
    assert result.customer.status == "failed" and shown == ""
    assert result.verdict.status == "unscored" and result.verdict.score is None
    assert session.turns()[1].verdict.status == "unscored"


def test_unscored_verdicts_do_not_move_the_mood(services, customer_model, judge_model):
    session = TrainingSession.start(services, "mini-en")
    judge_model.enqueue(*["garbage"] * 4)
    _, result = play(session, "Okay.")
    assert result.verdict.status == "unscored"
    assert result.mood.model_dump() == {"anger": 6, "anxiety": 4, "trust": 4}


def test_escalation_phrase_angers_the_customer_before_the_answer(services, customer_model):
    session = TrainingSession.start(services, "mini-en")
    pending = session.submit("Please calm down.")
    assert pending.mood_before_verdict.anger == 8
    assert "Your mood now: angry (anger 8/10" in pending.customer.request.messages[-1].content


def test_second_submit_before_the_answer_is_refused(services):
    session = TrainingSession.start(services, "mini-en")
    session.submit("First.")
    with pytest.raises(ReplyRejected):
        session.submit("First.")
    assert len(session.turns()) == 2


@pytest.mark.parametrize("reply", ["", "   ", "x" * (MAX_REPLY_CHARS + 1)])
def test_bad_replies_are_refused_with_a_reason(services, reply):
    session = TrainingSession.start(services, "mini-en")
    with pytest.raises(ReplyRejected):
        session.submit(reply)


def test_turn_limit_ends_the_session_and_summary_skips_unscored(services, judge_model):
    session = TrainingSession.start(services, "mini-en")
    judge_model.enqueue(*["garbage"] * 4)  # first reply: both criteria fail twice
    middling = json.dumps({"evidence": ["Reply"], "rationale": "some", "level": 1})
    for _ in range(3):  # then a score of 50, which leaves the mood as it is
        judge_model.enqueue(middling, middling, FEEDBACK)
    outcomes = [play(session, f"Reply {i}.")[1].outcome for i in range(4)]
    assert outcomes == [None, None, None, "turn_limit"]
    assert session.finished
    with pytest.raises(SessionClosed):
        session.submit("One more.")
    summary = session.summary()
    assert summary["unscored"] == 1 and summary["scored"] == 3
    scores = [t.verdict.score for t in session.turns()[1:] if t.verdict.status == "scored"]
    assert summary["mean_score"] == round(sum(scores) / 3, 1)


def test_resume_continues_where_it_stopped(services):
    session = TrainingSession.start(services, "mini-en")
    play(session, "Hello.")
    again = TrainingSession.resume(services, session.id)
    assert len(again.turns()) == 2
    play(again, "Next.")
    assert [t.idx for t in again.turns()] == [0, 1, 2]


def test_a_trainer_label_is_the_score_of_record_in_the_summary(services, judge_model):
    from simulator.store.labels import add_labels

    session = TrainingSession.start(services, "mini-en")
    judge_model.enqueue(GOOD, GOOD, FEEDBACK)
    _, result = play(session, "I am sorry we declined your card: I will unblock it by 5 pm.")
    assert result.verdict.score == 100.0
    turn_id = session.turns()[1].id
    add_labels(services.store.db, turn_id, {"ownership_next_step": 0}, "trainer-tom")
    summary = session.summary()
    assert summary["labelled_by_trainer"] == 1
    assert summary["mean_score"] == 25.0  # (1 * 2/2 + 3 * 0/2) / 4
    assert summary["criteria"]["ownership_next_step"]["mean_level"] == 0


def test_the_session_grades_with_the_fit_made_for_its_whole_rubric(tmp_path, scenario, rubric, customer_model,
                                                                    judge_model):
    """A rubric with a criterion for another channel: the judge gets the whole rubric and
    the channel, so the fit made for the whole rubric applies (the app once passed the
    rubric already cut to the chat, which matched no fit, and graded by plain rounding)."""
    from simulator.content.library import Library
    from simulator.content.schema import Criterion
    from simulator.judge.fit import LevelFit
    from simulator.judge.grader import Judge
    from simulator.session import Services
    from simulator.store.fits import rubric_key
    from simulator.store.repository import Store

    email_only = Criterion.model_validate({"id": "letter", "title": "Letter form", "description": "An e-mail?",
                                           "channels": ["email"], "levels": {0: "no", 1: "some", 2: "yes"}})
    whole = rubric.model_copy(update={"criteria": [*rubric.criteria, email_only]})
    fit = LevelFit(rubric_id=whole.id, rubric_version=whole.version, rubric_hash=rubric_key(whole),
                   model="scripted", prompt_version="p", sources={"rubric examples": 20})

    class Fits:
        def current(self, asked, model):
            return fit if rubric_key(asked) == rubric_key(whole) else None

    services = Services(Store(tmp_path / "sim.db"), Library(scenarios={scenario.id: scenario},
                                                            rubrics={whole.id: whole}),
                        customer_model, Judge(judge_model, fits=Fits()))
    session = TrainingSession.start(services, scenario.id)
    assert [c.id for c in session.rubric.criteria] == [c.id for c in rubric.criteria]  # chat: no letter form
    customer_model.enqueue("Fine.")
    judge_model.enqueue(GOOD, GOOD, FEEDBACK)
    _, result = play(session, "I am sorry we declined your card: I will unblock it by 5 pm.")
    assert result.verdict.status == "scored" and "letter" not in result.verdict.criteria
    assert result.verdict.fit is not None and result.verdict.fit.sources == {"rubric examples": 20}
