"""The kiosk loop (issue 5) driven by a scripted channel and a fake clock: waking, keys, idle, clean starts."""
from __future__ import annotations

import gc
import json
import weakref

import pytest

from kiosk_fakes import NOISE, SILENCE, FakeClock, ScriptedChannel, key, say, spoken_in
from voice_triage.dialogue.triage import Triage
from voice_triage.modes.kiosk.config import KioskConfig, parse_config
from voice_triage.modes.kiosk.loop import KioskOptions, run_kiosk, wake_match
from voice_triage.content.loader import load_content


@pytest.fixture(scope="module")
def content():
    return load_content()


def kiosk(script, content, config: KioskConfig | None = None, *, max_sessions=None, **kwargs):
    clock = kwargs.pop("clock", None) or FakeClock()
    channel = ScriptedChannel(list(script), clock)
    records = []
    report = run_kiosk(config or KioskConfig(), lambda: channel, clock, content=content,
                       options=KioskOptions(max_sessions=max_sessions), stop=channel.stop,
                       on_session_end=records.append, **kwargs)
    return channel, report, records


def opening(content) -> list[str]:
    return Triage(content).start().says


def test_a_wake_phrase_starts_a_session_with_the_greeting_and_nothing_before_it(content):
    channel, report, records = kiosk([SILENCE, say("what is this"), say("hello there"), say("no")], content)
    assert report.sessions == 1
    assert channel.spoken()[:2] == opening(content)  # nothing was said while waiting
    assert records[0].disposition == "incomplete"  # "no" to consent
    assert channel.listens[0].question == "wake"
    assert {"hello", "start", "i can not breathe"} <= set(channel.listens[0].phrases)


def test_any_key_starts_a_session_and_keys_answer_questions(content):
    channel, report, records = kiosk([key("x"), key("y"), key("n")], content)
    heard = [s.text for s in channel.sessions()[0] if s.kind == "heard"]
    assert heard == ["yes", "no"]  # the waking key is not an answer; y and n are
    assert report.sessions == 1


@pytest.mark.parametrize("k,intent", [("y", "yes"), ("n", "no"), ("?", "unsure"), ("r", "repeat"),
                                      ("h", "help"), ("s", "stop"), ("b", "back"), ("Y", "yes")])
def test_every_key_maps_to_an_utterance_the_session_understands(content, k, intent):
    from voice_triage.understanding.interpret import Interpreter

    interpreter = Interpreter(content)
    for question in ("consent", "open", "chest_pain", "stops_with_rest"):
        # a yes or not sure to the chest-pain question is an emergency at once (issue 10, risk first)
        expected = "emergency" if question == "chest_pain" and intent in ("yes", "unsure") else intent
        assert interpreter.interpret(content.keys[k.lower()], question).intent == expected
    assert set(content.keys) == {"y", "n", "?", "r", "h", "b", "s"}


def test_a_key_without_a_meaning_leaves_the_question_standing(content):
    channel, _, _ = kiosk([key("k"), key("z"), key("s")], content)
    session = channel.sessions()[0]
    assert [s.text for s in session if s.kind == "heard"] == ["stop"]
    assert content.speech["stopped"] in spoken_in(session)


def test_wake_match_is_whole_words():
    assert wake_match("Hello!", ("hello",))
    assert wake_match("ok, let's START please", ("hello", "start"))
    assert wake_match("good morning kiosk", ("good morning",))
    assert not wake_match("restart", ("start",))
    assert not wake_match("othello", ("hello",))
    assert not wake_match("", ("hello",))


def test_an_emergency_while_waiting_starts_with_the_instruction_not_the_greeting(content):
    channel, report, records = kiosk([say("I can't breathe")], content)
    spoken = channel.spoken()
    first_spoken = next(s for s in channel.sessions()[0] if s.kind in ("say", "emergency"))
    assert first_spoken.kind == "emergency" and first_spoken.text == content.speech["emergency"]
    assert content.speech["greeting"] not in spoken
    assert records[0].disposition == "emergency" and records[0].emergency
    assert report.emergencies == 1


def test_walking_away_mid_session_gets_a_short_goodbye_with_safety_net_advice(content):
    config = parse_config("[timeouts]\nlisten = 8\nidle = 20\n")
    channel, report, records = kiosk([say("hello"), say("yes"), SILENCE, SILENCE, SILENCE, say("hello"),
                                      say("no")], content, config, max_sessions=2)
    first = spoken_in(channel.sessions()[0])
    assert first[-3:] == [config.texts.idle_goodbye, content.speech["safety_net"], config.texts.goodbye]
    assert content.speech["too_many_silences"] not in first  # the kiosk's goodbye, not the session's long one
    assert records[0].ending == "idle" and records[0].disposition == "incomplete"
    assert report.endings["idle"] == 1
    # the next person starts clean
    assert spoken_in(channel.sessions()[1])[:2] == opening(content)


def test_the_invitation_is_spoken_at_its_interval_and_only_while_waiting(content):
    config = parse_config("[timeouts]\nlisten = 10\n[wake]\ninvitation_interval = 60\n")
    channel, report, _ = kiosk([SILENCE] * 13 + [say("hello"), say("no")] + [SILENCE] * 7, content, config,
                               max_sessions=1)
    invitations = [i for i, s in enumerate(channel.log) if s.kind == "say" and s.text == config.wake.invitation]
    assert report.invitations == len(invitations) == 2  # at 60 s and 120 s of the 130 s wait
    assert all(i < next(j for j, s in enumerate(channel.log) if s.kind == "new_person") for i in invitations)


