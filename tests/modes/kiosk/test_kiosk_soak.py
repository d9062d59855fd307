"""The kiosk under load (issue 5): property-based runs of the loop, and a 1,000-session soak in one process.

Both feed the real Triage through a scripted channel on a fake clock (no sleeping), with mixed
input: answers, free speech, nonsense, silences, commands, key presses, emergencies (in a session
and while waiting), people who walk away, and now and then a recognizer that raises.
"""
from __future__ import annotations

import gc
import json
import logging
import random
import threading
import time
import tracemalloc
import weakref
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk_fakes import NOISE, SILENCE, FakeClock, ScriptedChannel, key, say, spoken_in
from voice_triage.dialogue.policy import DEFAULT as POLICY
from voice_triage.dialogue.triage import Triage
from voice_triage.modes.kiosk.alert import StaffAlert
from voice_triage.modes.conversation import Heard
from voice_triage.recognition.plan import ListeningPlan as Listening
from voice_triage.modes.kiosk.config import AlertConfig, parse_config
from voice_triage.modes.kiosk.loop import KioskOptions, run_kiosk
from voice_triage.content.loader import load_content
from voice_triage.speech.settings import VoiceSettings

ANSWERS = ["yes", "no", "I'm not sure", "yeah", "nope", "maybe", "I don't know", "yes it does", "no it doesn't"]
FREE = ["my calf cramps when I walk and it stops when I rest", "it shoots down from my lower back",
        "my shin hurts after running", "both legs feel heavy and sitting helps", "the ache comes the next day"]
NONSENSE = ["banana", "the weather is nice today", "purple monkey dishwasher", "uh", "what time is the bus",
            "hello", "start", "la la la"]
COMMANDS = ["repeat", "help", "go back", "start over", "slower", "faster", "louder", "quieter", "wait", "skip",
            "stop"]
EMERGENCIES = ["I can't breathe", "my chest hurts", "I have chest pain", "I'm short of breath"]
KEYS = list("ynrh?s") + ["x", "7"]
DISPOSITIONS = {"emergency", "urgent", "see_doctor", "self_care", "incomplete"}


@pytest.fixture(scope="module")
def content():
    return load_content()


class CountingAlert(StaffAlert):
    """Counts alerts instead of starting threads (the real alert is tested in test_kiosk_faults)."""

    def __init__(self):
        super().__init__(AlertConfig(command="true"))
        self.fired = Counter()

    def fire(self, reason, when):
        self.fired[reason] += 1
        return None


# ------------------------------------------------------------------ property-based

