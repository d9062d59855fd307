#!/usr/bin/env python3
"""Understanding, measured in-process on labelled phrase sets (not a test; the tests call it too).

Plays each phrase case the way `shared/tools/sim_patient.py phrases` does (consent "yes", a neutral answer
at the open question, "no" to every question before the phrase's own, a confirmed "no" at a confirmation)
against a real `Session`, with no subprocess, so a set of 800 cases takes a few seconds instead of minutes.
Beside the tool's figures (emergencies caught, false alarms) it says what happened to every emergency that
was not caught, worst first:

  recorded   the phrase was taken as an answer to the question (a yes, no or not sure recorded)
  moved_on   the session went on to another question (at the open question: the description was taken)
  asked      the question was asked again
  asked_back the phrase was asked back ("Do you have chest pain or trouble breathing right now?")

  eval_understanding.py FILE.json [FILE.json ...] [--show misses|alarms|all] [--json OUT]

Files are in sim_patient's phrase format ({"phrases": [{"text", "emergency", "at"}]}). Exit status 0.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from voice_triage.content.loader import load_content  # noqa: E402
from voice_triage.dialogue.session import Session  # noqa: E402

NEUTRAL_OPEN = "my calf aches when I walk a long way"
"""What sim_patient says at the open question before a phrase said later."""


@dataclass(frozen=True)
class Outcome:
    """What one phrase case did."""

    text: str
    at: str
    emergency: bool
    fired: bool
    what: str
    """fired, recorded, moved_on, asked, or ended."""
    question: str
    """The question the phrase was said at."""

    @property
    def ok(self) -> bool:
        return self.fired == self.emergency


def _goes_here(at, question: str, asked: int, catalog: set[str]) -> bool:
    if question == "consent":
        return False
    if at == "open":
        return True
    if question not in catalog:
        return False
    if at == "question":
        return True
    if isinstance(at, str) and at.startswith("feature:"):
        return question == at.split(":", 1)[1]
    if isinstance(at, int):
        return asked + 1 >= at
    return True


def play(case: dict, content, catalog: set[str]) -> Outcome:
    """One phrase case against a fresh session."""
    session = Session(content)
    turn = session.start()
    at = case.get("at", "open")
    asked = 0
    while turn.listen is not None and not _goes_here(at, turn.listen.question, asked, catalog):
        q = turn.listen.question
        asked += q in catalog
        words = {"consent": "yes", "open": NEUTRAL_OPEN}.get(q, "no")
        if q == "confirm":
            words = "yes" if str(turn.listen.value or "").lower() == "no" else "no"
        turn = session.hear(words)
    if turn.listen is None:
        return Outcome(case["text"], str(at), case["emergency"], False, "ended", "")
    question = turn.listen.question
    before = dict(session.answers)
    turn = session.hear(case["text"])
    fired = turn.emergency is not None
    if fired:
        what = "fired"
    elif turn.listen is None:
        what = "ended"
    elif session.answers != before and any(k not in before or before[k] != v for k, v in session.answers.items()):
        what = "recorded" if question != "open" else "moved_on"
    elif turn.listen.question == "confirm" and turn.listen.feature in ("chest_pain", "breathlessness"):
        what = "asked_back"
    elif turn.listen.question in (question, "confirm"):
        what = "asked"
    else:
        what = "moved_on"
    return Outcome(case["text"], str(at), case["emergency"], fired, what, question)


def evaluate(path: Path, content=None) -> list[Outcome]:
    content = content or load_content()
    catalog = set(content.features)
    cases = json.loads(Path(path).read_text(encoding="utf-8"))["phrases"]
    return [play(case, content, catalog) for case in cases]


def summary(outcomes: list[Outcome]) -> dict:
    pos = [o for o in outcomes if o.emergency]
    neg = [o for o in outcomes if not o.emergency]
    return {"cases": len(outcomes), "caught": f"{sum(o.fired for o in pos)}/{len(pos)}",
            "false_alarms": f"{sum(o.fired for o in neg)}/{len(neg)}",
            "missed_as": dict(Counter(o.what for o in pos if not o.fired)),
            "negatives_asked_back": sum(o.what == "asked_back" for o in neg)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--show", choices=["misses", "alarms", "all", "none"], default="all")
    ap.add_argument("--json", type=Path, help="write every outcome here")
    args = ap.parse_args(argv)
    content = load_content()
    everything = {}
    for path in args.files:
        outcomes = evaluate(path, content)
        everything[str(path)] = [o.__dict__ for o in outcomes]
        print(f"{path.name}: {json.dumps(summary(outcomes))}")
        for o in outcomes:
            if o.ok:
                continue
            if (args.show in ("misses", "all") and o.emergency) or (args.show in ("alarms", "all") and not o.emergency):
                print(f"  {'MISS' if o.emergency else 'ALARM'} {o.what:9s} at {o.question:18s} {o.text!r}")
    if args.json:
        args.json.write_text(json.dumps(everything, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
