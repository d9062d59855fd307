"""Table-driven understanding (issue 10): tests/data/utterances.yaml, every case with the reason it
is what it is. A missed emergency is the worst bug this project can have, a red flag recorded as
"no" the second, a false alarm on a denial the third."""
from pathlib import Path

import pytest
import yaml

from voice_triage.content.loader import load_content
from voice_triage.understanding.interpret import Interpreter

DATA = yaml.safe_load((Path(__file__).parents[1] / "data" / "utterances.yaml").read_text(encoding="utf-8"))
CASES = [(g["kind"], case[0], case[1], case[2], case[3] if len(case) > 3 else g["why"])
         for g in DATA["groups"] for case in g["cases"]]


@pytest.fixture(scope="module")
def it():
    return Interpreter(load_content())


def test_the_table_is_big_enough_and_every_group_says_why():
    assert len(CASES) >= 400
    assert all(g.get("why") for g in DATA["groups"])
    kinds = {g["kind"] for g in DATA["groups"]}
    assert {"emergency_after_answer", "clean_denial", "not_current", "red_flag_said_in_own_words"} <= kinds


@pytest.mark.parametrize("kind,text,question,expected,why", CASES,
                         ids=[f"{c[0]}:{c[1][:40]}@{c[2]}" for c in CASES])
def test_utterance(it, kind, text, question, expected, why):
    m = it.interpret(text, question, about=question if question in it.content.features else None)
    got = f"{m.intent}:{m.reason}" if m.intent in ("emergency", "ask_back") else m.intent
    if expected == "calm":
        assert m.intent not in ("emergency", "ask_back"), (kind, text, got, m.clauses)
    elif "=" in expected:
        feature, value = expected.split("=")
        assert m.intent not in ("emergency", "ask_back"), (kind, text, got)
        assert m.features.get(feature) == value, (kind, text, m.features, m.clauses)
    else:
        assert got == expected, (kind, text, got, m.clauses, [(x.feature, x.assertion.value) for x in m.mentions])
