"""Measure `voice-triage serve` under two attacks from one address (127.0.0.2) while a well-behaved client
(127.0.0.1) uses it: (1) slow-loris, 256 connections each holding half an event header; (2) partial payloads,
250 connections each sending an event that announces a 1 MiB payload and sends all of it but one byte.
Reports the server's resident memory (now and peak) and how long the well-behaved client waits for its reply.

    python scripts/bench_wyoming_attack.py [--tree DIR] [--python PY]

--tree runs the server from another checkout (PYTHONPATH=DIR), to compare before and after a change."""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ATTACKER = "127.0.0.2"


def memory(pid: int) -> dict[str, float]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = round(int(value.split()[0]) / 1024, 1)
    return out


async def good_client(port: int, n: int) -> dict:
    """`n` utterances one after another, each on its own connection (as Home Assistant): the seconds each took
    to be answered, and how many were told busy or got nothing."""
    times, busy, failed = [], 0, 0
    for i in range(n):
        began = time.monotonic()
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 30)
            data = json.dumps({"text": "check my leg pain", "context": {"conversation_id": f"good-{i}"}}).encode()
            writer.write(json.dumps({"type": "transcript", "data_length": len(data)}).encode() + b"\n" + data)
            await writer.drain()
            header = json.loads(await asyncio.wait_for(reader.readline(), 60))
            if header.get("data_length"):
                body = json.loads(await reader.readexactly(header["data_length"]))
            else:
                body = header.get("data", {})
            if header["type"] == "error" or "busy" in json.dumps(body).lower():
                busy += 1
            else:
                times.append(time.monotonic() - began)
            writer.close()
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError):
            failed += 1
    return {"answered": len(times), "busy": busy, "failed": failed,
            "median_ms": round(statistics.median(times) * 1000, 1) if times else None,
            "max_ms": round(max(times) * 1000, 1) if times else None}


async def attacker(port: int, payload: bool):
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(ATTACKER, 0))
        if payload:
            size = 1024 * 1024
            writer.write(json.dumps({"type": "audio-chunk", "payload_length": size}).encode() + b"\n")
            writer.write(b"\0" * (size - 1))
        else:
            writer.write(b'{"type": "transcript", "data_le')
        await asyncio.wait_for(writer.drain(), 20)
        return reader, writer
    except (OSError, asyncio.TimeoutError):
        return None, None


async def closed(reader: asyncio.StreamReader) -> bool:
    """Whether the server has closed this connection (what it sent before, such as `busy`, is read past)."""
    try:
        while True:
            if not await asyncio.wait_for(reader.read(65536), 0.2):
                return True
    except asyncio.TimeoutError:
        return False
    except OSError:
        return True


async def attack(port: int, pid: int, count: int, payload: bool, hold_s: float) -> dict:
    before = memory(pid)
    results = await asyncio.gather(*(attacker(port, payload) for _ in range(count)))
    pairs = [(r, w) for r, w in results if w is not None]
    await asyncio.sleep(1.0)
    during = memory(pid)
    good = await good_client(port, 20)
    await asyncio.sleep(max(0.0, hold_s - 1.0))
    closed_by_server = sum(await asyncio.gather(*(closed(r) for r, _ in pairs)))
    after = memory(pid)
    for _, w in pairs:
        w.close()
    return {"attack_connections": count, "connected": len(pairs), "rss_before_mb": before["VmRSS"],
            "rss_during_mb": during["VmRSS"], "rss_peak_mb": after["VmHWM"], "rss_after_hold_mb": after["VmRSS"],
            "well_behaved_client_during_attack": good, "hold_s": hold_s, "closed_by_server_by_then": closed_by_server}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tree", type=Path, default=ROOT)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--hold", type=float, default=15.0, help="seconds the attack is held before counting")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(args.tree)}
    out: dict = {"tree": str(args.tree)}
    for name, payload in (("slow_loris_256_half_headers", False), ("partial_payloads_250_x_1MiB", True)):
        server = subprocess.Popen([args.python, "-m", "voice_triage.cli", "serve", "--wyoming", "tcp://127.0.0.1:0"],
                                  stderr=subprocess.PIPE, text=True, env=env, cwd=args.tree)
        port = None
        while port is None:
            line = server.stderr.readline()
            found = re.search(r"handle service on tcp://127\.0\.0\.1:(\d+)", line)
            port = int(found.group(1)) if found else None
            if not line and server.poll() is not None:
                raise SystemExit("the server did not start")
        try:
            quiet = asyncio.run(good_client(port, 20))
            result = asyncio.run(attack(port, server.pid, 256 if not payload else 250, payload, args.hold))
            out[name] = {"well_behaved_client_alone": quiet, **result}
        finally:
            server.terminate()
            server.wait(20)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
