"""Whole phrase sets through real sessions, in-process (scripts/eval_understanding.py), with the figures issue 20
asks for. The same cases through `voice-triage --io jsonl` and shared/tools/sim_patient.py give the same counts
(tests/modes/test_sim_patient.py runs the tool on the public sets and ours).

Our own sets were split before the symptom model's rules were written (tests/data/symptoms/build_sets.py):
the rules were written against dev.json; unseen.json was looked at only in totals.
"""
import sys
from pathlib import Path

import pytest

from tests.support import ROOT, SHARED

sys.path.insert(0, str(ROOT / "scripts"))
from eval_understanding import evaluate  # noqa: E402

MST = SHARED / "eval" / "public_mst.json"


def figures(path: Path):
    outcomes = evaluate(path)
    pos = [o for o in outcomes if o.emergency]
    neg = [o for o in outcomes if not o.emergency]
    return pos, neg


def caught(pos):
    return sum(o.fired for o in pos)


def alarms(neg):
    return sum(o.fired for o in neg)


@pytest.mark.skipif(not MST.exists(), reason="shared/eval/public_mst.json is not beside this checkout")
def test_real_peoples_own_phrases_public_half():
    """Issue 20: at least 55/56 caught with at most 4/732 false alarms (it was 48/56 and 12/732)."""
    pos, neg = figures(MST)
    assert (len(pos), len(neg)) == (56, 732)
    assert caught(pos) >= 55, [o.text for o in pos if not o.fired]
    assert alarms(neg) <= 4, [o.text for o in neg if o.fired]


@pytest.mark.parametrize("name", ["dev.json", "unseen.json"])
def test_our_own_phrases_both_halves(name):
    """At least 96% caught on dev (written against) and 95% on unseen (never tuned to), at most 1% false alarms,
    and no emergency recorded as an answer: a miss may only be asked again or asked back."""
    pos, neg = figures(ROOT / "tests" / "data" / "symptoms" / name)
    floor = 0.96 if name == "dev.json" else 0.95
    assert caught(pos) >= floor * len(pos), [o.text for o in pos if not o.fired] if name == "dev.json" else caught(pos)
    assert alarms(neg) <= 0.01 * len(neg)
    assert not [o for o in pos if o.what == "recorded"]


@pytest.mark.parametrize("path", [ROOT / "tests" / "data" / "own_conversation.json",
                                  ROOT / "tests" / "data" / "own_phrases.json",
                                  ROOT / "tests" / "data" / "symptoms" / "holdout_final.json"], ids=lambda p: p.stem)
def test_our_earlier_sets_still_pass_in_full(path):
    pos, neg = figures(path)
    assert caught(pos) == len(pos) and alarms(neg) == 0
