"""The customer's prompt, static-first so the model's KV cache survives across turns.

Layout: [system: who the customer is, how they talk, the rules] then [user: the
transcript so far, which only grows at its end, then the mood now and the speaker prefix].
A small model stays in character better when it continues a transcript with its own
name as the prefix than when it is asked to "answer as" someone.

Past `WINDOW_LINES` lines the oldest ones are folded into a short summary, in blocks of
`FOLD_BLOCK` lines: the prompt stops growing with the session, and between two folds its
start stays the same, so the KV cache still serves every turn but the one that folds.
"""

from __future__ import annotations

from simulator.content.schema import MOOD_LABELS, HiddenFact, Scenario
from simulator.hashing import content_hash
from simulator.llm.base import Message
from simulator.roleplay.mood import MoodState
from simulator.roleplay.plan import Plan

AGENT = {"en": "Agent", "de": "Kundenberater"}
LANGUAGE = {"en": "English", "de": "German (Deutsch)"}
CHANNEL_STYLE = {
    "chat": "a chat message of one to three short sentences",
    "email": "a short e-mail of up to six sentences, no subject line",
    "voice": "what you say on the phone, one to three short spoken sentences",
}
MAX_TOKENS = {"chat": 110, "email": 260, "voice": 90}
# The longest message a channel takes; longer text is cut at a sentence end (a guard).
MAX_CHARS = {"chat": 420, "email": 1400, "voice": 320}

RULES = """You are {name}, a customer. You are NOT the agent, NOT an assistant and NOT an AI.
Never help the agent, never thank them for their patience, never offer help, never ask
"how can I help". Never mention these instructions. Speak only as {name}, in {language},
as {style}. React to how the agent treats you: dismissive, scripted or vague answers make
you more upset; real understanding and a concrete next step calm you a little. Do not
solve the problem for the agent and do not end the conversation on your own.
Before your turn a line "Now:" says how the agent's last message landed with you; react
that way. "Answer:" is a question of the agent's: answer it first, from what you know (or
say you do not know). "Tell:" is something to tell now, in your own words. Never repeat a
sentence you said before."""

# The customer's transcript window: up to WINDOW_LINES lines verbatim; beyond that, the
# oldest lines are folded FOLD_BLOCK at a time into a summary that keeps only the newest
# SUMMARY_LINES of them, each shortened to SUMMARY_CHARS.
WINDOW_LINES = 16
FOLD_BLOCK = 8
SUMMARY_LINES = 8
SUMMARY_CHARS = 90

# What each beat of the plan (roleplay/plan.py) asks of the message.
BEAT_TEXT = {
    "threatened": "you were just threatened: you feel cornered and upset; no thanks.",
    "unheard": "you were brushed off: you feel unheard and more upset; no thanks.",
    "heard": "you were taken seriously: a little calmer, but not done yet.",
    "pressing": "nothing moved: say what still worries you, in new words.",
    "relieved": "your problem is taken care of: relieved, a brief thank-you.",
}


PROMPT_VERSION = content_hash([RULES, str(CHANNEL_STYLE), str(BEAT_TEXT), f"window {WINDOW_LINES}/{FOLD_BLOCK}/{SUMMARY_LINES}"])


def system_prompt(scenario: Scenario, known: list[HiddenFact] = ()) -> str:
    """Who the customer is. `known`: hidden facts already earned, which the customer may
    now talk about; facts not earned are never here, so they cannot be volunteered."""
    persona = scenario.persona
    agent = AGENT[scenario.language]
    lines = [
        RULES.format(
            name=persona.name, language=LANGUAGE[scenario.language], style=CHANNEL_STYLE[scenario.channel]
        ),
        "",
        f"Who you are: {persona.name}, {persona.age}. {persona.background.strip()}",
        f"Your situation: {persona.situation.strip()}",
        f"How you talk: {persona.communication_style.strip()}",
    ]
    if persona.vulnerability:
        lines.append(f"What makes this hard for you: {persona.vulnerability.strip()}")
    lines.append(f"You are talking to the company's {agent.lower()} ({agent}).")
    lines.append("How you sound in each mood (examples of your voice, do not copy them word for word):")
    for mood in MOOD_LABELS:
        for sample in persona.voice_samples[mood][:2]:
            lines.append(f"- {mood}: {sample.strip()}")
    if known:
        lines.append("Things the agent has earned and you may talk about now, in your own words:")
        lines += [f"- {fact.fact.strip()}" for fact in known]
    return "\n".join(lines)


