"""Time from a trainee's reply to the customer's first streamed token and to the verdict.

    python bench/turn_latency.py [--turns 12] [--repeats 1] [--think-s 0] [--pick-s 0] [--customer embedded] [--judge embedded] [--db PATH]

Plays a fixed script of trainee replies on two scenarios (English and German) through the
real session code (SQLite file in a temp folder) and prints one line per turn, then one
JSON object with the medians on its last line. End conditions are switched off so every
run has the same number of turns.

Per turn: `first_token_s`, from submit to the model's first token of the customer's
message; `first_shown_s`, to the first text the page shows (the guard hold-back keeps
the first few words until they are checked); `customer_s`, to the message's end;
`levels_s`, to the verdict's levels (shown on the page); `verdict_s`, to the whole
verdict with its written feedback. `--think-s 0` waits for each verdict before the next
reply; `--think-s N` sends the next reply N seconds after the customer's message ended,
as a trainee who reads and types does, with the grading still running in the background.
`--pick-s N`: the trainee looks at the scenario on the picker page for N seconds before
pressing Start; the app has a local judge read the scenario's rubric meanwhile
(`Services.warm_judge_for`, as the page does). 0: Start at once, the judge's first reading
of the rubric falls into the session.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator.config import load_settings  # noqa: E402
from bench.library import endless_library  # noqa: E402
from simulator.session import Services, TrainingSession  # noqa: E402

SCRIPTS = {
    "en": [
        "Hello, I can see your account is frozen. I'm sorry, that must have been awful at the till.",
        "Can you tell me when you first noticed the card was declined?",
        "I understand. Being without your salary right before the weekend is really stressful.",
        "The freeze came from an automatic fraud check on a transfer. I will look at it now.",
        "Was the transfer to someone you know?",
        "Thank you. That helps me a lot. I'm raising it with our fraud team right now.",
        "I'll call you back by 4 pm today with an update, is this number best?",
        "Is there anything urgent, like a bill, that is due in the next days?",
        "Okay. I can also ask for an emergency payment so you can buy food today.",
        "You shouldn't have been cut off twice. I'm sorry, that is on us.",
        "I've noted everything in your file so you don't have to repeat it.",
        "Is there anything else worrying you about this?",
    ],
    "de": [
        "Guten Tag, danke, dass Sie sich melden. Ich höre, dass Ihnen das gerade sehr schwerfällt.",
        "Darf ich fragen, was sich bei Ihnen in letzter Zeit verändert hat?",
        "Das tut mir leid. Eine Kündigung ist eine große Belastung.",
        "Wir können die Rate erst einmal pausieren, damit Sie Luft haben.",
        "Wie viel könnten Sie im Moment monatlich zahlen, ganz ohne Druck?",
        "Das ist in Ordnung. Wir finden eine Lösung, die zu Ihrer Lage passt.",
        "Möchten Sie lieber per E-Mail oder per Brief von uns hören statt am Telefon?",
        "Es gibt auch kostenlose Schuldnerberatung, ich kann Ihnen die Nummer schicken.",
        "Ich schicke Ihnen bis morgen Mittag eine Zusammenfassung per E-Mail.",
        "Gibt es noch etwas, das Ihnen gerade Sorgen macht?",
        "Sie haben nichts falsch gemacht, indem Sie sich jetzt melden.",
        "Ich habe alles notiert, Sie müssen nichts noch einmal erklären.",
    ],
}


def run_session(services: Services, scenario_id: str, turns: int, think: float = 0.0, pick: float = 0.0) -> list[dict]:
    scenario = services.library.scenario(scenario_id)
    if pick:
        services.warm_judge_for(scenario)  # what the picker page does while the card is read
        time.sleep(pick)
    session = TrainingSession.start(services, scenario_id, trainee="bench")
    time.sleep(think)  # the trainee reads the opening (a local model reads it into its cache)
    rows, watchers = [], []
    for index, reply in enumerate(SCRIPTS[scenario.language][:turns], start=1):
        started = time.perf_counter()
        pending = session.submit(reply)
        shown = None
        for delta in pending.stream_customer():
            if shown is None and delta.strip():
                shown = time.perf_counter() - started
        customer_done = time.perf_counter() - started
        message = pending.customer.message
        first = message.first_token_at - started if message.first_token_at else customer_done
        row = {
            "scenario": scenario_id, "turn": index, "first_token_s": round(first, 3),
            "first_shown_s": round(shown or customer_done, 3), "customer_s": round(customer_done, 3),
            "customer_status": message.status, "customer_source": message.source,
            "guard_events": len(message.guard_events),
            "prompt_tokens": message.prompt_tokens,
        }
        rows.append(row)
        watcher = threading.Thread(target=wait_for_verdict, args=(row, pending, started))
        watcher.start()
        watchers.append(watcher)
        if think:
            time.sleep(think)  # the next reply goes while the grading may still run
        else:
            watcher.join()
    for watcher in watchers:
        watcher.join()
    for row in rows:
        print(json.dumps(row, ensure_ascii=False), flush=True)
    return rows


def wait_for_verdict(row: dict, pending, started: float) -> None:
    # The levels stand (the page shows them, the mood moves) before the feedback is written.
    pending.settled()
    row["levels_s"] = round(time.perf_counter() - started, 3)
    result = pending.result()
    row["verdict_s"] = round(time.perf_counter() - started, 3)
    row["verdict"] = result.verdict.status


def median(values):
    return round(statistics.median(values), 3) if values else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--scenarios", default="frozen-account-en,zahlungsschwierigkeiten-de")
    parser.add_argument("--customer", default="embedded")
    parser.add_argument("--judge", default="embedded")
    parser.add_argument("--think-s", type=float, default=0.0,
                        help="Seconds a trainee reads and types before the next reply (0: wait for each verdict).")
    parser.add_argument("--pick-s", type=float, default=0.0,
                        help="Seconds a trainee looks at the scenario before Start (the judge reads its rubric).")
    parser.add_argument("--db", help="Keep the results in this SQLite file (its llm_calls table has every call).")
    args = parser.parse_args()

    ids = args.scenarios.split(",")
    library = endless_library(ids, args.turns)
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or str(Path(tmp) / "bench.db")
        settings = load_settings(db=db, customer_model=args.customer, judge_model=args.judge)
        services = Services.from_settings(settings, library)
        rows = [r for _ in range(args.repeats) for i in ids
                for r in run_session(services, i, args.turns, args.think_s, args.pick_s)]

    def at(turn, key):
        return median([r[key] for r in rows if r["turn"] == turn])

    first_1, first_last = at(1, "first_token_s"), at(args.turns, "first_token_s")
    print(json.dumps({
        "customer": args.customer, "judge": args.judge, "turns_measured": len(rows), "think_s": args.think_s,
        "pick_s": args.pick_s,
        "median_first_token_s": median([r["first_token_s"] for r in rows]),
        # authored lines (customer modes authored/hybrid) are instant; the model's own messages apart
        "median_first_token_s_by_source": {
            source: median([r["first_token_s"] for r in rows if r["customer_source"] == source])
            for source in sorted({r["customer_source"] for r in rows})},
        "median_first_shown_s": median([r["first_shown_s"] for r in rows]),
        "median_customer_s": median([r["customer_s"] for r in rows]),
        "median_levels_s": median([r["levels_s"] for r in rows]),
        "median_verdict_s": median([r["verdict_s"] for r in rows]),
        "first_token_turn1_s": first_1, f"first_token_turn{args.turns}_s": first_last,
        "first_token_growth": round(first_last / first_1, 2) if first_1 and first_last else None,
        "unscored_share": round(sum(r["verdict"] == "unscored" for r in rows) / len(rows), 3),
        "fallback_share": round(sum(r["customer_status"] == "fallback" for r in rows) / len(rows), 3),
        "guard_event_share": round(sum(r["guard_events"] > 0 for r in rows) / len(rows), 3),
    }))


if __name__ == "__main__":
    main()
