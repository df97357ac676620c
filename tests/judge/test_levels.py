"""Levels read from the model's probabilities (judge/levels.py), thresholds from a fit,
the fallback to constrained answers, and levels stored before the feedback."""

import json
import math
import threading

import pytest

from simulator.judge.fit import CriterionFit, LevelFit
from simulator.judge.grader import Judge
from simulator.judge.levels import LevelReader, level_probs
from simulator.llm.openai_backend import OpenAIChatModel
from simulator.llm.scripted import ScriptedModel
from tests.support.openai_test_server import OpenAITestServer
from tests.support.rubrics import CUSTOMER, REPLY, TWO_CRITERIA

RUBRIC = TWO_CRITERIA


def tops(**probs):
    """Top log-probabilities from level -> probability ("p0", "p1", "p2")."""
    return {name[1:]: math.log(p) for name, p in probs.items() if p > 0}


def reading_of(per_criterion):
    """A `readings` function answering each criterion's question with its distribution."""
    def readings(request):
        last = request.messages[-1].content
        for cid, probs in per_criterion.items():
            if f"Level of {cid} " in last:
                return probs
        raise AssertionError(f"no reading scripted for {last!r}")
    return readings


def test_level_tokens_with_and_without_a_space_count_for_the_same_level():
    reading = level_probs({"2": math.log(0.3), " 2": math.log(0.2), "1": math.log(0.25), "The": math.log(0.25)},
                          [0, 1, 2])
    assert reading.probs == {0: 0.0, 1: pytest.approx(1 / 3, abs=1e-3), 2: pytest.approx(2 / 3, abs=1e-3)}
    assert reading.mass == pytest.approx(0.75)
    assert reading.expected == pytest.approx(5 / 3, abs=1e-3)
    assert level_probs({"The": 0.0, "Level": -1.0}, [0, 1, 2]) is None


def test_one_conversation_reads_every_criterion_and_a_decided_level_costs_no_call():
    model = ScriptedModel(readings=reading_of({"steps": tops(p0=0.1, p1=0.2, p2=0.7)}))
    reader = LevelReader(model, RUBRIC, REPLY, CUSTOMER, [])
    assert reader.read(RUBRIC.criteria[0], decided=0) is None
    reading = reader.read(RUBRIC.criteria[1])
    assert reading.likeliest == 2
    assert len(model.requests) == 1  # the decided level was written into the conversation, not asked
    request = model.requests[0]
    assert request.max_tokens == 1 and request.logprobs > 0
    roles = [m.role for m in request.messages]
    assert roles == ["system", "user", "assistant", "user"]
    assert request.messages[2].content == "0"
    assert REPLY in request.messages[1].content


def test_levels_come_from_the_expected_level_with_rounding_without_a_fit():
    model = ScriptedModel(readings=reading_of({
        "warmth": tops(p0=0.2, p1=0.3, p2=0.5),  # expected 1.3: level 1, though 2 is likeliest
        "steps": tops(p0=0.05, p1=0.15, p2=0.8),  # expected 1.75: level 2
    }))
    verdict = Judge(model, max_workers=1).grade(RUBRIC, REPLY, CUSTOMER, feedback=False)
    warmth, steps = verdict.criteria["warmth"], verdict.criteria["steps"]
    assert (warmth.level, steps.level) == (1, 2)
    assert warmth.method == steps.method == "logprobs" and verdict.method == "logprobs"
    assert warmth.expected == pytest.approx(1.3) and warmth.probs[2] == pytest.approx(0.5)
    assert warmth.confidence == pytest.approx(0.3)
    assert warmth.rationale == "generic"  # the level's own description, authored in the rubric
    assert verdict.fit is None


class Fits:
    def __init__(self, fit):
        self.fit = fit

    def current(self, rubric, model):
        return self.fit