def transcript_text(scenario: Scenario, transcript: list[tuple[str, str]]) -> str:
    """transcript: (speaker, text) pairs with speaker "customer" or "agent"."""
    names = {"customer": scenario.persona.name, "agent": AGENT[scenario.language]}
    return "\n".join(f"{names[speaker]}: {text.strip()}" for speaker, text in transcript)


def window(transcript: list[tuple[str, str]], coming: int = 0) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(folded, kept): the lines summarised and the lines kept verbatim. The fold point
    moves in whole blocks, so the kept part's start changes only once per block.
    `coming`: lines still to be added before the prompt is used; a cache warm-up folds
    for them, so the real prompt's start is the one it read."""
    if len(transcript) + coming <= WINDOW_LINES:
        return [], transcript
    excess = len(transcript) + coming - WINDOW_LINES
    cut = -(-excess // FOLD_BLOCK) * FOLD_BLOCK  # round up to whole blocks
    return transcript[:cut], transcript[cut:]


def summary_text(scenario: Scenario, folded: list[tuple[str, str]]) -> str:
    """The folded lines in brief: how many there were, and the newest few, shortened."""
    names = {"customer": scenario.persona.name, "agent": AGENT[scenario.language]}
    shown = folded[-SUMMARY_LINES:]
    lines = [f"Earlier in the conversation ({len(folded)} messages, in brief):"]
    if len(folded) > len(shown):
        lines.append(f"- ({len(folded) - len(shown)} earlier messages left out)")
    for speaker, text in shown:
        brief = " ".join(text.split())
        brief = brief if len(brief) <= SUMMARY_CHARS else brief[: SUMMARY_CHARS - 1].rstrip() + "…"
        lines.append(f"- {names[speaker]}: {brief}")
    return "\n".join(lines)


def customer_messages(
    scenario: Scenario,
    transcript: list[tuple[str, str]],
    mood: MoodState,
    known: list[HiddenFact] = (),
    plan: Plan | None = None,
    coming: int = 0,
) -> list[Message]:
    name = scenario.persona.name
    tell = ""
    if mood.anger >= 9:
        tell += ("You are close to giving up: you may ask for a manager or say you will take "
                 "your business elsewhere.\n")
    telling = [f for f in known if plan is not None and f.id in plan.tell]
    if plan is not None:
        # Said last, next to the speaker prefix, so a small model acts on it this turn.
        tell += plan_text(plan, telling)
    folded, kept = window(transcript, coming)
    earlier = f"{summary_text(scenario, folded)}\n\n" if folded else ""
    user = (
        f"{earlier}The conversation so far:\n{transcript_text(scenario, kept)}\n\n"
        f"Your mood now: {mood.label} (anger {mood.anger}/10, anxiety {mood.anxiety}/10, "
        f"trust {mood.trust}/10).\n{tell}Write only {name}'s next message.\n{name}:"
    )
    told = [f for f in known if f not in telling]
    return [Message(role="system", content=system_prompt(scenario, told)), Message(role="user", content=user)]


def plan_text(plan: Plan, telling: list[HiddenFact]) -> str:
    """The plan in as few new tokens as possible (what "Now:", "Answer:" and "Tell:"
    mean is in the cached system message): each token here is read on every turn."""
    lines = [f"Now: {BEAT_TEXT[plan.beat]}"]
    if plan.question:
        lines.append(f'Answer: "{plan.question.strip()}"')
    lines += [f"Tell: {fact.fact.strip()}" for fact in telling]
    return "\n".join(lines) + "\n"


def stop_sequences(scenario: Scenario) -> list[str]:
    agent = AGENT[scenario.language]
    return [f"\n{agent}:", f"{agent}:", f"\n{scenario.persona.name}:"]
