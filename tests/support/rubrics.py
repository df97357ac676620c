"""Small rubrics for tests: TWO_CRITERIA with a reply and a customer message, shared by the
judge's tests (levels, backends), and RUBRIC, the mini scenario's rubric as data (the
`rubric` fixture of tests/conftest.py validates it)."""

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

#: The mini scenario's rubric (tests/support/scenarios.py): two weighted criteria.
RUBRIC = {
    "id": "mini",
    "version": 1,
    "title": "Mini rubric",
    "criteria": [
        {
            "id": "emotional_reaction",
            "title": "Emotional reaction",
            "weight": 1,
            "description": "Warmth and concern for the customer.",
            "levels": {0: "none", 1: "generic", 2: "names the feeling"},
        },
        {
            "id": "ownership_next_step",
            "title": "Ownership",
            "weight": 3,
            "description": "A concrete next step.",
            "levels": {0: "none", 1: "vague", 2: "concrete with a time"},
        },
    ],
}
