"""Is the customer coherent as a trainer would judge it, in each customer mode?

    python bench/customer_coherence.py [--modes generated,hybrid,authored]
                                       [--scenarios a,b,c] [--turns 4]
                                       [--customer embedded] [--judge scripted]

Four fixed trainee scripts per language play every scenario once per customer mode
(roleplay/plan.py, roleplay/customer.py): `generated` (the model writes to the plan),
`hybrid` (authored lines for told facts and the threatened/unheard/relieved beats, the
model for the rest) and `authored` (the scenario's lines only, no model call). The
scripts: threatening (contact-centre pressure: deadlines, collectors, cut-offs; written
here), dismissive, scripted-sounding and empathetic (from bench/customer_fidelity.py).
The empathetic script's replies 2 and 3 are, per scenario, questions that contain one
of that scenario's hidden-fact `phrases` verbatim (EMPATHETIC_QUESTIONS), so the facts
are earned in code. Everything runs through the real session code (plan, mood, fact
checks, guards, SQLite in a temp folder); end conditions are switched off
(bench/library.py) so every conversation plays `--turns` replies. endless_library still
lets a customer abandon at anger 10 or trust 0 (or give up at anger >= 7): most threatened
customers would leave after one reply and the conversations would not compare, so this
bench turns abandonment into "go on" (mood.outcome wrapped in this process only) and
counts it instead: would_have_abandoned, per mode (conversations).

The judge defaults to the scripted backend: the judge is not what is measured here, and
the embedded judge would make the run take about an hour. The scripted judge's levels
are a hash of the request, so the mood after the verdict ("settled") moves at random and
its fact check earns nothing (facts are earned by the scenarios' phrases only). The
customer's mood before the verdict comes from code alone (the reply's move) and is what
the customer answers in. `--judge embedded` is allowed.

Measures, per mode, and per language inside each mode (`by_language`):

* repetition_share: customer messages (the opening excluded) with a sentence the
  customer said before in the session: plan.repeated_sentence(text, earlier) is not
  None, `earlier` being all earlier customer messages, opening included. Goal <= 3 %.
  repetition_share_unmarked: the same, without the messages that say a complaint again
  on purpose, marked "Like I said:" / "Wie gesagt:" (plan.AGAIN: authored lines once all
  lines of a beat were said).
* responsiveness_share: of the trainee replies that ask (judge.signals.asking_sentences
  non-empty), the share whose next customer message answers. Answered when the message
  is not only a question back (not every sentence ends in "?") and at least one of:
  it tells a fact earned by that reply (facts.revealed: one of its reveal words); it
  shares a content word with the asking sentences (casefolded, >= 4 letters, not in the
  small en/de stopword set STOPWORDS, exact word match, no stemming); it holds an answer
  marker (en: yes/yeah/no/nope/not sure/I don't know/because; de: ja/nein/weiß nicht/
  weil/keine Ahnung; or a digit). Goal >= 80 %.
* fact_told_next_share: facts earned by a reply (the phrase check and, where it runs
  before the customer, the model check) that the very next customer message tells
  (facts.revealed). A fact the model check finds only after the customer (a shared
  local model, `--judge embedded --customer embedded`) is owed by the message after.
  Goal >= 95 %.
* anger_rise_share: threatening and dismissive replies after which the anger the
  customer answered in (PendingTurn.mood_before_verdict.anger) is higher than the anger
  before the reply (the previous stored turn's anger, after its verdict). Goal >= 95 %.
  anger_fall_share: empathetic replies after which it is lower. Goal >= 90 %.
  Also per script, with the replies already at the ceiling (anger 10) or floor (0)
  counted, and settled_anger_rise_share / settled_anger_fall_share: the same over the
  mood after the verdict (with the scripted judge that part is noise).
* out_of_character_share: messages as shown for which customer_fidelity.audit() finds a
  problem (guards re-run, wrong language, agent echo, too long, stage directions,
  narration, meta talk). Goal <= 1 %.
* wrong_language_share: guards.language_of(text) is not None and not the scenario's
  language. Goal 0.
* fluency (German messages only): de_flagged_share, the share of messages with at least
  one word not in the German word list /usr/share/dict/ngerman (Debian package wngerman;
  this bench installs nothing: without the file fluency is null, with a note). Tokens
  with a digit are ignored; hyphen and apostrophe parts are checked one by one; parts
  under 3 letters and the persona's names are ignored; compared lower-cased, which also
  accepts the word with a capitalised first letter. The reference, fluency_reference:
  the same check over every authored line (lines and tell) of the run's German
  scenarios. top_unknown lists the 10 commonest unknown words, so a reader can judge
  false alarms (compounds, chat spellings such as "hab").
* speed: median time (ms) from submitting the reply to the customer's first text (the
  plan, the fact check by phrase and the model's first token), overall and per source;
  source_share (model / authored / fallback). Goal for authored mode: median < 50 ms.

Prints one line per conversation (its transcript and per-message checks), then one JSON
object on its last line.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.customer_fidelity import SCRIPTS, audit  # noqa: E402
from bench.library import endless_library  # noqa: E402
from simulator.config import load_settings  # noqa: E402
from simulator.judge.sanitise import split_sentences  # noqa: E402
from simulator.judge.signals import asking_sentences  # noqa: E402
from simulator.roleplay import guards  # noqa: E402
from simulator.roleplay import mood as moods  # noqa: E402
from simulator.roleplay.facts import revealed  # noqa: E402
from simulator.roleplay.lines import AGAIN, repeated_sentence  # noqa: E402
from simulator.roleplay.plan import read_move  # noqa: E402
from simulator.session import Services, TrainingSession  # noqa: E402

MODES = ("generated", "hybrid", "authored")
DEFAULT_SCENARIOS = "frozen-account-en,phone-anxiety-en,zahlungsschwierigkeiten-de,lieferung-dreimal-de"
DEFAULT_SCRIPTS = "threatening,dismissive,scripted,empathetic"
WORDLIST = Path("/usr/share/dict/ngerman")

# Pressure as contact centres apply it: a deadline with a consequence, collectors, a
# cut-off "as announced". Each must read as "threatened" (plan.read_move); checked at start.
THREATENING = {
    "en": [
        "Please settle the outstanding balance by Friday, otherwise we will pass your account to a collection agency.",
        "If the payment isn't received by the end of the week, we will have to close your account.",
        "This is your final notice. Any further delay and the matter goes to our debt collection partner.",
        "As stated in our letter, we will suspend your service on Monday unless the balance is cleared.",
    ],
    "de": [
        "Bitte begleichen Sie den offenen Betrag bis zum Monatsende, andernfalls müssen wir die Sperre wie "
        "angekündigt durchführen.",
        "Wenn die Zahlung nicht bis Freitag eingeht, geben wir die Forderung an ein Inkassounternehmen weiter.",
        "Das ist unsere letzte Mahnung. Ohne Zahlung bleibt uns nur das gerichtliche Mahnverfahren.",
        "Wie in unserem Schreiben angekündigt, kündigen wir Ihren Vertrag zum Ende des Monats, sofern der "
        "Betrag bis dahin nicht eingegangen ist.",
    ],
}

# Empathetic replies 2 and 3 per scenario: questions a trainee would ask that contain one
# of the scenario's hidden-fact phrases verbatim (quoted in the comment), so the fact is
# earned in code whatever the judge.
EMPATHETIC_QUESTIONS = {
    "frozen-account-en": [
        # rent-due-tomorrow: "any payments due"
        "That must be really frightening with your salary stuck. Can you tell me what it's affecting for you "
        "right now, and are there any payments due in the next few days?",
        # transfer-to-sister: "sent any money"
        "Thank you for telling me, that makes sense. A freeze like this usually follows a security check on a "
        "recent payment, not anything you did wrong. Have you sent any money to someone new lately?",
    ],
    "phone-anxiety-en": [
        # telecare-alarm: "use the phone line for", "what matters most"
        "That sounds like a lot to deal with on top of a move. Can I ask what you use the phone line for, so I "
        "know what matters most to you?",
        # app-locked-out: "what have you tried", "tried so far"
        "Thank you for telling me, that makes perfect sense, and none of this is your fault. What have you "
        "tried so far with the app?",
    ],
    "zahlungsschwierigkeiten-de": [
        # zwei-kinder: "in Ihrem Haushalt"
        "Das klingt wirklich belastend. Darf ich fragen, wer in Ihrem Haushalt lebt und was eine Sperre "
        "gerade für Sie bedeuten würde?",
        # arbeitslosengeld: "welcher Betrag"
        "Danke, dass Sie mir das sagen, das ist nicht Ihre Schuld. Wir finden gemeinsam eine Lösung: Welcher "
        "Betrag wäre für Sie im Monat machbar?",
    ],
    "lieferung-dreimal-de": [
        # urlaubstage: "mit Ihrer Arbeit", "frei nehmen"
        "Drei geplatzte Termine, das ist wirklich ärgerlich. Darf ich fragen, wie Sie das mit Ihrer Arbeit "
        "organisiert haben? Mussten Sie sich jedes Mal frei nehmen?",
        # klingel-video: "ich glaube Ihnen"
        "Danke, dass Sie mir das sagen, ich glaube Ihnen. Was genau ist beim letzten Termin an der Tür passiert?",
    ],
}

GOALS = {
    "repetition_share_max": 0.03,
    "responsiveness_share_min": 0.80,
    "fact_told_next_share_min": 0.95,
    "anger_rise_share_min": 0.95,
    "anger_fall_share_min": 0.90,
    "out_of_character_share_max": 0.01,
    "wrong_language_share_max": 0.0,
    "authored_median_first_token_ms_max": 50,
}

# Words too common to show that a message takes up the question (only words of 4+ letters matter).
STOPWORDS = {
    "en": set("""about after again also been before being both could does doing done down each even ever
        from have here into just know like make many more most much must need only other over please
        really right said same should some still such sure tell than thank thanks that that's their them
        then there these they this those very want were what what's when where which while will with
        would your you're yours yourself okay it's don't can't i'm i've i'll""".split()),
    "de": set("""aber alle alles auch bitte dann darf dass dein denn dies diese diesem diesen dieser dieses
        doch eine einem einen einer eines etwas euch frage fragen gerade gerne haben habe hast hier ihnen
        ihre ihrem ihren ihrer ihres immer jetzt kann können könnte könnten mehr mein meine meinem meinen
        meiner möchte nicht nichts noch oder sagen schon sehr sein seine sich sind soll sollen sollte über
        unser unsere viel wann warum was weil welche welcher welches wenn werden wird wieder wurde würde
        würden wäre danke einfach ganz genau""".split()),
}
ANSWER_MARKERS = {
    "en": re.compile(r"\b(?:yes|yeah|yep|no|nope|not sure|i don'?t know|dunno|because)\b|\d", re.I),
    "de": re.compile(r"\b(?:ja|nein|weiß nicht|weiss nicht|weil|keine ahnung)\b|\d", re.I),
}


