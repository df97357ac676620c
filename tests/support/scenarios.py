"""Scenarios as data for tests of the core: the mini scenario (tests/conftest.py's
`scenario` fixture, graded on tests/support/rubrics.py's RUBRIC) and the same scenario
with hidden facts."""

#: A small English chat scenario with triggers, four turns at most.
SCENARIO = {
    "id": "mini-en",
    "version": 1,
    "title": "Mini scenario",
    "language": "en",
    "channel": "chat",
    "difficulty": 2,
    "persona": {
        "name": "Sam Doe",
        "age": 40,
        "background": "A long-time customer.",
        "situation": "The card was declined.",
        "communication_style": "Short and sharp.",
        "initial_mood": {"anger": 6, "anxiety": 4, "trust": 4},
        "voice_samples": {
            "calm": ["Alright."],
            "anxious": ["I am worried about this."],
            "angry": ["This is ridiculous.", "I have had enough."],
            "relieved": ["Thank goodness."],
        },
    },
    "triggers": {
        "escalate": [{"when": "tells the customer to calm down", "phrases": ["calm down"]}],
        "deescalate": [{"when": "apologises for the specific mistake", "phrases": ["sorry we declined"]}],
    },
    "opening": "My card was declined at the till. Why?",
    "objectives": ["Explain the decline", "Offer a next step"],
    "end": {"max_turns": 4},
    "rubric": "mini",
}

#: Earned by a phrase ("payments coming up") or by the model; needed to resolve WITH_FACTS.
RENT = {
    "id": "rent-due",
    "fact": "Rent of 850 pounds is due tomorrow and the landlord is strict.",
    "earned_when": "The agent asks which payments are coming up.",
    "phrases": ["payments coming up"],
    "reveal_words": ["rent", "landlord"],
}
#: Earned by the model only.
SISTER = {
    "id": "sister",
    "fact": "Yesterday's transfer went to a sister who needs a deposit.",
    "earned_when": "The agent asks about recent payments without accusing.",
    "reveal_words": ["sister"],
}
#: The mini scenario with both facts: resolving it needs the rent fact; six turns at most.
WITH_FACTS = {
    **SCENARIO,
    "hidden_facts": [RENT, SISTER],
    "end": {"max_turns": 6, "resolved_when": {"max_anger": 10, "min_trust": 0, "min_turns": 1, "facts": ["rent-due"]},
            "abandon_when": {"min_anger": 10, "max_trust": 0}},
}
