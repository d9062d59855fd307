#!/usr/bin/env python3
"""Benchmark the learned reader (issue 30): its load time and memory, the time to read one utterance, and the time
from starting `voice-triage --io jsonl` to its first event and to its reply to a first sentence (which waits for
the reader). Numbers, not asserts; docs/bench/reader.md keeps the figures.

    python scripts/bench_reader.py [--runs 10] [--utterances 1000]
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--utterances", type=int, default=1000)
    args = ap.parse_args()
    exe = str(Path(sys.executable).parent / "voice-triage")
    report: dict = {}

    before = rss_mib()
    started = time.perf_counter()
    from voice_triage.understanding.reader import Reader

    reader = Reader.load()
    report["load_s"] = round(time.perf_counter() - started, 3)
    report["rss_added_mib"] = round(rss_mib() - before, 1)

    rows = [json.loads(line) for line in (ROOT / "scripts" / "reader" / "data" / "own" / "t4_conversational.jsonl")
            .read_text(encoding="utf-8").splitlines() if line.strip()]
    rng = random.Random(1)
    times = []
    for _ in range(args.utterances):
        r = rng.choice(rows)
        t = time.perf_counter()
        reader.read("Does one leg or foot feel colder than the other?", r["text"])
        times.append(1000 * (time.perf_counter() - t))
    report["read_ms_p50"] = round(statistics.median(times), 2)
    report["read_ms_p95"] = round(pct(times, 0.95), 2)
    report["read_ms_max"] = round(max(times), 2)

    first, reply = [], []
    for _ in range(args.runs):
        t = time.perf_counter()
        proc = subprocess.Popen([exe, "--io", "jsonl"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        proc.stdout.readline()
        first.append(1000 * (time.perf_counter() - t))
        proc.stdin.write('{"text": "aye go on then"}\n')
        proc.stdin.flush()
        listens = 0
        for line in proc.stdout:
            if '"listen"' in line:
                listens += 1
                if listens == 2:
                    break
        reply.append(1000 * (time.perf_counter() - t))
        proc.stdin.close()
        proc.wait()
    report["jsonl_first_event_ms_p50"] = round(statistics.median(first))
    report["jsonl_first_event_ms_max"] = round(max(first))
    report["jsonl_first_sentence_reply_ms_p50"] = round(statistics.median(reply))
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
