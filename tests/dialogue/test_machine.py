"""The conversation and its check as machines declared as data (dialogue/machine.py, issue 21): "go back" is a
transition, and the check ("did I hear you right?", a red flag said out of turn, an ask-back) is a machine's
state, not fields set by hand."""
from __future__ import annotations

import inspect
from pathlib import Path

from voice_triage.content.loader import load_content
from voice_triage.dialogue import machine
from voice_triage.dialogue.policy import DialoguePolicy
from voice_triage.dialogue.session import Session

C = load_content()


def at(question: str, **kw) -> Session:
    s = Session(C, **kw)
    s.start()
    s.hear("yes")
    s.hear("my calf hurts when I walk")
    while s.question != question:
        s.hear("no")
    return s


def test_nothing_in_the_dialogue_sets_a_state_around_the_machines():
    folder = Path(inspect.getfile(machine)).parent
    for path in folder.glob("*.py"):
        assert "set_state" not in path.read_text(encoding="utf-8"), path.name


def test_go_back_from_the_first_routine_question_returns_to_screening_by_a_transition():
    s = at("rest_pain")
    while s.state == "screening":
        s.hear("no")
    assert s.state == "questions"
    asked = s.question
    t = s.hear("go back")
    assert s.state == "screening" and t.listen.question != asked and t.listen.state == "screening"
    assert any(tr["trigger"] == "go_back" and tr["dest"] == "screening" for tr in machine.TRANSITIONS)


def test_an_answer_heard_unclearly_is_checked_then_settled():
    s = at("rest_pain", policy=DialoguePolicy(confirm_below=0.5))
    t = s.hear("no", confidence=0.3)
    assert s.check.state == "heard" and (s.check.feature, s.check.value) == ("rest_pain", "no")
    assert t.listen.question == "confirm" and t.listen.feature == "rest_pain" and t.listen.state == "screening"
    s.hear("yes")
    assert s.check.state == "idle" and s.answers["rest_pain"] == "no"


def test_a_red_flag_said_out_of_turn_is_a_mention_check_and_an_ask_back_its_own_state():
    s = at("rest_pain")
    s.hear("no, but my leg has gone cold")
    assert s.check.state == "mention" and s.check.feature == "cold_leg"
    s = at("rest_pain")
    s.hear("my wife has chest pain")
    assert s.check.state == "askback" and s.check.feature == "chest_pain" and s.check.return_to == "rest_pain"
    t = s.hear("no, not me")
    assert s.check.state == "idle" and s.answers["chest_pain"] == "no" and t.listen.question == "rest_pain"


def test_a_possible_emergency_heard_before_the_start_is_asked_back_then_the_triage_begins_from_the_start():
    s = Session(C)  # an assistant hears it out of the blue: nothing was said before
    assert s.hear("my heart hurts since she left me").listen.question == "confirm"
    t = s.hear("no, not me")
    assert t.listen.question == "consent" and s.state == "consent" and t.says[0].startswith("Hello")
    s.hear("yes")
    s.hear("my calf hurts when I walk")
    assert s.question == "breathlessness"  # chest pain was answered no: the other emergency question is still asked


def test_the_check_machine_is_data():
    assert machine.CHECKS == ["idle", "heard", "mention", "askback"]
    assert {t["trigger"] for t in machine.CHECK_TRANSITIONS} == {"confirm_heard", "confirm_mention", "ask_back",
                                                                 "settle"}


def test_the_phrases_worked_out_once_are_those_of_every_question():
    """The plan's phrases come from a per-conversation Grammar (not worked out again at every question): at every
    question they are exactly what phrases_for gives there."""
    from voice_triage.dialogue.grammar import Grammar, phrases_for

    grammar = Grammar(C)
    for question in C.questions:
        assert grammar.at(question) == tuple(phrases_for(C, question)), question
