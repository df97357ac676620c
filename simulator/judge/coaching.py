"""The judge's coaching checked in code: is the tip a tip, is the better reply better.

The 1.5B model writes a tip that speaks to the customer ("Bitte geben Sie mir mehr Details
über Ihre Situation"), a better reply that copies the trainee's, one stock sentence in an
otherwise good reply, or a "calm down" of its own. A fault that sits in one sentence of
the better reply costs that sentence, not the reply (`salvage`): the whole reply was
withheld for one stock sentence in nearly every turn of a bench session. What cannot be
mended by leaving sentences out (a copy of the trainee's reply, no question where the
reply failed to explore) is a reason to ask again (`better_reply_problem`).
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from simulator.content.schema import Rubric
from simulator.judge.conduct import read_conduct
from simulator.judge.sanitise import normalise, split_sentences
from simulator.judge.signals import asking_sentences
from simulator.judge.stock import find_stock

# A better reply at least this close to the trainee's own (word sequence) only repeats it.
SAME_AS_REPLY = 0.6
# A sentence of at least COPY_MIN_WORDS words with this share of them in one sentence of
# the conversation is a copy of it, in any order.
COPIED_SHARE, COPY_MIN_WORDS = 0.75, 5
# ... and a sentence of at least GLUED_MIN_WORDS words with this share in the whole conversation.
GLUED_SHARE, GLUED_MIN_WORDS = 0.85, 10
# Fewer sentences than this left after salvage (or than the answer had), and what is left
# is no reply.
MIN_SENTENCES = 2

# A tip is coaching: the agent's own "I", "me" or "we" outside a quoted example means the
# model wrote to the customer ("Bitte geben Sie Ihre Stromrechnung an, und wir werden Ihnen
# helfen" was a tip). German "Sie" cannot tell trainee from customer; the first person can.
AGENT_VOICE = re.compile(r"\b(?:I|I'm|I'll|I've|me|my|we will|we'll|ich|mir|mich|mein|meine|meinen|meinem|meiner|"
                         r"meines|wir|uns|unser|unsere|unseren|unserem|unserer)\b", re.IGNORECASE)
#: Requests and possessives only the customer is the addressee of: a "tip" such as "Bitte
#: geben Sie an, wie Sie zahlen möchten" (the 1.5B model in a browser walk) is written to
#: the customer without any first person. A tip to the trainee names "the customer".
CUSTOMER_ADDRESS = re.compile(
    r"\b(?:[Gg]eben Sie (?:\w+ ){0,3}an|[Üü]berweisen Sie|[Bb]egleichen Sie|(?:[Bb]e)?[Zz]ahlen Sie|"
    r"[Kk]ontaktieren Sie|[Ww]enden Sie sich an|Ihr(?:e|en|em|er|es)? (?:Konto|Karte|Zahlung|Rechnung|Vertrag|Bestellung|Angaben|"
    r"Daten|Kundennummer|Rate|Raten|Situation|Anliegen|Strom)|"
    r"(?i:please (?:provide|send|confirm|contact|call|pay|let us know)|"
    r"your (?:account|card|payment|bill|invoice|balance|details|order|contract|situation)))\b")
QUOTED = re.compile(r'"[^"]*"|“[^”]*”|„[^“”]*[“”]|»[^«]*«|«[^»]*»|\'[^\']{6,}\'|‘[^’]*’')


def echoes(text: str, source: str) -> bool:
    """Whether `text` is mostly `source` again (a weak model copies what it was shown)."""
    mine, theirs = normalise(text).split(), normalise(source).split()
    return bool(theirs) and (SequenceMatcher(None, mine, theirs, autojunk=False).ratio() >= SAME_AS_REPLY
                             or f" {' '.join(theirs)} " in f" {' '.join(mine)} ")


def copies(sentence: str, source: str) -> bool:
    """Whether `sentence` is mostly words of one sentence of `source`: "Sie sollten den
    offenen Betrag bis zum Monatsende begleichen" copies "Bitte begleichen Sie den offenen
    Betrag bis zum Monatsende, andernfalls ..." though the order changed."""
    mine = normalise(sentence).split()
    if len(mine) < COPY_MIN_WORDS:
        return False
    if any(sum(w in set(normalise(s).split()) for w in mine) / len(mine) >= COPIED_SHARE
           for s in split_sentences(source)):
        return True
    # Pieces of two sentences glued together ("Sie sollten den offenen Betrag bis zum
    # Monatsende begleichen und den Strom und warmes Wasser sicherstellen"): a long
    # sentence made almost only of the conversation's words.
    everything = set(normalise(source).split())
    return len(mine) >= GLUED_MIN_WORDS and sum(w in everything for w in mine) / len(mine) >= GLUED_SHARE


