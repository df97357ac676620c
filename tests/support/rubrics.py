"""A small rubric and turn shared by the judge's tests (levels, backends)."""

from simulator.content.schema import Rubric

#: Two criteria, three levels each: enough for a score, cheap to script.
TWO_CRITERIA = Rubric.model_validate({
    "id": "lv", "version": 1, "title": "Levels",
    "criteria": [
        {"id": "warmth", "title": "Warmth", "description": "Warm?", "levels": {0: "cold", 1: "generic", 2: "warm"}},
        {"id": "steps", "title": "Next step", "description": "A step?", "levels": {0: "none", 1: "vague", 2: "clear"}},
    ],
})
REPLY = "That sounds exhausting. I have moved your payment date to the 15th."
CUSTOMER = "My salary comes on the 15th and you took the money on the 1st."