class NeverAbandon:
    """mood.outcome without "abandoned" (counted per session id instead)."""

    def __init__(self):
        self.original = moods.outcome
        self.sessions: set[str] = set()
        self.current: str | None = None

    def __call__(self, *args, **kwargs):
        result = self.original(*args, **kwargs)
        if result == "abandoned":
            self.sessions.add(self.current)
            return None
        return result


NEVER_ABANDON = NeverAbandon()


# -- the scripts -----------------------------------------------------------------------


def scripts_for(scenario) -> dict[str, list[str]]:
    language = scenario.language
    empathetic = list(SCRIPTS[language]["empathetic"])
    questions = EMPATHETIC_QUESTIONS.get(scenario.id)
    if questions:
        empathetic[1], empathetic[2] = questions
    return {**{k: list(v) for k, v in SCRIPTS[language].items()}, "empathetic": empathetic,
            "threatening": list(THREATENING[language])}


def check_scripts(library, ids: list[str]) -> dict:
    """How plan.read_move reads each threatening reply (all should be "threatened"), and
    which facts each empathetic reply earns by phrase."""
    from simulator.roleplay.facts import earned_by_phrase

    not_threatened, earned = [], {}
    for sid in ids:
        scenario = library.scenario(sid)
        for reply in THREATENING[scenario.language]:
            move, why = read_move(scenario, reply)
            if move != "threatened":
                not_threatened.append({"scenario": sid, "reply": reply, "read_as": move, "why": why})
        earned[sid] = [earned_by_phrase(scenario.hidden_facts, r) for r in scripts_for(scenario)["empathetic"]]
    return {"threatening_not_read_as_threatened": not_threatened, "empathetic_earns_by_phrase": earned,
            "no_fact_questions_for": [s for s in ids if s not in EMPATHETIC_QUESTIONS]}


