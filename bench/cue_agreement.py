"""Agreement of the code's own reading with EPITOME's human labels, with no model at all.

    python bench/cue_agreement.py [--epitome ../shared/eval/epitome_dev.csv] [--n 120]

The judge decides much of emotional reaction, interpretation and exploration in code
(simulator/judge/cues.py and questions.py: what a reply does towards the person); the
model's expected level and the fitted thresholds decide the rest. `judge_agreement.py`
measures the whole judge on a stratified sample of `--n` replies, which is all two cores
can grade in ten minutes. This bench reads every reply of the file in seconds with the
code alone, so it shows whether the rules carry beyond that sample: it reports the
sample (the same seed and `--n`), the replies outside it, and the whole file.

The code's reading is mapped to levels as the rubric's anchors read:
- exploration: nothing asked or process data only 0; generic questions, or questions that
  ask the customer nothing, 1; a question specific to their situation 2;
- interpretation: no sign of understanding 0; a bare claim or a restatement in their
  words 1; a reflecting frame or an experience of one's own 2;
- emotional reaction: no reaction to them 0; an allusion or stock compassion 1;
  compassion or a named feeling of theirs 2.

Prints per-criterion lines, then one JSON object on its last line. The file is read from
the shared eval folder, never copied into the repository, and nothing is fitted on it.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from judge_agreement import DEFAULT_EPITOME, EPITOME_MAP, HUMAN_HUMAN, epitome_items  # noqa: E402

from simulator.judge import cues, questions  # noqa: E402
from simulator.judge.agreement import agreement  # noqa: E402

LEVELS = [0, 1, 2]


def code_levels(reply: str, context: str) -> dict[str, int]:
    """The level each criterion gets from the code's reading alone."""
    explored = questions.exploring(reply, context)
    understood = cues.understanding(reply, context)
    reacted = cues.reaction(reply)
    return {
        "exploration": 0 if explored == 0 else 1 if explored < 0.75 else 2,
        "interpretation": 0 if understood == 0 else 1 if understood < 1.0 else 2,
        "emotional_reaction": 0 if reacted == 0 else 1 if reacted < 1.0 else 2,
    }


def measure(rows: list[dict]) -> dict:
    read = [code_levels(row["reply"], row["context"]) for row in rows]
    result = {}
    for label, cid in EPITOME_MAP.items():
        found = agreement([int(row[label]) for row in rows], [levels[cid] for levels in read], LEVELS)
        result[cid] = {"n": len(rows), "kappa": found.kappa, "exact": found.exact, "confusion": found.confusion,
                       "human_human_kappa": HUMAN_HUMAN[cid]}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epitome", type=Path, default=DEFAULT_EPITOME)
    parser.add_argument("--n", type=int, default=120, help="the sample judge_agreement.py grades")
    args = parser.parse_args()
    with args.epitome.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    sampled = {item.id for item in epitome_items(args.epitome, args.n)}
    parts = {
        "sample": [row for row in rows if row["id"] in sampled],
        "outside_sample": [row for row in rows if row["id"] not in sampled],
        "whole_file": rows,
    }
    figures = {name: measure(part) for name, part in parts.items()}
    for name, result in figures.items():
        print(f"{name} ({len(parts[name])} replies)")
        for cid, found in result.items():
            print(f"  {cid:<20} kappa {found['kappa']}  exact {found['exact']}  confusion {found['confusion']}")
    print(json.dumps({"reader": "code only, no model", **figures}))


if __name__ == "__main__":
    main()
