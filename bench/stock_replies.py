"""The issue's scripted reply against a specific, warm one, in both languages.

    python bench/stock_replies.py [--judge embedded] [--db PATH]

Grades four replies to one customer message on `empathy-core` with the stored fits and
prints, per reply, its score, authenticity and emotional-reaction levels and the stock
sentences the verdict names. Goal (issue 15): the stock replies score at most 40/100 with
authenticity 0; the warm replies at least 75. One JSON object on the last line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator.config import load_settings  # noqa: E402
from simulator.content.library import default_content_dirs, load_library  # noqa: E402
from simulator.judge.grader import Judge  # noqa: E402
from simulator.llm.registry import get_model  # noqa: E402
from simulator.store.fits import StoredFits  # noqa: E402
from simulator.store.repository import Store  # noqa: E402

CUSTOMER = {
    "en": "My account has been frozen for a week, my rent is due on Friday and nobody tells me anything!",
    "de": "Mein Konto ist seit einer Woche gesperrt, am Freitag ist die Miete fällig und niemand sagt mir etwas!",
}
REPLIES = [
    ("stock-en", "en", "stock",
     "We apologise for any inconvenience caused. I understand your frustration. Please be assured that your "
     "account is being reviewed in line with our procedures and we will be in touch in due course."),
    ("stock-de", "de", "stock",
     "Wir entschuldigen uns für etwaige Unannehmlichkeiten. Ich verstehe Ihren Ärger. Seien Sie versichert, "
     "dass Ihr Konto gemäß unseren Richtlinien geprüft wird und wir uns zeitnah bei Ihnen melden."),
    ("warm-en", "en", "warm",
     "A week without access to your own money, with the rent due on Friday, is really worrying, and being "
     "left without any news makes it worse. I'm sorry. I'll find out today why the account is frozen and "
     "call you back by 4 pm. Is the rent the most urgent payment, or is there anything else due before Friday?"),
    ("warm-de", "de", "warm",
     "Eine Woche nicht an Ihr eigenes Geld zu kommen, während am Freitag die Miete fällig ist, ist wirklich "
     "beunruhigend, und dass Ihnen niemand Bescheid gibt, macht es schlimmer. Das tut mir leid. Ich kläre "
     "heute, warum das Konto gesperrt ist, und rufe Sie bis 16 Uhr an. Ist die Miete das Dringendste, oder "
     "steht vor Freitag noch etwas anderes an?"),
]
STOCK_MAX, WARM_MIN = 40, 75


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--judge", default=None)
    parser.add_argument("--db", default=None, help="database with the stored fits (default: the configured one)")
    args = parser.parse_args()
    settings = load_settings(judge_model=args.judge)
    judge = Judge(get_model(settings.judge_model), fits=StoredFits(Store(args.db or settings.db)))
    rubric = load_library(*default_content_dirs())[0].rubric("empathy-core")
    rows = []
    for reply_id, language, kind, reply in REPLIES:
        verdict = judge.grade(rubric, reply, CUSTOMER[language], language=language, feedback=False)
        levels = {cid: c.level for cid, c in verdict.criteria.items()}
        met = (verdict.score is not None and (verdict.score <= STOCK_MAX and levels.get("authenticity") == 0
                                              if kind == "stock" else verdict.score >= WARM_MIN))
        rows.append({"id": reply_id, "score": verdict.score, "levels": levels, "stock": verdict.stock,
                     "method": verdict.method, "goal_met": met})
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    print(json.dumps({"judge": judge.model.spec, "scores": {r["id"]: r["score"] for r in rows},
                      "goals_met": sum(r["goal_met"] for r in rows), "replies": len(rows)}))


if __name__ == "__main__":
    main()
