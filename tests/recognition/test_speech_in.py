"""The session's ears on real speech: the question's grammar, the emergency cross-check, the open question."""
from __future__ import annotations

import pytest
import speechgen
from speechgen import Clip

from voice_triage.recognition.endpoint import listen
from voice_triage.audio.sources import WavFileSource
from voice_triage.dialogue.session import Session
from voice_triage.content.loader import load_content
from voice_triage.speech_in import CONFIRM_BELOW, Ears, turn_from

pytestmark = [pytest.mark.speech, pytest.mark.usefixtures("need_tools")]
C = load_content()


@pytest.fixture(scope="module")
def ears():
    from voice_triage.recognition.discovery import build_recognizer

    return Ears(build_recognizer("pocketsphinx")[0])


def at(question: str) -> Session:
    s = Session(C)
    s.confirm_below = CONFIRM_BELOW["pocketsphinx"]
    s.start()
    s.hear("yes")
    if question != "open":
        s.hear("it hurts when I walk")
    assert s.question == question
    return s


def turn(ears, session, clip, speech_dir):
    path = speechgen.synthesize_all([clip], speech_dir)[clip]
    ears.tune(session)
    result = listen(WavFileSource(path), ears, on_partial=lambda t: session.emergency_in_partial(t) is not None)
    return turn_from(session, result)


@pytest.mark.parametrize("voice", ["flite:rms", "flite:slt"])
def test_chatter_that_the_grammar_turns_into_chest_pain_raises_no_alarm(ears, speech_dir, voice):
    """Regression: "I had toast for breakfast" came out of the grammar as "i have chest pain" (verification 0.2-0.4)."""
    t = turn(ears, at("chest_pain"), Clip("I had toast for breakfast", voice), speech_dir)
    assert t.emergency is None, t.events


@pytest.mark.parametrize("text, voice", [("I can't breathe", "flite:rms"), ("I have chest pain", "flite:awb"),
                                         ("wait, my chest feels tight", "flite:slt"),
                                         ("hold on, I can't breathe", "flite:rms")])
def test_a_clear_emergency_at_a_yes_no_question_raises_the_alarm_at_once(ears, speech_dir, text, voice):
    t = turn(ears, at("chest_pain"), Clip(text, voice), speech_dir)
    assert t.emergency is not None, t.events


def test_an_emergency_at_the_open_question_raises_the_alarm(ears, speech_dir):
    t = turn(ears, at("open"), Clip("I have chest pain", "flite:rms"), speech_dir)
    assert t.emergency is not None, t.events


def test_free_text_reaches_the_session_as_a_field_not_a_string_to_parse():
    """Issue 11: what free decoding heard travelled as "[unk] (free text)" and was parsed back by a regex."""
    from voice_triage.recognition import Recognition
    from voice_triage.speech_in import FREE_TEXT_CONFIDENCE, turn_from

    s = Session()
    s.start()
    s.hear("yes")
    s.hear("my calf hurts when I walk")
    assert s.question == "chest_pain"
    turn = turn_from(s, Recognition.not_understood("pocketsphinx", heard="nope", free_text="nope"))
    heard = turn.events[0]
    assert heard["intent"] == "no" and heard["confidence"] == FREE_TEXT_CONFIDENCE
    turn = turn_from(s, Recognition.not_understood("pocketsphinx", heard="milking", free_text="milking"))
    assert turn.events[0]["intent"] == "not_understood"
