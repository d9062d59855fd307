"""Issue 29: "my calf hurts after 200 metres and stops when I rest" was asked back as "the leg hurts even at rest
or at night. Is that right?". A clause that says the pain goes at rest is no rest pain (P8); one that says it never
goes, or that nothing helps, still is."""
import pytest

from voice_triage.content.loader import load_content
from voice_triage.understanding.interpret import Interpreter


@pytest.fixture(scope="module")
def it():
    return Interpreter(load_content())


@pytest.mark.parametrize("text", [
    "my calf hurts after 200 metres and stops when I rest",
    "it hurts after a few hundred yards then stops after I rest a bit",
    "the ache wears off when I rest",
    "it hurts when I walk and calms down when I sit still",
    "my leg hurts when I walk and it subsides when I rest",
])
def test_pain_that_goes_at_rest_is_not_rest_pain(it, text):
    m = it.interpret(text, "open")
    assert m.features.get("rest_pain") != "yes", (text, m.features, m.clauses)
    assert m.intent not in ("emergency", "ask_back")


@pytest.mark.parametrize("text", [
    "it never stops, even when I rest",
    "it never goes away, even in bed",
    "it hurts in bed and nothing helps",
    "it hurts even when I rest",
])
def test_pain_that_does_not_go_at_rest_is_still_rest_pain(it, text):
    m = it.interpret(text, "open")
    assert m.features.get("rest_pain") == "yes", (text, m.features, m.clauses)