def test_the_invitation_comes_on_time_even_when_it_falls_inside_a_listen(content):
    config = parse_config("[timeouts]\nlisten = 8\n[wake]\ninvitation_interval = 20\n")
    clock = FakeClock(start=0.0)
    times = []
    channel = ScriptedChannel([SILENCE] * 10, clock)
    channel.fail_say = lambda text: times.append(clock.now()) if text == config.wake.invitation else None
    run_kiosk(config, lambda: channel, clock, content=content, stop=channel.stop)
    assert times == [20.0, 40.0, 60.0]
    assert [round(l.timeout_s) for l in channel.listens[:4]] == [8, 8, 4, 8]


def test_no_invitation_by_default(content):
    channel, report, _ = kiosk([SILENCE] * 50, content)
    assert report.invitations == 0 and channel.spoken() == []


@pytest.mark.parametrize("persist", [False, True])
def test_voice_adjustments_persist_across_sessions_only_when_the_owner_allows(content, persist):
    config = parse_config(f"[voice]\npersist_adjustments = {str(persist).lower()}\n")
    rates = []
    channel = None

    def script_item(listening):
        rates.append(channel.settings.rate)
        return say("repeat")

    clock = FakeClock()
    channel = ScriptedChannel([say("hello"), say("slower"), say("slower"), say("stop"), say("hello"), script_item,
                               say("stop")], clock)
    run_kiosk(config, lambda: channel, clock, content=content, options=KioskOptions(max_sessions=2),
              stop=channel.stop)
    slowed = channel.base.rate - 2 * 25
    assert rates == [slowed if persist else channel.base.rate]


def test_every_session_gets_its_own_new_session_object(content):
    made = []

    def factory():
        session = Triage(content)
        made.append(weakref.ref(session))
        return session

    channel, report, _ = kiosk([say("hello"), say("yes"), say("my calf cramps"), say("stop")] * 3, content,
                               session_factory=factory, max_sessions=3)
    assert report.sessions == 3
    assert len(made) >= 3
    channel.listens.clear()  # the test's own record of each Listening refers to its session's emergency check
    gc.collect()  # a Triage (its Session and transitions Machine) refer to each other: freed by the cycle collector
    alive = [r() for r in made if r() is not None]
    assert len({id(s) for s in alive}) == len(alive)  # none shared
    assert len(alive) <= 1  # finished sessions are not kept (at most the one made for the next person)


def until_end(content, texts: list[str], then: str = "no") -> list[str]:
    """`texts`, then `then` as often as a session needs to reach its end (found with a throwaway Triage)."""
    session, used = Triage(content), []
    session.start()
    for text in texts:
        session.hear(text)
        used.append(text)
    while not session.ended:
        session.hear(then)
        used.append(then)
    return used


def test_the_second_person_hears_nothing_of_the_first(content):
    answers = until_end(content, ["yes", "my calf cramps after two blocks", "no", "no", "no", "no", "no", "no",
                                  "no", "yes", "yes", "yes"])
    first = [say("hello")] + [say(t) for t in answers]
    channel, report, records = kiosk(first + [say("start"), say("go back"), say("repeat"), say("stop")], content,
                                     max_sessions=2)
    one, two = channel.sessions()[:2]
    assert records[0].ending == "completed" and records[0].disposition != "incomplete"
    assert spoken_in(two)[:2] == opening(content)
    assert content.speech["back_at_start"] in spoken_in(two)  # no history carried over
    assert records[1].turns == 3 and records[1].disposition == "incomplete"
    summary = [t for t in spoken_in(one) if "sign of" in t.lower()]
    assert summary and not set(summary) & set(spoken_in(two))


def test_the_session_log_is_off_by_default_and_keeps_no_transcript_unless_asked(content, tmp_path):
    path = tmp_path / "log" / "sessions.jsonl"
    script = [say("hello"), say("yes"), say("my chest hurts")]
    kiosk(script, content)
    assert not path.exists()
    kiosk(script, content, parse_config(f'[logging]\nsession_log = "{path}"\n'))
    line = json.loads(path.read_text().splitlines()[0])
    assert set(line) == {"time", "ending", "disposition", "emergency", "turns", "duration_s", "waited_s"}
    assert line["disposition"] == "emergency" and line["emergency"] is True and line["turns"] == 2
    assert "chest" not in path.read_text()
    kiosk(script, content, parse_config(f'[logging]\nsession_log = "{path}"\ntranscripts = true\n'))
    line = json.loads(path.read_text().splitlines()[1])
    assert line["transcript"] == ["yes", "my chest hurts"]


def test_not_understood_and_silence_reach_the_session(content):
    from voice_triage.dialogue.policy import DEFAULT as POLICY

    channel, _, records = kiosk([say("hello")] + [NOISE] * POLICY.max_failures, content)
    assert content.speech["too_many_failures"] in channel.spoken()
    assert records[0].turns == POLICY.max_failures
