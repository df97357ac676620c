"""Checks in code on what the customer model wrote.

A weak model slips into the agent's role ("How can I help you?"), admits to being an AI
or echoes its instructions. Each check returns where the problem starts, so the caller
can cut the message there or regenerate it.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

AGENT_VOICE = [
    r"how (?:can|may) i (?:help|assist)",
    r"is there anything (?:else )?i can",
    r"thank you for (?:your patience|contacting|reaching out|your understanding)",
    r"i(?:'| a)m (?:here|happy|glad) to (?:help|assist)",
    r"i(?:'| wi)ll (?:look into|check) (?:this|that|it) for you",
    r"let me (?:check|look into|help)",
    r"wie kann ich (?:ihnen|dir) (?:helfen|behilflich)",
    r"kann ich (?:ihnen|dir) sonst noch",
    r"vielen dank für (?:ihre geduld|ihr verständnis|ihre anfrage|ihre nachricht)",
    r"ich helfe ihnen",
    r"ich (?:kümmere|schaue) mich (?:gerne )?(?:darum|drum)",
]
AI_VOICE = [
    r"\bas an ai\b",
    r"\bi(?:'| a)m an? (?:ai|language model|assistant|chatbot)\b",
    r"\blanguage model\b",
    r"\bals (?:ki|künstliche intelligenz|sprachmodell)\b",
    r"\bich bin (?:eine? )?(?:ki|sprachmodell|assistent|chatbot)\b",
]
LEAK = [r"\byour mood now\b", r"\bwrite only\b", r"\byou are not the agent\b", r"\banger \d+/10\b"]


class GuardHit(BaseModel):
    kind: str  # agent_voice | ai_voice | instruction_leak | speaker_label
    at: int
    match: str


_CHECKS = [
    ("agent_voice", [re.compile(p, re.I) for p in AGENT_VOICE]),
    ("ai_voice", [re.compile(p, re.I) for p in AI_VOICE]),
    ("instruction_leak", [re.compile(p, re.I) for p in LEAK]),
]
SPEAKER_LABEL = re.compile(r"(?:^|\n)\s*(?:agent|kundenberater(?:in)?|assistant|system)\s*:", re.I)


def first_hit(text: str) -> GuardHit | None:
    hits = []
    for kind, patterns in _CHECKS:
        for pattern in patterns:
            match = pattern.search(text)
            if match:
                hits.append(GuardHit(kind=kind, at=match.start(), match=match.group(0)))
    label = SPEAKER_LABEL.search(text)
    if label:
        hits.append(GuardHit(kind="speaker_label", at=label.start(), match=label.group(0).strip()))
    return min(hits, key=lambda h: h.at) if hits else None


def strip_own_label(text: str, name: str) -> str:
    """Drop a leading "Name:" the model repeated from the speaker prefix."""
    first = name.split()[0]
    return re.sub(rf"^\s*(?:{re.escape(name)}|{re.escape(first)})\s*:\s*", "", text, flags=re.I)


def cut_before(text: str, at: int) -> str:
    """The text before a hit, ended at the last full sentence if there is one."""
    head = text[:at].rstrip()
    end = max(head.rfind(c) for c in ".!?")
    return head[: end + 1] if end >= 0 else head
