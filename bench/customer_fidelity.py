"""Does the customer stay in character, react to how it is treated, and keep its secrets?

    python bench/customer_fidelity.py [--scenarios a,b,c] [--runs 2] [--turns 4]
                                      [--customer embedded] [--judge embedded]

Three fixed trainee scripts per language (dismissive, scripted-sounding, genuinely
empathetic) play against each scenario `--runs` times through the real session code
(customer, fact checks, judge, mood, SQLite in a temp folder). End conditions are
switched off so every script plays the same number of turns. Reported:

* guarded_share: customer messages on which at least one guard fired;
* out_of_character_share: messages that are still out of character as finally shown,
  by an audit that re-runs the guards and adds checks the guards do not use;
* calmer_share: for each (scenario, run), does the customer's anger end lower after
  the empathetic script than after the dismissive one (ties count as not calmer);
* unearned_reveals: messages that contain a hidden fact's reveal words before the
  trainee earned that fact.

Goals (issue 4): out of character <= 2 %, calmer >= 90 %, no unearned reveals.
Prints one line per conversation, then one JSON object on its last line.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator.config import load_settings  # noqa: E402
from bench.library import endless_library  # noqa: E402
from simulator.roleplay import guards  # noqa: E402
from simulator.roleplay.facts import revealed  # noqa: E402
from simulator.roleplay.prompt import MAX_CHARS  # noqa: E402
from simulator.session import Services, TrainingSession  # noqa: E402

SCRIPTS = {
    "en": {
        "dismissive": [
            "Please calm down. There's nothing I can do about that.",
            "That's our policy. You'll have to wait like everyone else.",
            "I can't help you with that, you need to call another department.",
            "Look, it's only a small problem. Is there anything else?",
        ],
        "scripted": [
            "We apologise for any inconvenience caused. Your call is important to us.",
            "I understand your frustration. We apologise for any inconvenience.",
            "Thank you for your patience. Your concern has been noted as per our policy.",
            "We value you as a customer and apologise for any inconvenience caused.",
        ],
        "empathetic": [
            "That sounds really stressful, and I'm sorry this happened to you. I'm going to stay with you until it's sorted.",
            "Can you tell me what this is affecting for you right now, and what is most urgent?",
            "Thank you for telling me. That makes sense, and it's not your fault. Here is what I will do: I'll fix this myself today.",
            "I'll message you by 3 pm today with the result, and you won't need to explain it all again. Does that work for you?",
        ],
    },
    "de": {
        "dismissive": [
            "Beruhigen Sie sich bitte. Da kann ich nichts machen.",
            "Das sind unsere Richtlinien. Da müssen Sie warten wie alle anderen.",
            "Dafür bin ich nicht zuständig, rufen Sie eine andere Abteilung an.",
            "Das ist doch nur eine Kleinigkeit. Kann ich sonst noch etwas tun?",
        ],
        "scripted": [
            "Wir bitten die entstandenen Unannehmlichkeiten zu entschuldigen. Ihr Anliegen ist uns wichtig.",
            "Ich verstehe Ihren Ärger. Wir bitten um Entschuldigung für die Unannehmlichkeiten.",
            "Vielen Dank für Ihre Geduld. Ihr Anliegen wurde gemäß unseren Richtlinien aufgenommen.",
            "Sie sind uns als Kunde wichtig. Wir bitten die Unannehmlichkeiten zu entschuldigen.",
        ],
        "empathetic": [
            "Das klingt wirklich belastend, und es tut mir leid, dass Ihnen das passiert ist. Ich bleibe dran, bis es geklärt ist.",
            "Darf ich fragen, was das gerade für Sie bedeutet und was am dringendsten ist?",
            "Danke, dass Sie mir das sagen. Das ist nicht Ihre Schuld. Ich kümmere mich heute selbst darum.",
            "Ich melde mich bis heute 15 Uhr mit dem Ergebnis, und Sie müssen nichts noch einmal erklären. Passt das für Sie?",
        ],
    },
}
DEFAULT_SCENARIOS = "frozen-account-en,zahlungsschwierigkeiten-de,phone-anxiety-en"

# Checks the guards do not use, so the audit is more than the guards grading themselves:
# stage directions, narration about "the customer", meta talk about the role-play.
AUDIT = [re.compile(p, re.I) for p in [
    r"^\s*[\[(*][^\])*]{2,40}[\])*]",  # (sighs) / *angrily* / [pause]
    r"^\s*(?:the )?customer\s*(?:says|replies|writes)\b", r"^\s*(?:der kunde|die kundin)\s*(?:sagt|schreibt)\b",
    r"\brole-?play\b", r"\brollenspiel\b", r"\bscenario\b", r"\bszenario\b",
]]


def audit(scenario, text: str, earned: set[str], agent_said: str) -> list[str]:
    """Why the message as shown is out of character ([] if it is not)."""
    problems = []
    hit = guards.first_hit(text)
    if hit:
        problems.append(hit.kind)
    language = guards.language_of(text)
    if language and language != scenario.language:
        problems.append("wrong_language")
    if guards.echo_of(text, agent_said):
        problems.append("agent_echo")
    if len(text) > MAX_CHARS[scenario.channel]:
        problems.append("too_long")
    problems += [f"audit:{p.pattern}" for p in AUDIT if p.search(text)]
    return problems


def unearned_reveals(scenario, text: str, earned: set[str]) -> list[str]:
    return [f.id for f in scenario.hidden_facts if f.id not in earned and revealed(f, text)]


def play(services: Services, scenario_id: str, script: str, turns: int) -> dict:
    session = TrainingSession.start(services, scenario_id, trainee=f"bench-{script}")
    scenario = session.scenario
    messages = []
    for reply in SCRIPTS[scenario.language][script][:turns]:
        pending = session.submit(reply)
        for _ in pending.stream_customer():
            pass
        result = pending.result()
        earned = {f for t in session.turns() for f in t.facts_earned}
        text = result.customer.text
        messages.append({
            "text": text,
            "guarded": bool(result.customer.guard_events),
            "fallback": result.customer.status == "fallback",
            "problems": audit(scenario, text, earned, reply),
            "unearned": unearned_reveals(scenario, text, earned),
            "verdict": result.verdict.status,
        })
        if result.outcome:
            break
    mood = session.mood()
    earned = sorted({f for t in session.turns() for f in t.facts_earned})
    return {"scenario": scenario_id, "script": script, "anger": mood.anger, "trust": mood.trust,
            "earned": earned, "messages": messages}


def share(count: int, total: int) -> float | None:
    return round(count / total, 3) if total else None


def summarise(runs: list[dict], pairs: list[tuple[dict, dict]]) -> dict:
    messages = [m for r in runs for m in r["messages"]]
    out = sum(bool(m["problems"]) for m in messages)
    reveals = sum(bool(m["unearned"]) for m in messages)
    calmer = sum(e["anger"] < d["anger"] for e, d in pairs)
    by_script = {}
    for script in ("dismissive", "scripted", "empathetic"):
        mine = [r for r in runs if r["script"] == script]
        if mine:
            by_script[script] = {
                "mean_anger_end": round(sum(r["anger"] for r in mine) / len(mine), 2),
                "mean_trust_end": round(sum(r["trust"] for r in mine) / len(mine), 2),
                "facts_earned_per_run": round(sum(len(r["earned"]) for r in mine) / len(mine), 2),
            }
    return {
        "conversations": len(runs),
        "customer_turns": len(messages),
        "guarded_share": share(sum(m["guarded"] for m in messages), len(messages)),
        "fallback_share": share(sum(m["fallback"] for m in messages), len(messages)),
        "out_of_character_share": share(out, len(messages)),
        "pairs": len(pairs),
        "calmer_share": share(calmer, len(pairs)),
        "unearned_reveals": reveals,
        "unscored_verdicts": sum(m["verdict"] != "scored" for m in messages),
        "by_script": by_script,
        "goal_out_of_character_met": None if not messages else out / len(messages) <= 0.02,
        "goal_calmer_met": None if not pairs else calmer / len(pairs) >= 0.9,
        "goal_no_unearned_reveals_met": None if not messages else reveals == 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", default=DEFAULT_SCENARIOS)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--turns", type=int, default=4)
    parser.add_argument("--scripts", default="dismissive,scripted,empathetic")
    parser.add_argument("--customer", default="embedded")
    parser.add_argument("--judge", default="embedded")
    parser.add_argument("--feedback", action="store_true", help="also write tips (slower; not needed here)")
    args = parser.parse_args()

    ids = args.scenarios.split(",")
    # The scenario's own mood pace: this bench measures how the mood moves.
    library = endless_library(ids, args.turns, mood_drift=None, spare_turn=True)
    scripts = args.scripts.split(",")
    runs, pairs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(db=str(Path(tmp) / "bench.db"), customer_model=args.customer, judge_model=args.judge)
        services = Services.from_settings(settings, library)
        if not args.feedback:
            # The mood moves on the levels; the tip and better reply cost a third of a
            # verdict's time on the embedded model and change nothing measured here.
            services.judge = dataclasses.replace(services.judge, feedback=False)
        for run in range(args.runs):
            for scenario_id in ids:
                played = {}
                for script in scripts:
                    result = play(services, scenario_id, script, args.turns)
                    print(json.dumps({"run": run, **result}, ensure_ascii=False), flush=True)
                    runs.append(result)
                    played[script] = result
                if "empathetic" in played and "dismissive" in played:
                    pairs.append((played["empathetic"], played["dismissive"]))
    print(json.dumps({"customer": args.customer, "judge": args.judge, "runs": args.runs, "turns": args.turns,
                      **summarise(runs, pairs)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