# -- checks on one message ---------------------------------------------------------------


def content_words(text: str, language: str) -> set[str]:
    words = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", text.casefold())
    return {w for w in words if len(w) >= 4 and w not in STOPWORDS[language]}


def only_questions(text: str) -> bool:
    sentences = split_sentences(text)
    return bool(sentences) and all(s.rstrip("\"'»“”’)] !").endswith("?") for s in sentences)


def answers(questions: list[str], text: str, told: list[str], language: str) -> str | None:
    """Why the message answers the question (None: it does not)."""
    if not text.strip() or only_questions(text):
        return None
    if told:
        return "tells_fact"
    shared = content_words(" ".join(questions), language) & content_words(text, language)
    if shared:
        return f"shares: {sorted(shared)[0]}"
    marker = ANSWER_MARKERS[language].search(text)
    if marker:
        return f"marker: {marker.group(0)}"
    return None


class WordList:
    """The German word list, compared lower-cased."""

    def __init__(self, path: Path):
        self.path = path
        self.words: set[str] | None = None
        if path.exists():
            with path.open(encoding="utf-8", errors="replace") as handle:
                self.words = {line.strip().lower() for line in handle if line.strip()}

    def unknown(self, text: str, names: set[str]) -> list[str]:
        out = []
        for token in re.findall(r"[\w'’‘-]+", text):
            if any(ch.isdigit() for ch in token):
                continue
            for part in re.split(r"['’‘_-]+", token):
                if len(part) < 3 or part.lower() in names:
                    continue
                if part.lower() not in self.words:
                    out.append(part)
        return out


