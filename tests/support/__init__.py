"""Test support: paths, the console script, virtual audio devices (virtual.py)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The checkout."""
SHARED = ROOT.parent / "shared"
"""shared/ beside the checkout (the clinical source, the evaluation cases and tools)."""
EXE = shutil.which("voice-triage", path=str(Path(sys.executable).parent)) or "voice-triage"
"""The installed console script."""


def run(lines, *args, timeout=60):
    """Run the console script with `args`, `lines` (strings or JSON objects) on standard input."""
    payload = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    return subprocess.run([EXE, *args], input=payload, text=True, capture_output=True, timeout=timeout, cwd="/")


def events(proc) -> list[dict]:
    """The JSON-lines events a finished run printed."""
    return [json.loads(line) for line in proc.stdout.splitlines()]