def test_a_stored_fit_moves_the_thresholds():
    fit = LevelFit(rubric_id="lv", rubric_version=1, rubric_hash="h", model="scripted", prompt_version="p",
                   sources={"rubric examples": 16},
                   criteria={"warmth": CriterionFit(thresholds=[0.4, 1.2], n=16, counts={0: 5, 1: 5, 2: 6},
                                                    kappa=0.7, exact=0.6, kappa_unfitted=0.5)})
    model = ScriptedModel(readings=reading_of({"warmth": tops(p0=0.2, p1=0.3, p2=0.5),
                                               "steps": tops(p0=0.2, p1=0.3, p2=0.5)}))
    verdict = Judge(model, max_workers=1, fits=Fits(fit)).grade(RUBRIC, REPLY, CUSTOMER, feedback=False)
    assert verdict.criteria["warmth"].level == 2  # 1.3 reaches the fitted 1.2
    assert verdict.criteria["steps"].level == 1  # no fit for steps: rounding
    assert verdict.fit.kappa == {"warmth": 0.7} and verdict.fit.n == {"warmth": 16}


def test_a_backend_without_log_probabilities_is_graded_the_constrained_way_and_says_so():
    model = ScriptedModel()  # answers, but never with log-probabilities
    verdict = Judge(model, max_workers=1).grade(RUBRIC, REPLY, CUSTOMER, feedback=False)
    assert verdict.status == "scored"
    assert verdict.method == "constrained"
    assert {c.method for c in verdict.criteria.values()} == {"constrained"}


@pytest.fixture
def server_without_logprobs():
    server = OpenAITestServer(logprobs=False)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def server():
    server = OpenAITestServer()
    server.start()
    yield server
    server.stop()


def test_a_real_server_that_sends_log_probabilities_is_read(server):
    model = OpenAIChatModel(spec="openai-compatible:test", model="test", base_url=server.base_url, api_key="k")
    verdict = Judge(model, max_workers=1).grade(RUBRIC, REPLY, CUSTOMER, feedback=False)
    assert verdict.method == "logprobs" and model.logprobs is True
    assert all(c.probs and sum(c.probs.values()) == pytest.approx(1, abs=1e-3) for c in verdict.criteria.values())


def test_a_real_server_without_log_probabilities_falls_back_once_and_for_good(server_without_logprobs):
    model = OpenAIChatModel(spec="openai-compatible:test", model="test",
                            base_url=server_without_logprobs.base_url, api_key="k")
    first = Judge(model, max_workers=1).grade(RUBRIC, REPLY, CUSTOMER, feedback=False)
    assert first.status == "scored" and first.method == "constrained" and model.logprobs is False
    before = server_without_logprobs.stats()["by_kind"]["levels"]
    Judge(model, max_workers=1).grade(RUBRIC, REPLY, CUSTOMER, feedback=False)
    assert server_without_logprobs.stats()["by_kind"]["levels"] == before  # no second attempt at readings


def test_a_server_that_refuses_the_logprobs_option_falls_back(server):
    server.push_fault("400", match="levels", message="logprobs is not supported", times=None)
    model = OpenAIChatModel(spec="openai-compatible:test", model="test", base_url=server.base_url, api_key="k")
    verdict = Judge(model, max_workers=1).grade(RUBRIC, REPLY, CUSTOMER, feedback=False)
    assert verdict.status == "scored" and verdict.method == "constrained"