def tip_problem(tip: str, reply: str, customer_message: str) -> str:
    """Why a tip is no tip, or '': it repeats the trainee's reply or the customer's
    message (`customer_message`: what the customer said, earlier turns included), speaks
    to the customer instead of the trainee, or itself brushes off."""
    if tip.strip() and (echoes(tip, reply) or echoes(tip, customer_message) or any(
            copies(s, f"{reply}\n{customer_message}") for s in split_sentences(tip))):
        return "the tip repeats the conversation; say in one sentence what the trainee should do better"
    unquoted = QUOTED.sub(" ", tip)
    speaker = AGENT_VOICE.search(unquoted) or CUSTOMER_ADDRESS.search(unquoted)
    if speaker:
        return (f"the tip speaks to the customer as the agent ({speaker.group(0)!r}); "
                "write one sentence to the trainee on what to do better")
    return conduct_problem(tip, "tip")


def conduct_problem(text: str, what: str) -> str:
    """A tip or better reply that itself threatens or brushes off ("Bitte beruhigen Sie
    sich" was a tip the 1.5B model wrote) teaches the opposite of the rubric."""
    conduct = read_conduct(text)
    phrase = conduct.threat or conduct.dismissal
    return f"the {what} brushes the customer off or pressures them ({phrase!r}); coach warmth instead" if phrase else ""


def salvage(better: str, reply: str, language: str, rubric: Rubric | None = None,
            customer_message: str = "") -> str:
    """`better` without its sentences that cannot stand in a model answer: stock phrases,
    pressure or brush-offs, and copies of a sentence the customer said (`customer_message`:
    earlier turns included). A sentence kept from the trainee's reply may stay (a good step
    is worth keeping); the whole must still differ (`better_reply_problem`). '' when fewer
    than MIN_SENTENCES are left (a one-sentence answer may stay one sentence)."""
    return _salvaged(better, language, rubric, customer_message)[0]


def _salvaged(better: str, language: str, rubric: Rubric | None, customer_message: str) -> tuple[str, list[str]]:
    """(what `salvage` keeps, the stock sentences found): the stock search runs once."""
    said = split_sentences(customer_message)
    stock = find_stock(better, language, rubric).sentences
    sentences = split_sentences(better)
    kept: list[str] = []
    for sentence in sentences:
        # A sentence said before in the same answer is the model looping, not a reply.
        if sentence in stock or conduct_problem(sentence, "sentence") or any(echoes(sentence, t) for t in said) \
                or copies(sentence, customer_message) or any(echoes(sentence, k) for k in kept):
            continue
        kept.append(sentence)
    enough = kept and len(kept) >= min(MIN_SENTENCES, len(set(sentences)))
    return (" ".join(kept) if enough else ""), stock


def better_reply_problem(better: str, reply: str, language: str, wants_question: bool,
                         rubric: Rubric | None = None, customer_message: str = "") -> str:
    """Why a better reply is no better even after `salvage`, or '': it repeats the
    trainee's reply or the customer's message, is mostly stock, pressure or copies, or asks
    nothing where the reply failed to explore."""
    return review_better(better, reply, language, wants_question, rubric, customer_message)[0]


def review_better(better: str, reply: str, language: str, wants_question: bool,
                  rubric: Rubric | None = None, customer_message: str = "") -> tuple[str, str]:
    """(why the better reply is no better or '', the reply as it would be shown after
    `salvage`): one pass for the check and the text, so neither is worked out twice."""
    if not better.strip():
        return "", ""  # withheld words are handled by the wording check
    # Checked as it would be shown: the model often opens by copying the customer's
    # message, which salvage leaves out, and what is left may still be the trainee's reply.
    kept, stock = _salvaged(better, language, rubric, customer_message)
    # As written too: the trainee's reply with a word added is a repeat, even where
    # salvage took out a stock sentence of it and what is left no longer reads as one.
    if echoes(better, reply) or (kept and echoes(kept, reply)):
        return "the better reply repeats the trainee's reply; write a new one that does what it missed", kept
    if not kept:
        if echoes(better, customer_message):
            return "the better reply repeats the customer's message; write the agent's answer to it", kept
        if stock:
            return f"the better reply uses stock phrases ({stock[0]!r}); say it in plain own words", kept
        return (conduct_problem(better, "better reply")
                or "the better reply copies the conversation; write two to four new sentences"), kept
    if wants_question and not asking_sentences(kept):
        return "the better reply must ask the customer one open question about their situation", kept
    return "", kept