def persona_names(scenario) -> set[str]:
    return set(re.findall(r"[^\W\d_]+", scenario.persona.name.lower()))


# -- one conversation ----------------------------------------------------------------------


def play(services: Services, scenario_id: str, mode: str, script: str, turns: int, wordlist: WordList) -> dict:
    session = TrainingSession.start(services, scenario_id, trainee=f"bench-{mode}-{script}")
    NEVER_ABANDON.current = session.id
    scenario = session.scenario
    language = scenario.language
    said = [scenario.opening.strip()]  # the customer's messages so far, opening included
    names = persona_names(scenario)
    facts = {f.id: f for f in scenario.hidden_facts}
    owed_late: list[str] = []  # facts the model check found after the previous message
    messages = []
    for reply in scripts_for(scenario)[script][:turns]:
        anger_before = session.mood().anger
        submitted = time.perf_counter()
        pending = session.submit(reply)
        pending.customer  # noqa: B018 - builds the plan and runs the fact check before the message
        earned_now = list(pending.fact_check.earned)
        for _ in pending.stream_customer():
            pass
        answered_in = pending.mood_before_verdict
        result = pending.result()
        message = result.customer
        text = message.text or ""
        late = [f for f in pending.fact_check.earned if f not in earned_now]
        owed = [*owed_late, *earned_now]
        told = [f for f in owed if facts[f].reveal_words and revealed(facts[f], text)
                or not facts[f].reveal_words and text]
        owed_late = late
        questions = asking_sentences(reply)
        told_by_reply = [f for f in earned_now if f in told]
        earned_total = {f for t in session.turns() for f in t.facts_earned}
        unknown = wordlist.unknown(text, names) if language == "de" and wordlist.words is not None else []
        messages.append({
            "reply": reply,
            "move": pending.move,
            "beat": pending.plan.beat if pending.plan else None,
            "plan_tell": list(pending.plan.tell) if pending.plan else [],
            "text": text,
            "status": message.status,
            "source": message.source,
            # From the submitted reply to the first text (the plan and the fact check included).
            "first_token_ms": None if message.first_token_at is None
            else round((message.first_token_at - submitted) * 1000, 3),
            "guards": [e["kind"] for e in message.guard_events],
            "repeated": repeated_sentence(text, said) if text else None,
            "asks": bool(questions),
            "answered": answers(questions, text, told_by_reply, language) if questions else None,
            "owed_facts": owed,
            "told_facts": told,
            "anger_before": anger_before,
            "anger_answered": answered_in.anger,
            "anger_settled": result.mood.anger,
            "problems": audit(scenario, text, earned_total, reply),
            "wrong_language": (lambda lang: lang is not None and lang != language)(guards.language_of(text)),
            "unknown_words": unknown,
        })
        if text:
            said.append(text)
        if result.outcome:
            break
    return {"mode": mode, "scenario": scenario_id, "language": language, "script": script,
            "would_have_abandoned": session.id in NEVER_ABANDON.sessions, "outcome": session.record.outcome,
            "messages": messages}