def test_the_levels_are_handed_on_before_the_feedback_is_written():
    release = threading.Event()
    seen = []

    def feedback(request):
        assert release.wait(5)
        return '{"tip": "Name the date you moved it to.", "better_reply": "That sounds hard, and it is fixed: ' \
               'your payment now goes out on the 15th. What else is due before then?"}'

    model = ScriptedModel([feedback], readings=reading_of({"warmth": tops(p2=1.0), "steps": tops(p2=1.0)}))

    def on_levels(verdict):
        seen.append(verdict)
        release.set()

    verdict = Judge(model, max_workers=1).grade(RUBRIC, REPLY, CUSTOMER, on_levels=on_levels)
    assert len(seen) == 1 and seen[0].feedback_state == "pending" and seen[0].tip == ""
    assert seen[0].score == verdict.score == 100.0
    assert verdict.feedback_state == "done" and verdict.tip.startswith("Name the date")
    # The feedback goes on in the conversation that read the levels (its turn is cached).
    levels_request, feedback_request = model.requests[-2], model.requests[-1]
    assert feedback_request.schema_name == "feedback"
    assert feedback_request.messages[:-1] == [*levels_request.messages, feedback_request.messages[-2]]
    assert "Levels: warmth=2, steps=2" in feedback_request.messages[-1].content
    # the feedback's instructions are in the cached system message: the follow-up stays short
    from simulator.judge.levels import LEVELS_COACHING
    assert LEVELS_COACHING in levels_request.messages[0].content
    assert len(feedback_request.messages[-1].content) < 400  # about 80 tokens


def test_a_feedback_failure_leaves_the_levels_and_says_failed():
    model = ScriptedModel([RuntimeError("boom")], readings=reading_of({"warmth": tops(p1=1.0),
                                                                       "steps": tops(p1=1.0)}))
    verdict = Judge(model, max_workers=1).grade(RUBRIC, REPLY, CUSTOMER)
    assert verdict.status == "scored" and verdict.score == 50.0
    assert verdict.feedback_state == "failed" and verdict.tip == "" and verdict.better_reply == ""


def test_a_reply_at_the_top_gets_its_tip_but_no_copy_of_itself_as_a_better_reply():
    copy = REPLY + " Anything else?"
    model = ScriptedModel([json.dumps({"tip": "Keep naming the date.", "better_reply": copy})],
                          readings=reading_of({"warmth": tops(p2=1.0), "steps": tops(p2=1.0)}))
    verdict = Judge(model, max_workers=1).grade(RUBRIC, REPLY, CUSTOMER)
    assert verdict.score == 100.0 and verdict.feedback_state == "done"
    assert verdict.tip == "Keep naming the date." and verdict.better_reply == ""
    assert [r.schema_name for r in model.requests].count("feedback") == 1  # not asked again


def test_a_weaker_reply_is_asked_again_for_a_better_reply_that_copies_it():
    copy = REPLY + " Anything else?"
    model = ScriptedModel([json.dumps({"tip": "Name the date.", "better_reply": copy}),
                           json.dumps({"tip": "Name the date.", "better_reply": copy})],
                          readings=reading_of({"warmth": tops(p1=1.0), "steps": tops(p1=1.0)}))
    verdict = Judge(model, max_workers=1).grade(RUBRIC, REPLY, CUSTOMER)
    assert verdict.tip == "Name the date." and verdict.better_reply == ""
    assert [r.schema_name for r in model.requests].count("feedback") == 2


def test_a_better_reply_that_copies_an_earlier_turn_is_asked_again():
    earlier = [("Customer", "Hello, I got a reminder and a letter about a block on my account."),
               ("Agent", "I have paused the block for 30 days so that you can breathe.")]
    copy = ("Hello, I got a reminder and a letter about a block on my account. I have paused the block for 30 days "
            "so that you can breathe.")
    fresh = "Moving the date to the 15th takes the pressure off. What else is due before your salary comes?"
    model = ScriptedModel([json.dumps({"tip": "Ask what else is due.", "better_reply": copy}),
                           json.dumps({"tip": "Ask what else is due.", "better_reply": fresh})],
                          readings=reading_of({"warmth": tops(p1=1.0), "steps": tops(p1=1.0)}))
    verdict = Judge(model, max_workers=1).grade(RUBRIC, REPLY, CUSTOMER, earlier)
    assert verdict.better_reply == fresh
    assert [r.schema_name for r in model.requests].count("feedback") == 2
