"""The one conversation loop (modes/conversation.py) over the public API (dialogue/triage.py): the plan the
dialogue builds for each question, the Triage's reply to what was heard, and the order a turn is shown and
spoken in. Every voice mode runs through these."""
from __future__ import annotations

import pytest

from voice_triage.content.loader import load_content
from voice_triage.dialogue.events import Turn
from voice_triage.dialogue.triage import Triage
from voice_triage.modes.conversation import ConversationOptions, Heard, HeardKind, converse, present
from voice_triage.recognition.base import Recognition
from voice_triage.modes.wire import to_wire

C = load_content()


def at(question: str) -> Triage:
    return at_turn(question)[0]


def at_turn(question: str) -> tuple[Triage, Turn]:
    s = Triage(C)
    turn = s.start()
    if question != "consent":
        turn = s.hear("yes")
    if question not in ("consent", "open"):
        turn = s.hear("it hurts when I walk")
    assert turn.listen.question == question
    return s, turn


def plan_at(question: str):
    return at_turn(question)[1].listen.plan


def speech(text: str, **kw) -> Heard:
    return Heard(HeardKind.SPEECH, Recognition(text, kw.pop("confidence", 0.9), True, "test", heard=text, **kw))


def test_the_open_question_is_free_speech_with_the_emergency_phrases_decoded_again():
    plan = plan_at("open")
    assert plan.phrases is None and plan.leads == ()
    assert set(C.emergency.phrases) == set(plan.recheck)
    # the listener is given the judge to ask only two things while it decodes (issue 20: one room decides)
    assert plan.watch is s_judge(plan) and plan.watch.names("my breathing is fine")
    assert not plan.watch.names("my calf hurts")


def test_a_yes_no_question_listens_for_its_phrases_and_the_lead_ins():
    plan = plan_at("chest_pain")
    assert "yes" in plan.phrases and "i can't breathe" in plan.phrases
    assert plan.leads == C.listen_leads and set(plan.recheck) == set(C.emergency.phrases) and plan.timeout_s is None
    assert plan.watch.stops("i have chest pain") and not plan.watch.stops("no") and not plan.watch.stops("my chest")
    # what a second, prompted decoding is judged by: an emergency said in answer to this question
    judge = plan.watch
    assert judge.emergency_at("not pain as such, more a tight feeling", "chest_pain")
    assert not judge.emergency_at("no", "chest_pain")
    assert judge.emergency("not pain as such, more a tight feeling") is None


def s_judge(plan):
    from voice_triage.understanding.judge import Judge

    assert isinstance(plan.watch, Judge)
    return plan.watch


def test_a_partial_result_that_stopped_listening_is_heard_as_the_emergency_it_holds():
    s = at("chest_pain")
    heard = Heard(HeardKind.SPEECH, Recognition.not_understood("test", heard="my chest [unk] hurts", partial=True))
    turn = s.hear(heard)
    assert turn.emergency is not None and turn.emergency.heard == "my chest hurts"


def test_keys_mean_what_the_content_says_and_a_key_without_a_meaning_leaves_the_question():
    s = at("consent")
    assert s.hear(Heard(HeardKind.KEY, key="x")) is None
    turn = s.hear(Heard(HeardKind.KEY, key="Y"))
    assert turn.events[0].intent == "yes" and turn.listen.question == "open"


def test_not_understood_speech_reaches_the_session_without_the_unknown_marks():
    s = at("open")
    turn = s.hear(Heard(HeardKind.SPEECH, Recognition.not_understood("test", heard="[unk] calf [unk]")))
    assert to_wire(turn.events[0]) == {"event": "heard", "text": "calf", "intent": "not_understood"}


class Channel:
    def __init__(self, script):
        self.script = list(script)
        self.log = []
        self.plans = []

    def say(self, text):
        self.log.append(("say", text))

    def say_emergency(self, text):
        self.log.append(("EMERGENCY", text))

    def show_heard(self, text):
        self.log.append(("heard", text))

    def adjust(self, command):
        self.log.append(("adjust", command))

    def listen(self, plan):
        self.log.append(("listen", plan.question))
        self.plans.append(plan)
        return self.script.pop(0) if self.script else Heard(HeardKind.SILENCE)


def test_an_emergency_turn_shows_what_was_heard_then_says_the_instruction_before_anything_else():
    s = at("chest_pain")
    channel = Channel([])
    present(s.hear("my chest feels tight"), channel)
    kinds = [kind for kind, _ in channel.log]
    assert kinds[:2] == ["heard", "EMERGENCY"]
    assert channel.log[1][1] == C.speech["emergency"]


def test_a_voice_command_changes_the_voice_before_the_reply_is_spoken():
    s = at("chest_pain")
    channel = Channel([])
    present(s.hear("slower please"), channel)
    assert [kind for kind, _ in channel.log][:2] == ["adjust", "heard"]


@pytest.mark.parametrize("limit", [3, 7])
def test_the_loop_stops_a_session_that_never_ends_at_its_backstop(limit):
    s = Triage(C)
    turn = s.start()
    channel = Channel([speech("help")] * 50)
    assert converse(s, turn, channel, ConversationOptions(max_listens=limit)) == "stopped"
    assert [kind for kind, _ in channel.log].count("listen") == limit
    assert s.ended and s.result.disposition == "incomplete"


def test_let_go_ends_the_loop_as_idle():
    s = Triage(C)
    turn = s.start()
    channel = Channel([])
    assert converse(s, turn, channel, let_go=lambda heard: heard.kind is HeardKind.SILENCE) == "idle"
    assert not s.ended  # the caller says goodbye and stops it


def test_the_loop_listens_with_the_plan_the_dialogue_made_and_its_own_timeout():
    s, turn = at_turn("chest_pain")
    channel = Channel([speech("no")])
    converse(s, turn, channel, ConversationOptions(max_listens=2, listen_timeout_s=4.0))
    assert channel.plans[0].question == "chest_pain" and channel.plans[0].timeout_s == 4.0
    assert channel.plans[0].phrases == turn.listen.plan.phrases
    assert channel.plans[1].question == "breathlessness"
