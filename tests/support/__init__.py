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
REAL_CLIPS = SHARED / "eval" / "real"
"""Real people's recordings (shared/eval/real: Speech Commands, CC BY 4.0)."""


def needs_real_clips(test):
    """Skip `test`, saying why, where shared/eval/real is not beside the checkout (as other shared data)."""
    import pytest

    return pytest.mark.skipif(not (REAL_CLIPS / "manifest.json").exists(),
                              reason="shared/eval/real is not beside this checkout")(test)


EXE = shutil.which("voice-triage", path=str(Path(sys.executable).parent)) or "voice-triage"
"""The installed console script."""


def run(lines, *args, timeout=60):
    """Run the console script with `args`, `lines` (strings or JSON objects) on standard input."""
    payload = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    return subprocess.run([EXE, *args], input=payload, text=True, capture_output=True, timeout=timeout, cwd="/")


def events(proc) -> list[dict]:
    """The JSON-lines events a finished run printed."""
    return [json.loads(line) for line in proc.stdout.splitlines()]


def sigint_default() -> None:
    """A subprocess's `preexec_fn`: Ctrl-C (SIGINT) back to its default, so that Python installs its handler.

    A shell without job control starts background commands (`cmd &`, `nohup ... &`) with SIGINT ignored, the
    children inherit that, and Python then leaves it ignored: a test that sends SIGINT would wait in vain."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
