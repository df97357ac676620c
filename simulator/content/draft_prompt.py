"""The drafting model's prompt: the fields and rules of a draft, and a worked example
(persona, lines, one hidden fact) kept as data so that tests can hold it to those rules."""

from __future__ import annotations

import json
import re

from simulator.content.draft_answer import LANGUAGE_NAMES

EXAMPLE_PERSONA = {
    "name": "Priya Nair",
    "age": 41,
    "background": "Freelance translator who works from home; a customer of Lumen Broadband for six years.",
    "situation": "Her internet has been down for three days. Two engineer visits were booked and nobody came.",
    "communication_style": "Polite but clipped; lists what went wrong; turns sarcastic when given a script.",
    "vulnerability": None,
    "initial_mood": {"anger": 7, "anxiety": 5, "trust": 3},
    "voice_samples": {
        "calm": ["Okay. What happens next?", "Fine, I can be home all day Thursday."],
        "anxious": ["What if it is still down at the end of the week?", "I really need this working."],
        "angry": ["Three days. Two no-shows. Not one call.", "Do not tell me to restart the router again."],
        "relieved": ["Thank you. That actually helps.", "A real time slot. Good, I can work with that."],
    },
}
EXAMPLE_LINES = {
    "threatened": "So now you're threatening me? After six years of paying on time?",
    "unheard": "That's a script. I asked when someone is actually coming.",
    "heard": "Okay. That is the first straight answer I've had this week.",
    "pressing": "I still have no internet and no date. That's the problem.",
    "relieved": "Thank you, a real time slot. That's a relief.",
}
EXAMPLE_FACT = {
    "id": "deadline-friday",
    "fact": "She must deliver a large job by Friday noon or lose her biggest client.",
    "earned_when": "The agent asks what the outage is affecting or what is most urgent for her.",
    "hint": "Ask what the outage is affecting right now.",
    "phrases": ["what is it affecting", "most urgent", "affecting your work"],
    "reveal_words": ["deadline", "Friday noon", "biggest client"],
    "tell": "I have a deadline on Friday noon. If I miss it, I lose my biggest client.",
}

SYSTEM = """You draft practice scenarios for an empathy trainer. Customer-service trainees chat with a
simulated customer, played by a model from your persona, and are graded on empathy.
From the trainer's brief, write one scenario as a JSON object.

Fields:
- language: "en" or "de". Write every text in that language.
- channel: "chat", "email" (then also "subject": the customer's e-mail subject) or "voice".
- title: a few words naming the situation. difficulty: 1 (easy) to 5 (hard).
- persona: the customer. background: who they are. situation: what happened, as the
  customer knows it. communication_style: how they write. vulnerability: null unless the
  customer is in vulnerable circumstances. initial_mood: anger, anxiety, trust from 0 to 10.
  voice_samples: two short lines in the customer's own voice for each mood: calm,
  anxious, angry, relieved.
- lines: one line in the customer's own voice for each moment: threatened (after the
  agent pressures or threatens them), unheard (after a brush-off or a script), heard
  (after the agent names their feeling or takes a step: a little calmer), pressing (the
  problem is still open), relieved (solved: relief and thanks).
- hidden_facts: 1 to 3 things that matter but that the customer would not say unprompted.
  earned_when: what the trainee must do to hear it. hint: a tip for the trainee.
  phrases: short words from a trainee's reply that earn it. reveal_words: words that
  would give the fact away. tell: the customer telling the fact in their own words,
  with one of the reveal_words.
- triggers: escalate = what a trainee might do that makes it worse; deescalate = what
  helps. Each has "when" and 1 to 4 short phrases a trainee might write.
- opening: the customer's first message.
- objectives: 3 to 5 things the trainee should do, one sentence each.
- content_note: one sentence naming hard topics (death, debt, abuse), or null.

Rules:
- Invent a fictional company. No real brands, banks, shops or people.
- Keep every text short. Each voice sample is one sentence.
- The customer is a person, never the agent: no "How can I help you?".
- Hidden facts stay hidden: their reveal_words must not appear in the opening, the
  persona, the voice samples or the lines (only in the fact's own tell).

A good persona, lines and hidden fact (English, chat):
"persona": {persona}
"lines": {lines}
"hidden_facts": [{fact}]"""


def system_prompt() -> str:
    return (SYSTEM.replace("{persona}", json.dumps(EXAMPLE_PERSONA, ensure_ascii=False))
            .replace("{lines}", json.dumps(EXAMPLE_LINES, ensure_ascii=False))
            .replace("{fact}", json.dumps(EXAMPLE_FACT, ensure_ascii=False)))


def user_prompt(brief: str, language: str | None) -> str:
    lines = [f"Brief from the trainer:\n{brief.strip()}"]
    if language:
        lines.append(f'Write the scenario in {LANGUAGE_NAMES[language]} (language "{language}").')
    if re.search(r"\be-?mails?\b", brief, re.I):
        lines.append('The customer writes an e-mail: channel "email", with a subject.')
    return "\n\n".join(lines)