# -- the summary -----------------------------------------------------------------------------


def _marked_again(text: str) -> bool:
    return any(marker.strip() in text for marker in AGAIN.values())


def share(count: int, total: int) -> float | None:
    return round(count / total, 3) if total else None


def median_ms(values: list[float | None]) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


def anger_moves(messages: list[dict], scripts: tuple[str, ...], key: str, rise: bool) -> dict:
    mine = [m for m in messages if m["script"] in scripts]
    moved = [m for m in mine if (m[key] > m["anger_before"] if rise else m[key] < m["anger_before"])]
    limit = 10 if rise else 0
    free = [m for m in mine if m["anger_before"] != limit]
    return {"n": len(mine), "share": share(len(moved), len(mine)),
            "at_ceiling" if rise else "at_floor": len(mine) - len(free),
            "share_below_ceiling" if rise else "share_above_floor": share(len([m for m in moved if m in free]),
                                                                             len(free))}


def measures(convs: list[dict], wordlist: WordList) -> dict:
    messages = [{**m, "script": c["script"], "language": c["language"]} for c in convs for m in c["messages"]]
    n = len(messages)
    asked = [m for m in messages if m["asks"]]
    owed = sum(len(m["owed_facts"]) for m in messages)
    told = sum(len(m["told_facts"]) for m in messages)
    rise = anger_moves(messages, ("threatening", "dismissive"), "anger_answered", True)
    fall = anger_moves(messages, ("empathetic",), "anger_answered", False)
    sources = Counter(m["source"] for m in messages)
    out = {
        "conversations": len(convs),
        "would_have_abandoned": sum(c["would_have_abandoned"] for c in convs),
        "customer_messages": n,
        "repetition_share": share(sum(bool(m["repeated"]) for m in messages), n),
        "repetition_share_unmarked": share(sum(bool(m["repeated"]) and not _marked_again(m["text"])
                                               for m in messages), n),
        "asking_replies": len(asked),
        "responsiveness_share": share(sum(bool(m["answered"]) for m in asked), len(asked)),
        "facts_earned": owed,
        "fact_told_next_share": share(told, owed),
        "anger_rise_share": rise["share"],
        "anger_rise_share_below_ceiling": rise["share_below_ceiling"],
        "anger_fall_share": fall["share"],
        "anger_fall_share_above_floor": fall["share_above_floor"],
        "anger_by_script": {
            "threatening_rise": anger_moves(messages, ("threatening",), "anger_answered", True),
            "dismissive_rise": anger_moves(messages, ("dismissive",), "anger_answered", True),
            "empathetic_fall": fall,
            "scripted_rise": anger_moves(messages, ("scripted",), "anger_answered", True),
        },
        "settled_anger_rise_share": anger_moves(messages, ("threatening", "dismissive"), "anger_settled", True)["share"],
        "settled_anger_fall_share": anger_moves(messages, ("empathetic",), "anger_settled", False)["share"],
        "out_of_character_share": share(sum(bool(m["problems"]) for m in messages), n),
        "out_of_character_kinds": dict(Counter(p for m in messages for p in m["problems"]).most_common()),
        "wrong_language_share": share(sum(m["wrong_language"] for m in messages), n),
        "fluency": fluency(messages, wordlist),
        "median_first_token_ms": median_ms([m["first_token_ms"] for m in messages]),
        "median_first_token_ms_by_source": {s: median_ms([m["first_token_ms"] for m in messages if m["source"] == s])
                                            for s in sorted(sources)},
        "source_share": {s: share(k, n) for s, k in sorted(sources.items())},
        "status_counts": dict(Counter(m["status"] for m in messages)),
        "guarded_share": share(sum(bool(m["guards"]) for m in messages), n),
        "guard_kinds": dict(Counter(g for m in messages for g in m["guards"]).most_common()),
        "beats": dict(Counter(m["beat"] for m in messages).most_common()),
    }
    return out


