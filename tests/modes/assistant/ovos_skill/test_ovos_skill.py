"""The OVOS skill under ovoscope's multi-turn tests: ovos-core in this process (FakeBus, MiniCroft), the skill
loaded through its `opm.skill` entry point as an installed OVOS loads it, every bus message of each turn
declared and checked (type, data, routing). No network (connections beyond the loopback are refused and
counted) and nothing written to the user's ~/.config (OVOS writes skill settings there: a temporary folder)."""
from __future__ import annotations

import itertools
import os
import socket
import tempfile

import pytest

ovoscope = pytest.importorskip("ovoscope", reason="the ovos-test extra (bash scripts/setup.sh --tests installs it)")
from ovos_bus_client.message import Message  # noqa: E402
from ovos_bus_client.session import Session  # noqa: E402
from ovoscope import DEFAULT_IGNORED, LIGHT_TEST_PIPELINE, End2EndTest, get_minicroft  # noqa: E402

from tests.modes.assistant.ovos_skill.competitor import Competitor  # noqa: E402
from tests.support.personas import CALF_CLAUDICATION, answer  # noqa: E402
from voice_triage.modes.assistant.conversations import Conversations  # noqa: E402

SID = "voice-triage.voice-triage"
INSTRUCTION = "Call emergency services now."
IGNORED = DEFAULT_IGNORED + ["recognizer_loop:audio_output_end"]
"""MiniCroft's mock TTS sends audio_output_end from a 0.1 s timer: it lands in whichever turn is being captured,
so it is not counted (the only message whose place depends on timing)."""
KEEP_SRC = ["ovos.skills.fallback.ping", "recognizer_loop:utterance", f"{SID}.converse.ping",
            f"{SID}.converse.request"]
"""Messages ovos-core forwards with the utterance's own routing (source A -> destination B), not flipped."""
_ids = itertools.count()


