#!/usr/bin/env python3
"""Build our own labelled phrase sets from the pools, split in two before any rule was written (issue 20).

  dev.json     the half the symptom model's rules were written against
  unseen.json  the half nobody looked at while writing them: only its totals are reported

Pools named devonly_*.txt (written later, to break the rules) all go to the dev half. Each pool line is `LABEL|text`: E an emergency, N not one; a trailing A marks an answer said at a yes/no
question (never at the open question). Every phrase that is not an answer is said once at the open question
and once at a later yes/no question; an answer is said once, at a later question. The split and the places
are drawn with a fixed seed, so running this again writes the same files.
"""
import json
import random
from pathlib import Path

HERE = Path(__file__).parent
LATER = ["feature:rest_pain", "feature:cold_leg", "feature:discoloration", "feature:one_leg_swelling",
         "feature:warm_red_leg", 3, 4, 5, 6, 7, 8]
"""Later questions (never the chest-pain or breathing question: an answer there answers it)."""


def main() -> None:
    rng = random.Random(20)
    sets = {"dev": [], "unseen": []}
    for pool in sorted(HERE.glob("pool_*.txt")):
        for line in pool.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            label, text = line.split("|", 1)
            half = "dev" if rng.random() < 0.5 else "unseen"
            places = [rng.choice(LATER)] if label.endswith("A") else ["open", rng.choice(LATER)]
            for at in places:
                sets[half].append({"text": text, "emergency": label.startswith("E"), "at": at, "pool": pool.stem})
    # pools written later, only ever looked at as dev (never in the unseen half)
    for pool in sorted(HERE.glob("devonly_*.txt")):
        for line in pool.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            label, text = line.split("|", 1)
            places = [rng.choice(LATER)] if label.endswith("A") else ["open", rng.choice(LATER)]
            for at in places:
                sets["dev"].append({"text": text, "emergency": label.startswith("E"), "at": at, "pool": pool.stem})
    for name, phrases in sets.items():
        (HERE / f"{name}.json").write_text(json.dumps({
            "about": f"Our own symptom phrases, the {name} half (tests/data/symptoms/build_sets.py).",
            "phrases": phrases}, indent=1) + "\n", encoding="utf-8")
        print(name, len(phrases), sum(p["emergency"] for p in phrases))


if __name__ == "__main__":
    main()