def fluency(messages: list[dict], wordlist: WordList) -> dict | None:
    if wordlist.words is None:
        return None
    german = [m for m in messages if m["language"] == "de"]
    if not german:
        return None
    by_source = {}
    for source in sorted({m["source"] for m in german}):
        mine = [m for m in german if m["source"] == source]
        by_source[source] = {"n": len(mine), "flagged_share": share(sum(bool(m["unknown_words"]) for m in mine), len(mine))}
    return {
        "de_messages": len(german),
        "de_flagged_share": share(sum(bool(m["unknown_words"]) for m in german), len(german)),
        "by_source": by_source,
        "top_unknown": [w for w, _ in Counter(w.lower() for m in german for w in m["unknown_words"]).most_common(10)],
    }


def fluency_reference(library, ids: list[str], wordlist: WordList) -> dict | None:
    """The word-list check over every authored line of the run's German scenarios."""
    if wordlist.words is None:
        return None
    lines, unknown = 0, Counter()
    flagged = 0
    for sid in ids:
        scenario = library.scenario(sid)
        if scenario.language != "de":
            continue
        names = persona_names(scenario)
        authored = [line for beat in ("threatened", "unheard", "heard", "pressing", "relieved")
                    for line in getattr(scenario.lines, beat)]
        authored += [line for fact in scenario.hidden_facts for line in fact.tell]
        for line in authored:
            words = wordlist.unknown(line, names)
            lines += 1
            flagged += bool(words)
            unknown.update(w.lower() for w in words)
    return {"authored_lines": lines, "authored_lines_flagged_share": share(flagged, lines),
            "top_unknown": [w for w, _ in unknown.most_common(10)]}


