#!/usr/bin/env python3
"""Leave one source out (issue 30): for each source, train the reader without it and score it on that source.
The figure that predicts how the reader does on wording nobody here wrote.

    python scripts/reader/loso.py [--sources own_t1 own_t2 hwu64+clinc150 ...] [--out docs/bench/reader-loso.json]

Prints one line per source: answers right / answers, emergencies found / emergencies, false alarms / calm rows,
at the reader's threshold (the judge's `ask` threshold: the lowest probability that is ever acted on).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(HERE / "data" / "examples.jsonl"))
    ap.add_argument("--sources", nargs="*")
    ap.add_argument("--out")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--threshold", type=float, default=0.3)
    args = ap.parse_args()
    rows = [json.loads(line) for line in Path(args.data).read_text(encoding="utf-8").splitlines() if line.strip()]
    sources = args.sources or sorted({r["source"] for r in rows})
    table = {}
    for source in sources:
        group = source.split("+")  # "hwu64+clinc150": several sources left out together
        with tempfile.NamedTemporaryFile(suffix=".json") as report:
            subprocess.run([sys.executable, str(HERE / "train.py"), "--data", args.data, "--leave-out", *group,
                            "--report", report.name, "--epochs", str(args.epochs), "--threshold",
                            str(args.threshold)], check=True)
            parts = json.loads(Path(report.name).read_text(encoding="utf-8"))
        table[source] = {key: sum(parts[g][key] for g in group) for key in parts[group[0]]}
        s = table[source]
        print(f"{source:22} answers {s['answer_right']}/{s['answers']} (yes/no backwards {s['backwards']})"
              f"  emergencies {s['found']}/{s['emergencies']}"
              f"  false alarms {s['false_alarms']}/{s['calm']}", flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(table, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
