"""`voice-triage serve` under load: N whole conversations at once over wyoming's client, as Home Assistant sends
them (a connection per utterance). Prints one JSON line: dispositions wrong, reply time p50/p95/max, the
server's RSS before and at the end, and its start-up time.

    .venv/bin/python scripts/bench_serve.py --conversations 50
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.personas import PERSONAS, answer  # noqa: E402
from tests.support.wyoming import ServeProcess, say  # noqa: E402


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def conversation(port: int, n: int, times: list[float]) -> bool:
    persona = PERSONAS[n % len(PERSONAS)]
    text, turn = "check my leg pain", 0
    while True:
        started = time.perf_counter()
        event = await say(port, text, f"bench-{n}")
        times.append(time.perf_counter() - started)
        context = event.data["context"]
        if context["ended"]:
            return context.get("disposition") == persona["expect"]["disposition"]
        turn += 1
        text = answer(persona, context["question"], turn, context.get("feature"), context.get("value"))


async def main_async(port: int, count: int, times: list[float]) -> list[bool]:
    return await asyncio.gather(*(conversation(port, n, times) for n in range(count)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--conversations", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    started = time.perf_counter()
    with ServeProcess("--max-conversations", str(max(args.conversations, 1))) as server:
        startup = time.perf_counter() - started
        pid = server.process.pid
        before = rss_mib(pid)
        rows = []
        for _ in range(args.rounds):
            times: list[float] = []
            began = time.perf_counter()
            results = asyncio.run(main_async(server.port, args.conversations, times))
            took = time.perf_counter() - began
            times.sort()
            rows.append({"conversations": args.conversations, "wrong": results.count(False), "replies": len(times),
                         "seconds": round(took, 2), "reply_p50_ms": round(1000 * statistics.median(times), 1),
                         "reply_p95_ms": round(1000 * times[int(0.95 * (len(times) - 1))], 1),
                         "reply_max_ms": round(1000 * times[-1], 1), "rss_mib": round(rss_mib(pid), 1)})
    print(json.dumps({"startup_s": round(startup, 2), "rss_before_mib": round(before, 1), "rounds": rows}))
    return 0 if all(row["wrong"] == 0 for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