@pytest.fixture(scope="module", autouse=True)
def offline_and_private():
    """For these tests only: OVOS's folders in a temporary place, and no connection beyond the loopback."""
    saved = {k: os.environ.get(k) for k in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")}
    home = tempfile.mkdtemp(prefix="voice-triage-ovos-")
    for key in saved:
        os.environ[key] = os.path.join(home, key.lower())
    attempts: list = []
    connect = socket.socket.connect

    def guarded(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in ("127.0.0.1", "::1", "localhost"):
            attempts.append(address)
            raise OSError(f"no network in these tests: {address}")
        return connect(self, address)

    socket.socket.connect = guarded
    from ovos_utils.log import LOG
    LOG.set_level("WARNING")  # ovos logs every bus message
    try:
        yield
    finally:
        socket.socket.connect = connect
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    assert attempts == [], f"network connections attempted: {attempts}"


# ---------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def croft():
    """ovos-core in-process with the skill from its entry point; the light test pipeline (stop, converse,
    padacioso, fallback), the only pipeline plugins installed."""
    mc = get_minicroft([SID])
    yield mc
    mc.stop()


@pytest.fixture()
def session() -> Session:
    return Session(f"test-{next(_ids)}")


# ---------------------------------------------------------------------------------------------- messages


def utterance(text: str, session: Session | None = None) -> Message:
    context = {"source": "A", "destination": "B"}
    if session is not None:  # the first one; the next ones carry the session the last reply came with
        context["session"] = session.serialize()
    return Message("recognizer_loop:utterance", {"utterances": [text], "lang": "en-US"}, context)


def spoken(said: str, listen: bool, emergency: str | None) -> list[Message]:
    out = [Message("speak", {"utterance": said, "expect_response": listen}, {"skill_id": SID}),
           Message("recognizer_loop:audio_output_start")]
    if emergency:
        out.append(Message("voice_triage.emergency", {"reason": emergency, "instruction": INSTRUCTION},
                           {"skill_id": SID}))
    return out


def intent_turn(text: str, intent: str, said: str, listen: bool, emergency: str | None = None) -> list[Message]:
    return [Message("recognizer_loop:utterance", {"utterances": [text]}),
            Message(f"{SID}.activate", context={"skill_id": SID}),
            Message(f"{SID}:{intent}", {"utterance": text}, {"skill_id": SID}),
            Message("mycroft.skill.handler.start", context={"skill_id": SID}),
            *spoken(said, listen, emergency),
            Message("mycroft.skill.handler.complete", context={"skill_id": SID}),
            Message("ovos.utterance.handled")]


def converse_turn(text: str, said: str, listen: bool, emergency: str | None = None) -> list[Message]:
    return [Message("recognizer_loop:utterance", {"utterances": [text]}),
            Message(f"{SID}.converse.ping"),
            Message("skill.converse.pong", {"skill_id": SID, "can_handle": True}),
            Message(f"{SID}.activate"),
            Message("converse:skill", {"skill_id": SID, "utterance": text}),
            Message(f"{SID}.converse.request", {"utterance": text}),
            *spoken(said, listen, emergency),
            Message("skill.converse.response", {"skill_id": SID, "result": True}),
            Message("ovos.utterance.handled")]


def fallback_turn(text: str, said: str, emergency: str) -> list[Message]:
    return [Message("recognizer_loop:utterance", {"utterances": [text]}),
            Message("ovos.skills.fallback.ping"),
            Message("ovos.skills.fallback.pong", {"skill_id": SID, "can_handle": True}),
            Message(f"ovos.skills.fallback.{SID}.request", {"skill_id": SID, "utterance": text}),
            Message(f"ovos.skills.fallback.{SID}.start"),
            *spoken(said, False, emergency),
            Message(f"ovos.skills.fallback.{SID}.response", {"result": True}),
            Message("ovos.utterance.handled")]


def not_ours_turn(text: str) -> list[Message]:
    """No triage runs and no emergency: the skill declines converse and fallback; nothing handles it."""
    return [Message("recognizer_loop:utterance", {"utterances": [text]}),
            Message(f"{SID}.converse.ping"),
            Message("skill.converse.pong", {"skill_id": SID, "can_handle": False}),
            Message("ovos.skills.fallback.ping"),
            Message("ovos.skills.fallback.pong", {"skill_id": SID, "can_handle": False}),
            Message("mycroft.audio.play_sound"),
            Message("complete_intent_failure"),
            Message("ovos.utterance.handled")]


def run(croft, texts: list[str], session: Session, expected: list[Message], **kwargs) -> list[Message]:
    sources = [utterance(texts[0], session)] + [utterance(t) for t in texts[1:]]
    return End2EndTest(minicroft=croft, skill_ids=[SID], source_message=sources, expected_messages=expected,
                       ignore_messages=IGNORED, keep_original_src=KEEP_SRC, verbose=False,
                       **kwargs).execute(timeout=10)


def script(texts_then_pad: list[str]) -> list[tuple[str, "object"]]:
    """The same triage engine, run directly: what each utterance gets back (the given ones, then the calf
    claudication persona's answer to every question until the end). The tests check the skill speaks exactly
    this, turn by turn."""
    conv, out = Conversations(), []
    for text in texts_then_pad:
        out.append((text, conv.reply("script", text)))
    while not out[-1][1].ended:
        last = out[-1][1]
        text = answer(CALF_CLAUDICATION, last.question, len(out) + 1, last.feature, last.value)
        out.append((text, conv.reply("script", text)))
        assert len(out) < 40
    return out


# ---------------------------------------------------------------------------------------------- (a)


def test_a_whole_triage_to_a_disposition(croft, session):
    turns = script(["check my leg pain", "yes", "my calves cramp after a few blocks and it goes away when I stop"])
    expected = intent_turn(turns[0][0], "start.intent", turns[0][1].text, True)
    for text, reply in turns[1:]:
        expected += converse_turn(text, reply.text, listen=not reply.ended)
    got = run(croft, [t for t, _ in turns], session, expected)
    final = [m for m in got if m.msg_type == "speak"][-1]
    assert turns[-1][1].disposition == "see_doctor"
    assert "peripheral artery disease" in final.data["utterance"] and "not a diagnosis" in final.data["utterance"]
    assert final.data["expect_response"] is False  # the microphone closes at the end
    assert len(turns) > 5
    # the triage is over: the next words begin nothing (the skill lets them pass)
    run(croft, ["yes"], Session.deserialize(got[-1].context["session"]), not_ours_turn("yes"))


# ---------------------------------------------------------------------------------------------- (b)


def test_b_an_emergency_in_the_middle_of_a_triage_is_said_first_and_ends_it(croft, session):
    texts = ["check my leg pain", "yes", "I have crushing chest pain"]
    conv = Conversations()
    replies = [conv.reply("script", t) for t in texts]
    assert replies[2].text.startswith(INSTRUCTION)
    expected = (intent_turn(texts[0], "start.intent", replies[0].text, True)
                + converse_turn(texts[1], replies[1].text, True)
                + converse_turn(texts[2], replies[2].text, False, emergency="chest_pain")
                + not_ours_turn("yes"))  # over: the conversation is forgotten
    run(croft, texts + ["yes"], session, expected)


# ---------------------------------------------------------------------------------------------- (c)


EMERGENCY = Conversations().reply("x", "I can't breathe").text


@pytest.mark.parametrize("text, route, reason", [
    ("I can't breathe", "intent", "breathlessness"),  # a sample of locale/en-us/emergency.intent: padacioso
    ("I have crushing chest pain", "intent", "chest_pain"),
    ("i cant breathe", "fallback", "breathlessness"),  # no intent sample fits: the priority-1 fallback
    ("my chest feels tight and I am breathless", "fallback", "chest_pain"),
    ("help I think I am having a heart attack", "fallback", "chest_pain"),
])
def test_c_an_emergency_out_of_the_blue(croft, session, text, route, reason):
    assert EMERGENCY.startswith(INSTRUCTION)
    if route == "intent":
        expected = intent_turn(text, "emergency.intent", EMERGENCY, False, emergency=reason)
    else:
        expected = fallback_turn(text, EMERGENCY, reason)
    run(croft, [text], session, expected)


def test_c_another_skills_intent_wins_unless_the_emergency_pipeline_stage_comes_first(session):
    """Measured limitation: intents and fallbacks lose to any other skill whose intent matches first. The opt-in
    pipeline stage (voice-triage-emergency-pipeline, first in `intents.pipeline`) sees every utterance first."""
    text = "I have pain in my chest"
    mc = get_minicroft([SID], extra_skills={"competitor.test": Competitor})
    try:
        got = End2EndTest(minicroft=mc, skill_ids=[SID], source_message=utterance(text, session),
                          expected_messages=[], test_message_number=False, ignore_messages=IGNORED,
                          verbose=False).execute(timeout=10)
        assert "voice_triage.emergency" not in [m.msg_type for m in got]
        assert [m.data["utterance"] for m in got if m.msg_type == "speak"] == ["noted: pain in my chest"]
    finally:
        mc.stop()
    mc = get_minicroft([SID], extra_skills={"competitor.test": Competitor},
                       default_pipeline=["voice-triage-emergency-pipeline"] + LIGHT_TEST_PIPELINE)
    try:
        expected = intent_turn(text, "emergency", EMERGENCY, False, emergency="chest_pain")
        End2EndTest(minicroft=mc, skill_ids=[SID], source_message=utterance(text, Session(f"{session.session_id}-p")),
                    expected_messages=expected, ignore_messages=IGNORED, keep_original_src=KEEP_SRC,
                    verbose=False).execute(timeout=10)
    finally:
        mc.stop()


# ---------------------------------------------------------------------------------------------- (d)


def test_d_stop_ends_the_triage_and_closes_the_microphone(croft, session):
    texts = ["my legs hurt when I walk", "yes", "stop"]
    conv = Conversations()
    replies = [conv.reply("script", t) for t in texts]
    assert replies[2].ended and replies[2].disposition == "incomplete"
    expected = (intent_turn(texts[0], "start.intent", replies[0].text, True)
                + converse_turn(texts[1], replies[1].text, True)
                # "stop" never reaches converse: ovos-core's stop stage (first in the pipeline) asks the skill
                + [Message("recognizer_loop:utterance", {"utterances": ["stop"]}),
                   Message(f"{SID}.stop.ping"),
                   Message("skill.stop.pong", {"skill_id": SID, "can_handle": True}),
                   Message("stop.openvoiceos.activate"),
                   Message("stop:skill", {"skill_id": SID}),
                   Message(f"{SID}.stop"),
                   Message("speak", {"utterance": replies[2].text, "expect_response": False}, {"skill_id": SID}),
                   Message("recognizer_loop:audio_output_start"),
                   Message(f"{SID}.stop.response", {"skill_id": SID, "result": True})])
    # ovos-core 2.2.0a1 sends no ovos.utterance.handled after a skill stop: end the capture on stop.response;
    # its stop replies are routed A->B (not flipped), so routing is not checked here
    got = run(croft, texts, session, expected, eof_msgs=["ovos.utterance.handled", f"{SID}.stop.response"],
              test_routing=False)
    assert "stop" in got[-3].data["utterance"].lower()