def goals_met(summary: dict, mode: str) -> dict:
    def check(value, limit, at_most: bool):
        return None if value is None else (value <= limit if at_most else value >= limit)

    met = {
        "repetition": check(summary["repetition_share"], GOALS["repetition_share_max"], True),
        "responsiveness": check(summary["responsiveness_share"], GOALS["responsiveness_share_min"], False),
        "fact_told_next": check(summary["fact_told_next_share"], GOALS["fact_told_next_share_min"], False),
        "anger_rise": check(summary["anger_rise_share"], GOALS["anger_rise_share_min"], False),
        "anger_fall": check(summary["anger_fall_share"], GOALS["anger_fall_share_min"], False),
        "out_of_character": check(summary["out_of_character_share"], GOALS["out_of_character_share_max"], True),
        "wrong_language": check(summary["wrong_language_share"], GOALS["wrong_language_share_max"], True),
    }
    if mode == "authored":
        met["authored_speed"] = check(summary["median_first_token_ms"], GOALS["authored_median_first_token_ms_max"],
                                      True)
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--scenarios", default=DEFAULT_SCENARIOS)
    parser.add_argument("--turns", type=int, default=4)
    parser.add_argument("--scripts", default=DEFAULT_SCRIPTS)
    parser.add_argument("--customer", default=None, help="model spec (default: the configured customer model)")
    parser.add_argument("--judge", default="scripted",
                        help="model spec (default scripted: the judge is not measured here; embedded takes ~1 h)")
    parser.add_argument("--wordlist", default=str(WORDLIST), help="German word list for the fluency check")
    args = parser.parse_args()

    started = time.perf_counter()
    moods.outcome = NEVER_ABANDON  # simulator/session/steps.py calls moods.outcome: see the module docstring
    modes = [m for m in args.modes.split(",") if m]
    unknown_modes = [m for m in modes if m not in MODES]
    if unknown_modes:
        sys.exit(f"Unknown mode(s) {unknown_modes}; use {', '.join(MODES)}.")
    ids = [s for s in args.scenarios.split(",") if s]
    scripts = [s for s in args.scripts.split(",") if s]
    library = endless_library(ids, args.turns, mood_drift=None, spare_turn=True)
    wordlist = WordList(Path(args.wordlist))
    notes = []
    if wordlist.words is None:
        notes.append(f"fluency not measured: {args.wordlist} is missing (apt-get install wngerman)")
    checked = check_scripts(library, ids)
    for problem in checked["threatening_not_read_as_threatened"]:
        notes.append(f"threatening reply read as {problem['read_as']} in {problem['scenario']}: {problem['reply']!r}")
    print(json.dumps({"script_check": checked}, ensure_ascii=False), flush=True)

    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(db=str(Path(tmp) / "bench.db"), customer_model=args.customer,
                                 judge_model=args.judge, customer_mode=modes[0] if modes else None)
        services = Services.from_settings(settings, library)
        # The mood moves on the levels; the written tip costs time and changes nothing here.
        services.judge = dataclasses.replace(services.judge, feedback=False)
        customer_spec, judge_spec = services.customer_model.spec, services.judge.model.spec
        scenario_modes = {sid: library.scenario(sid).customer_mode for sid in ids}
        for sid, own in scenario_modes.items():
            if own:
                notes.append(f"{sid} sets customer_mode {own}: it overrides --modes for that scenario")
        for mode in modes:
            services.customer_mode = mode
            mode_started = time.perf_counter()
            convs = []
            for scenario_id in ids:
                for script in scripts:
                    conv = play(services, scenario_id, mode, script, args.turns, wordlist)
                    print(json.dumps(conv, ensure_ascii=False), flush=True)
                    convs.append(conv)
            summary = measures(convs, wordlist)
            summary["by_language"] = {
                lang: measures([c for c in convs if c["language"] == lang], wordlist)
                for lang in sorted({c["language"] for c in convs})
            }
            summary["goals_met"] = goals_met(summary, mode)
            summary["seconds"] = round(time.perf_counter() - mode_started, 1)
            results[mode] = summary
    print(json.dumps({
        "customer": customer_spec,
        "judge": judge_spec,
        "scenarios": ids,
        "turns": args.turns,
        "scripts": scripts,
        "modes": results,
        "fluency_reference": fluency_reference(library, ids, wordlist),
        "goals": GOALS,
        "threatening_not_read_as_threatened": checked["threatening_not_read_as_threatened"],
        "notes": notes,
        "seconds": round(time.perf_counter() - started, 1),
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
