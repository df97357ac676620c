"""The feedback's tip is shown while the model writes it (issue 15: the feedback streams
within seconds of the levels); the better reply only once it passed its checks."""

import json

from simulator.content.library import default_content_dirs, load_library
from simulator.judge.grader import Judge
from simulator.judge.partial import partial_strings
from simulator.llm.scripted import ScriptedModel


def test_the_string_fields_of_a_json_answer_still_being_written():
    assert partial_strings('{"tip": "Say wh', ("tip", "better_reply")) == {"tip": "Say wh"}
    assert partial_strings('{"tip": "A \\"quote\\" and \\u00e4', ("tip",)) == {"tip": 'A "quote" and ä'}
    assert partial_strings('{"tip": "half an escape \\u00', ("tip",)) == {"tip": "half an escape "}
    assert partial_strings('{"ti', ("tip",)) == {}


def test_the_judge_hands_on_the_tip_as_it_streams_and_never_the_unchecked_better_reply():
    core = load_library(*default_content_dirs())[0].rubric("empathy-core")
    model = ScriptedModel(readings=lambda request: {"1": -0.2, "2": -1.8})
    model.logprobs = True
    tip = "Say what the block means for the rent, then ask what is due first."
    better = "A frozen account with the rent due is worrying. I am lifting the block now; what is due first?"
    model.enqueue(json.dumps({"tip": tip, "better_reply": better}))
    seen: list[str] = []
    verdict = Judge(model).grade(core, "Your account is under review.", "My account is frozen and rent is due!",
                                 language="en", on_feedback=seen.append)
    assert verdict.tip == tip and len(seen) > 3
    assert all(tip.startswith(part) for part in seen) and seen[-1] == tip
