"""deploy/: the systemd unit is one systemd itself accepts, and the command it starts serves and stops as a
service manager expects (SIGTERM: exit 0)."""
from __future__ import annotations

import asyncio
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.wyoming import ServeProcess, say

ROOT = Path(__file__).resolve().parents[3]
UNIT = ROOT / "deploy" / "voice-triage.service"


def exec_start() -> list[str]:
    line = next(line for line in UNIT.read_text().splitlines() if line.startswith("ExecStart="))
    return shlex.split(line.split("=", 1)[1])


def test_systemd_accepts_the_unit(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not on this machine")
    unit = tmp_path / "voice-triage.service"
    # the unit names /opt/voice-triage/.venv/bin/voice-triage; here the command is this environment's
    unit.write_text(UNIT.read_text().replace(exec_start()[0], str(Path(sys.executable).parent / "voice-triage")))
    done = subprocess.run([analyze, "verify", "--man=no", str(unit)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stdout.strip() and not done.stderr.strip(), done.stderr


def test_the_units_command_serves_and_stops_on_sigterm():
    command = exec_start()
    assert command[0] == "/opt/voice-triage/.venv/bin/voice-triage" and command[1] == "serve"
    args = command[2:]
    wyoming = args[args.index("--wyoming") + 1]
    assert wyoming == "tcp://0.0.0.0:10700" and "--zeroconf" in args
    rest = [a for i, a in enumerate(args) if a != "--wyoming" and (i == 0 or args[i - 1] != "--wyoming")]
    with ServeProcess(*rest, wyoming="tcp://0.0.0.0:0") as server:
        reply = asyncio.run(say(server.port, "I can't breathe", "deploy-1"))
        assert reply.data["text"].startswith("Call emergency services now.")
        server.wait_for_line("zeroconf: announced")
        assert server.stop() == 0
    assert not any("Traceback" in line for line in server.lines)