heard_items = st.one_of(
    st.sampled_from(ANSWERS + FREE + NONSENSE + COMMANDS).map(say),
    st.sampled_from(EMERGENCIES).map(say),
    st.sampled_from(KEYS).map(key),
    st.just(SILENCE),
    st.just(NOISE),
    st.text(alphabet="abcdefghij klmnop'?", max_size=20).map(say),
    st.floats(0, 1).map(lambda c: say("yes", c)),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(script=st.lists(heard_items, max_size=80), persist=st.booleans())
def test_any_input_to_the_kiosk_ends_every_session_and_never_raises(content, script, persist):
    config = parse_config(f"[voice]\npersist_adjustments = {str(persist).lower()}\n"
                          "[alert]\ncommand = \"true\"\n")
    clock = FakeClock()
    channel = ScriptedChannel([say("hello")] + list(script), clock)
    alert = CountingAlert()
    records = []
    report = run_kiosk(config, lambda: channel, clock, content=content, alert=alert, stop=channel.stop,
                       on_session_end=records.append)

    assert report.sessions >= 1 and report.ended == report.sessions == len(records)
    assert report.endings["error"] == 0
    opening = Triage(content).start().says
    for record, session in zip(records, channel.sessions()):
        assert record.disposition in DISPOSITIONS
        listens = [s for s in session if s.kind == "listen"]
        assert len([s for s in listens if s.text != "wake"]) <= POLICY.max_turns + 10
        spoken = spoken_in(session)
        # every session starts clean: with the greeting, or with the emergency instruction
        assert spoken[:2] == opening or spoken[0] == content.speech["emergency"]
        if record.emergency:
            # the instruction comes first in its turn, and the questions stop at once
            at = next(i for i, s in enumerate(session) if s.kind == "emergency")
            assert session[at].text == content.speech["emergency"]
            assert all(s.text == "wake" for s in session[at:] if s.kind == "listen")
            assert record.disposition == "emergency"
        else:
            # every other ending carries the safety-net advice
            assert content.speech["safety_net"] in spoken
    assert alert.fired.total() == report.emergencies == sum(r.emergency for r in records)


@settings(max_examples=60, deadline=None)
@given(script=st.lists(heard_items, min_size=1, max_size=40), at=st.integers(0, 39))
def test_an_emergency_at_any_point_ends_the_questions_at_once(content, script, at):
    script = list(script)
    script.insert(min(at, len(script)), say("I can't breathe"))
    clock = FakeClock()
    channel = ScriptedChannel([say("hello")] + script, clock)
    records = []
    run_kiosk(parse_config(""), lambda: channel, clock, content=content, stop=channel.stop,
              on_session_end=records.append, alert=CountingAlert())
    # wherever it fell (a session, or the wait between two), "I can't breathe" ended a session as an emergency
    emergency_sessions = [s for s in channel.sessions() if any(x.kind == "heard" and x.text == "I can't breathe"
                                                              for x in s)]
    assert emergency_sessions
    for session in emergency_sessions:
        at_heard = next(i for i, x in enumerate(session) if x.kind == "heard" and x.text == "I can't breathe")
        after = [x for x in session[at_heard + 1:] if x.kind in ("say", "emergency", "listen")]
        assert after[0].kind == "emergency" and after[0].text == content.speech["emergency"]
        assert all(x.text == "wake" for x in after if x.kind == "listen")


# ------------------------------------------------------------------ the soak

PERSONAS = ("completer", "talker", "nonsense", "walks_away", "commands", "emergency", "keys", "decliner",
            "mixed", "idle_emergency")


class SoakDriver:
    """Decides, listen by listen, what a stream of random people say (and now and then raises, like a recognizer)."""

    def __init__(self, rng: random.Random, content):
        self.rng = rng
        self.content = content
        self.persona = "completer"
        self.steps = 0
        self.faults = 0

    def pick(self, items):
        return items[self.rng.randrange(len(items))]

    def __call__(self, listening: Listening) -> Heard:
        rng = self.rng
        if rng.random() < 0.002:
            self.faults += 1
            raise RuntimeError("injected recognizer fault")
        if listening.question == "wake":
            roll = rng.random()
            if roll < 0.3:
                return SILENCE
            if roll < 0.4:
                return say(self.pick(["what is this", "is it working", "banana"]))
            self.persona = self.pick(PERSONAS)
            self.steps = 0
            if self.persona == "idle_emergency":
                return say(self.pick(EMERGENCIES))
            return key(self.pick(KEYS)) if rng.random() < 0.3 else say(self.pick(["hello", "start", "hello there"]))
        self.steps += 1
        return self.answer(listening.question)

    def answer(self, question: str) -> Heard:
        rng, persona = self.rng, self.persona
        if persona == "walks_away" and self.steps > rng.randrange(1, 6):
            return SILENCE
        if persona == "decliner":
            return say("no") if question == "consent" else SILENCE
        if persona == "emergency" and self.steps > rng.randrange(1, 12):
            return say(self.pick(EMERGENCIES))
        if persona == "keys":
            return key(self.pick(list("yn?") * 6 + list("rhx") + (["s"] if self.steps > 20 else [])))
        if persona == "nonsense":
            return NOISE if rng.random() < 0.4 else say(self.pick(NONSENSE))
        if persona == "commands" and rng.random() < 0.5:
            return say(self.pick(COMMANDS))
        if persona == "mixed":
            return self.pick([say(self.pick(ANSWERS)), say(self.pick(COMMANDS[:-1])), SILENCE, NOISE,
                              key(self.pick(KEYS)), say(self.pick(FREE))])
        if question == "consent":
            return say("yes")
        if question == "open":
            return say(self.pick(FREE))
        if persona == "talker" and rng.random() < 0.3:
            return say(self.pick(FREE))
        if question in self.content.screening and rng.random() < 0.9:
            return say(self.pick(["no", "nope", "no it doesn't"]))  # most people have no red flag
        return say(self.pick(ANSWERS))


SOAK_SESSIONS = 1000


def test_soak_1000_sessions_in_one_kiosk(content, tmp_path, capsys):
    rng = random.Random(20261126)
    clock = FakeClock()
    stop = threading.Event()
    base = VoiceSettings()
    driver = SoakDriver(rng, content)
    channel = ScriptedChannel([], clock, stop=stop, keep_log=False)
    channel.script = _Endless(driver)
    config = parse_config(f'[logging]\nsession_log = "{tmp_path}/sessions.jsonl"\nmax_bytes = 8192\nbackups = 2\n'
                          '[alert]\ncommand = "true"\n')
    alert = CountingAlert()
    opening = tuple(Triage(content).start().says)

    holder: dict = {}
    problems: list[str] = []
    memory: dict[int, int] = {}

    def session_factory():
        previous = holder.get("ref")
        session = Triage(content)
        if previous is not None and previous() is session:
            problems.append("a Triage was reused")
        holder["ref"] = weakref.ref(session)
        holder["current"] = session
        return session

    said_in_session: list[str] = []
    real_say, real_emergency = channel.say, channel.say_emergency

    def say_(text):
        said_in_session.append(text)
        real_say(text)

    def emergency_(text):
        said_in_session.append(text)
        real_emergency(text)

    channel.say, channel.say_emergency = say_, emergency_
    original_new_person = channel.new_person

    def new_person(reset_voice):
        said_in_session.clear()
        original_new_person(reset_voice)
        if not reset_voice or channel.settings != base:  # the owner did not allow adjustments to persist
            problems.append("the voice was not reset for a new person")

    channel.new_person = new_person
    ended = [0]

    def on_end(record):
        ended[0] += 1
        n = ended[0]
        session = holder["current"]
        if not session.ended:
            problems.append(f"session {n} did not end")
        if record.ending != "error" and not (tuple(said_in_session[:2]) == opening
                                             or said_in_session[:1] == [content.speech["emergency"]]):
            problems.append(f"session {n} did not start clean: {said_in_session[:2]}")
        if driver.persona == "decliner" and record.ending == "completed" and session.result.answers:
            problems.append(f"session {n} (declined at once) knew answers: {session.result['answers']}")
        if n in (1, 100, SOAK_SESSIONS):
            gc.collect()
            memory[n] = tracemalloc.get_traced_memory()[0]

    # pytest keeps every captured log record (with its traceback): count them here instead, so the
    # figure is the kiosk's own memory and not the test harness's.
    counted = _CountingHandler()
    package_logger = logging.getLogger("voice_triage")
    package_logger.addHandler(counted)
    package_logger.propagate = False
    started = time.perf_counter()
    tracemalloc.start()
    try:
        report = run_kiosk(config, lambda: channel, clock, content=content, alert=alert, stop=stop,
                           session_factory=session_factory, options=KioskOptions(max_sessions=SOAK_SESSIONS),
                           on_session_end=on_end)
    finally:
        tracemalloc.stop()
        package_logger.removeHandler(counted)
        package_logger.propagate = True
    elapsed = time.perf_counter() - started
    growth = memory[SOAK_SESSIONS] - memory[100]
    with capsys.disabled():
        print(f"\nsoak: {report.sessions} sessions in {elapsed:.1f} s; endings {dict(report.endings)}; "
              f"dispositions {dict(report.dispositions)}; emergencies {report.emergencies}; "
              f"injected recognizer faults {driver.faults}; problems {len(problems)}; "
              f"traced memory after session 1: {memory[1] / 1024:.0f} KiB, after session 100: "
              f"{memory[100] / 1024:.0f} KiB, after session {SOAK_SESSIONS}: {memory[SOAK_SESSIONS] / 1024:.0f} KiB "
              f"(growth over the last {SOAK_SESSIONS - 100}: {growth / 1024:+.0f} KiB)")
    assert problems == []
    assert report.sessions == report.ended == SOAK_SESSIONS
    assert report.endings["error"] + report.waiting_errors == driver.faults == counted.by_level["ERROR"]
    assert sum(report.endings.values()) == SOAK_SESSIONS
    assert report.emergencies == alert.fired.total() > 50
    assert report.endings["idle"] > 20 and report.endings["completed"] > 500
    assert set(report.dispositions) <= DISPOSITIONS and len(report.dispositions) >= 4
    assert growth < 256 * 1024, f"memory grew by {growth} bytes over {SOAK_SESSIONS - 100} sessions"
    logs = sorted(p.name for p in tmp_path.iterdir())
    assert logs == ["sessions.jsonl", "sessions.jsonl.1", "sessions.jsonl.2"]  # rotated, two backups kept
    assert all(p.stat().st_size <= 8192 for p in tmp_path.iterdir())
    for path in tmp_path.iterdir():
        for line in path.read_text().splitlines():
            assert set(json.loads(line)) == {"time", "ending", "disposition", "emergency", "turns", "duration_s",
                                             "waited_s"}


class _CountingHandler(logging.Handler):
    """Counts log records by level and keeps none of them."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.by_level = Counter()

    def emit(self, record):
        self.by_level[record.levelname] += 1


class _Endless(list):
    """A never-empty script whose every item is the soak driver."""

    def __init__(self, driver):
        super().__init__([driver])
        self.driver = driver

    def pop(self, index=-1):
        return self.driver
