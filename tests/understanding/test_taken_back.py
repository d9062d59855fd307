"""Issue 30, second round (words from fresh writers' sets E7-E10, frozen and counted before this change; E11/E12
counted once before and after it): the last word on a red flag decides between an alarm and asking back, dialect
negation, a breath the person has none of, recognizer transcripts of a past episode, and a toe gone black.
The shipped reader is loaded (waited for) as in a session."""
from __future__ import annotations

import pytest

from voice_triage.content.loader import load_content
from voice_triage.understanding.interpret import Interpreter
from voice_triage.understanding.judge import Judge
from voice_triage.understanding.reader import shared_reader

CHEST = "First, an important safety question. Do you have any pain, pressure or tightness in your chest, now or together with the leg pain?"
BREATH = "Are you having any trouble breathing, or are you short of breath?"
ASKED = {"chest_pain": CHEST, "breathlessness": BREATH, "open": "In a sentence or two, tell me about the pain."}


@pytest.fixture(scope="module")
def judge():
    loader = shared_reader()
    assert loader.get(wait_s=60) is not None
    return Judge(Interpreter(load_content()), loader)


def meaning(judge, text, question):
    return judge.meaning(text, question, asked=ASKED.get(question, ""))


@pytest.mark.parametrize("question, text", [
    ("chest_pain", "Yes, tightness, but it's in my calf, not my chest. My chest is fine."),
    ("chest_pain", "Yes, heaviness, in both legs. My chest is completely fine."),
    ("breathlessness", "no i was wheezy yesterday but thats cleared up im breathing fine now"),
    ("breathlessness", "Earlier on the hill I was puffing, but it settled in a minute and I'm breathing normally now."),
])
def test_an_alarm_the_person_then_takes_back_is_asked_not_raised(judge, question, text):
    """These raised the alarm: a contradiction is asked back (never an alarm, never passed over)."""
    m = meaning(judge, text, question)
    assert m.intent == "ask_back" and m.quote, m


@pytest.mark.parametrize("question, text", [
    ("breathlessness", "No... actually yes, sorry, I am a bit short of breath right now."),
    ("chest_pain", "my chest is fine, actually no, it is tight now"),
    ("chest_pain", "no pain, more of a heaviness"),
    ("open", "my calves hurt and my chest is tight right now"),
    ("breathlessness", "I have no breath"),  # read as a plain "no" before
    ("breathlessness", "I've got nae breath left"),
])
def test_an_emergency_that_ends_on_itself_is_raised_at_once(judge, question, text):
    assert meaning(judge, text, question).intent == "emergency"


@pytest.mark.parametrize("question, text, not_", [
    ("chest_pain", "No, mi chest nuh hurt.", "emergency"),  # an alarm before
    ("chest_pain", "had some chest pain back in march doctor said it was a muscle strain its gone now", "emergency"),
    ("chest_pain", "No, in the chest I have nothing.", "ask_back"),
])
def test_dialect_and_transcribed_denials_raise_no_alarm(judge, question, text, not_):
    assert meaning(judge, text, question).intent != not_


@pytest.mark.parametrize("text", ["Naw.", "Naw, nae pain there."])
def test_scots_no_is_a_no(judge, text):
    assert meaning(judge, text, "chest_pain").intent == "no"


@pytest.mark.parametrize("text, want", [
    ("No, but the big toe's gone dark, almost black at the tip.", "yes"),  # recorded "no" before: backwards
    ("my toe is black", "yes"),
    ("No, I wear black socks", "no"),
    ("no, it only hurts when I walk in the dark", "no"),
])
def test_a_toe_gone_black_is_discoloured_and_black_socks_are_not(judge, text, want):
    assert meaning(judge, text, "discoloration").intent == want
