"""A double press of "n" at the chest pain question, on the real terminal kiosk: is the breathing question left
for the person, or answered "no" by the second press?

`voice-triage kiosk` runs in a pseudo-terminal on the private PulseAudio server of scripts/pulse.sh (started or
reused through tests.support.virtual; flite at 320 wpm, the default recognizer); the keys are typed into the
terminal as a person types them: y to wake, y to consent, ? at the open question, then "n" twice at the chest pain question, GAP seconds apart, either as soon as
the question's caption appears (while it is read) or WAIT seconds later (while the kiosk listens). Prints one
JSON line per case (`second_press`: "taken" when the screen shows "You: no" to the breathing question, "still
asked" when it does not, "run failed" when the session did not get that far) and a summary line.

    .venv/bin/python scripts/double_press.py --gaps 0.1 0.2 0.3 0.4 --waits 0 4
    .venv/bin/python scripts/double_press.py --tree /path/to/another/checkout   # the same with older code
"""
from __future__ import annotations

import argparse
import json
import os
import pty
import re
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.support.virtual import VirtualAudio  # noqa: E402

CONFIG = ('[voice]\nrate = 320\ncaptions = "plain"\n[timeouts]\nlisten = 8\nidle = 20\n'
          '[wake]\ninvitation_interval = 5\n')
BREATH = "short of breath?"
CHEST = "tightness in your chest"
LAUNCH = "import sys; from voice_triage.cli import main; sys.exit(main())"


def one_case(tree: Path, gap: float, wait: float, env: dict[str, str], config: Path,
             seconds: float = 120.0) -> tuple[str, str]:
    """Run one session; returns (what became of the second press, what the terminal showed)."""
    steps = [(r"press a key", "y", 0.0, 0.0), (r"Shall we begin\?", "y", 0.0, 0.0),
             (r"what makes it better", "?", 0.0, 0.0), (CHEST, "nn", gap, wait)]
    master, slave = pty.openpty()
    child = subprocess.Popen([sys.executable, "-c", LAUNCH, "kiosk", "--config", str(config)],
                             stdin=slave, stdout=slave, stderr=slave, cwd=tree,
                             env={**env, "PYTHONPATH": str(tree)}, start_new_session=True)
    os.close(slave)
    shown, until = "", time.monotonic() + seconds
    try:
        while time.monotonic() < until and child.poll() is None:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    shown += os.read(master, 4096).decode("utf-8", "replace")
                except OSError:
                    break
            if steps and re.search(steps[0][0], shown):
                _, keys, between, before = steps.pop(0)
                time.sleep(before)
                for i, key in enumerate(keys):
                    time.sleep(between if i else 0.0)
                    os.write(master, key.encode())
                if not steps:
                    until = min(until, time.monotonic() + 8.0)  # read what follows for 8 s
    finally:
        child.terminate()
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
        os.close(master)
    at = shown.rfind(BREATH)
    if at < 0 or CHEST not in shown:
        return "run failed", shown
    return ("taken" if "You: no" in shown[at:] else "still asked"), shown


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout whose voice_triage runs")
    parser.add_argument("--gaps", type=float, nargs="+", default=[0.1, 0.2, 0.3, 0.4],
                        help="seconds between the two presses")
    parser.add_argument("--waits", type=float, nargs="+", default=[0.0, 4.0],
                        help="seconds after the chest pain caption appears before the first press")
    args = parser.parse_args()
    audio = VirtualAudio.start()
    env = {**os.environ, **audio.env}
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "kiosk.toml"
        config.write_text(CONFIG)
        for gap in args.gaps:
            for wait in args.waits:
                result, _ = one_case(args.tree.resolve(), gap, wait, env, config)
                counts[result] = counts.get(result, 0) + 1
                print(json.dumps({"gap_s": gap, "wait_s": wait, "second_press": result}), flush=True)
    audio.stop()
    print(json.dumps({"tree": str(args.tree), "cases": sum(counts.values()), **counts}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
