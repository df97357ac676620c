"""One embedded model shared by several sessions: one request at a time (a lock) or
several at once in llama.cpp's slots (a pool). Which serves a group of trainees better?

    python bench/sharing.py [--sessions 3] [--rounds 2]

For each way of sharing, starts the embedded server (the app's own `server_params`) in a
child process and has `--sessions` threads each send `--rounds` customer requests at once
(real customer prompts from two scenarios, each with a different conversation). `lock`
is one slot (llama.cpp serves one request at a time; the others queue); `pool` is the
app's setting (`simulator.llm.embedded.SLOTS` slots, requests decoded together).
Prints one line per way, then one JSON object on its last line with, per way, the
median time to the first token, the median time to the whole answer and the wall time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.turn_latency import SCRIPTS  # noqa: E402


def child(slots: int, sessions: int, rounds: int) -> dict:
    import xllamacpp
    from openai import OpenAI

    from simulator.content.library import default_content_dirs, load_library
    from simulator.llm.embedded import SLOTS, server_params
    from simulator.llm.model_file import ensure_model_file
    from simulator.roleplay.customer import customer_request
    from simulator.roleplay.mood import MoodState

    params = server_params(xllamacpp, ensure_model_file(), api_key="bench", slots=slots or SLOTS)
    server = xllamacpp.Server(params)
    client = OpenAI(base_url=server.listening_address.rstrip("/") + "/v1", api_key="bench", max_retries=0)
    library, _ = load_library(*default_content_dirs())
    scenarios = [library.scenario("frozen-account-en"), library.scenario("zahlungsschwierigkeiten-de")]
    results, lock = [], threading.Lock()

    def one(n: int, r: int) -> None:
        scenario = scenarios[n % 2]
        replies = SCRIPTS[scenario.language]
        transcript = [("customer", scenario.opening.strip()), ("agent", replies[(n + r) % len(replies)])]
        mood = MoodState.from_scenario(scenario.persona.initial_mood)
        request = customer_request(scenario, transcript, mood)
        started, first = time.perf_counter(), None
        stream = client.chat.completions.create(
            model="m", messages=[m.model_dump() for m in request.messages], max_tokens=60,
            temperature=0.8, stream=True)
        for chunk in stream:
            if first is None and chunk.choices and chunk.choices[0].delta.content:
                first = time.perf_counter() - started
        with lock:
            results.append({"first_s": first, "total_s": time.perf_counter() - started})

    began = time.perf_counter()
    for r in range(rounds):
        threads = [threading.Thread(target=one, args=(n, r)) for n in range(sessions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    wall = time.perf_counter() - began
    return {
        "slots": slots or SLOTS, "requests": len(results),
        "median_first_token_s": round(statistics.median(r["first_s"] for r in results if r["first_s"]), 2),
        "median_answer_s": round(statistics.median(r["total_s"] for r in results), 2),
        "wall_s": round(wall, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--child-slots", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_slots is not None:
        print(json.dumps(child(args.child_slots, args.sessions, args.rounds)))
        return
    figures = {}
    for way, slots in (("lock", 1), ("pool", 0)):
        out = subprocess.run([sys.executable, __file__, "--sessions", str(args.sessions), "--rounds",
                              str(args.rounds), "--child-slots", str(slots)],
                             capture_output=True, text=True, check=True)
        figures[way] = json.loads(out.stdout.strip().splitlines()[-1])
        print(json.dumps({"way": way, **figures[way]}), flush=True)
    print(json.dumps({"sessions": args.sessions, **figures}))


if __name__ == "__main__":
    main()
