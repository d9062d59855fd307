"""The voice channel of every voice mode (modes/voice.py) on stand-in devices, the kiosk over it, and the\nterminal keyboard reader (modes/keys.py)."""
from __future__ import annotations

import contextlib
import io
import os
import queue
import time

import pytest

from tests.modes.kiosk.kiosk_fakes import FakeClock
from voice_triage.audio.sinks import Pcm, RecordingSink
from voice_triage.errors import AudioDeviceError, SpeechOutputError
from voice_triage.modes.conversation import Heard, HeardKind
from voice_triage.modes.keys import (REPEAT_S, STALE_CAPTION, AutoRepeat, NoKeys, TerminalKeys, Verdict,
                                      open_keys)
from voice_triage.modes.kiosk.config import KioskConfig
from voice_triage.modes.kiosk.loop import KioskOptions, run_kiosk
from voice_triage.modes.voice import CLEAR_SCREEN, VoiceChannel
from voice_triage.content.loader import load_content
from voice_triage.recognition.base import Recognition
from voice_triage.recognition.plan import ListeningPlan
from voice_triage.speech.captions import Captions
from voice_triage.speech.output import SpeechOutput, sentences
from voice_triage.speech.settings import VoiceSettings


@pytest.fixture(scope="module")
def content():
    return load_content()


class FakeListener:
    """Stands in for recognition.listener.Listener: each chunk of the source is a partial hypothesis, the last
    the final text ("???": not understood); records the plans."""

    def __init__(self):
        self.plans = []
        self.closed = False

    def listen(self, source, plan):
        self.plans.append(plan)
        last = None
        for chunk in source.chunks():
            if isinstance(chunk, Exception):
                raise chunk
            if plan.watch.stops(chunk):
                return Recognition(chunk, 0.0, False, "fake", heard=chunk, partial=True)
            last = chunk
        if last is None:
            return None
        if last == "???":
            return Recognition.not_understood("fake", heard="mumble")
        return Recognition(last, 0.9, True, "fake", heard=last)

    def close(self):
        self.closed = True


class Synth:
    name = "tone"

    def __init__(self, fail_on: str | None = None):
        self.fail_on = fail_on
        self.rendered: list[tuple[str, VoiceSettings]] = []

    def render(self, text, settings):
        if self.fail_on is not None and self.fail_on in text:
            raise SpeechOutputError("The speech engine failed.")
        self.rendered.append((text, settings))
        return Pcm(b"\x10\x00" * 8, 16000)

    def close(self):
        pass


class FakeKeys:
    def __init__(self):
        self.queue: queue.Queue[str] = queue.Queue()
        self.closed = False

    def press(self, k):
        self.queue.put(k)

    def get_key(self):
        try:
            return self.queue.get_nowait()
        except queue.Empty:
            return None

    def take(self):
        key = self.get_key()
        return None if key is None else Heard.key_press(key)

    def drain(self):
        while self.get_key() is not None:
            pass

    def showing(self):
        self.drain()

    def stale(self):
        return []

    def close(self):
        self.closed = True


class Microphone:
    """A "source" whose chunks are partial hypotheses; a key may be pressed after the first one."""

    def __init__(self, answers, keys=None):
        self.answers = list(answers)
        self.opened = 0
        self.keys = keys

    @contextlib.contextmanager
    def factory(self, plan):
        self.opened += 1
        answer = self.answers.pop(0) if self.answers else None
        if isinstance(answer, Exception):
            raise answer
        yield Chunks(answer, self.keys)


class Chunks:
    def __init__(self, answer, keys):
        self.answer = answer
        self.keys = keys

    def chunks(self):
        if self.answer is None:
            return
        partials, final, press = (self.answer if isinstance(self.answer, tuple) else ((), self.answer, None))
        for i, partial in enumerate(list(partials) + [final]):
            if press is not None and i == 1:
                self.keys.press(press)
            yield partial


def voice_channel(answers, *, synth=None, keys=None, out=None):
    keys = keys or FakeKeys()
    mic = Microphone(answers, keys)
    captions = Captions(out or io.StringIO(), "plain")
    speech = SpeechOutput(synth or Synth(), RecordingSink(), captions, VoiceSettings())
    return VoiceChannel(speech, FakeListener(), mic.factory, keys=keys), mic, keys


class Watch:
    """The emergency judge as the listener sees it: `check` says when a partial stops listening."""

    def __init__(self, check):
        self.stops = check

    def names(self, text):
        return False


def listening(question="consent", grammar=("yes", "no"), check=lambda text: False):
    return ListeningPlan(question, grammar, watch=Watch(check), timeout_s=8.0)


def test_speech_silence_and_not_understood():
    channel, mic, _ = voice_channel(["yes", None, "???"])
    heard = channel.listen(listening())
    assert (heard.kind, heard.text, heard.recognition.confidence) == (HeardKind.SPEECH, "yes", 0.9)
    assert channel.listen(listening()).kind is HeardKind.SILENCE
    mumbled = channel.listen(listening())
    assert mumbled.kind is HeardKind.SPEECH and not mumbled.recognition.understood and mumbled.text == "mumble"
    assert [p.phrases for p in channel.listener.plans] == [("yes", "no")] * 3


def test_an_emergency_in_a_partial_stops_listening_at_once(content):
    from voice_triage.understanding.interpret import Interpreter
    from voice_triage.understanding.judge import Judge

    judge = Judge(Interpreter(content))
    channel, _, _ = voice_channel([(["my leg", "my chest hurts"], "my chest hurts and my leg", None)])
    heard = channel.listen(listening(check=lambda text: judge.emergency(text) is not None))
    assert heard.recognition.partial and heard.text == "my chest hurts"


def test_a_key_pressed_while_listening_ends_the_listen():
    channel, mic, keys = voice_channel([(["uh"], "well maybe", "y")])
    heard = channel.listen(listening())
    assert (heard.kind, heard.text) == (HeardKind.KEY, "y")


def test_a_key_pressed_before_listening_does_not_open_the_microphone():
    channel, mic, keys = voice_channel(["yes"])
    keys.press("n")
    assert channel.listen(listening()).text == "n" and mic.opened == 0


def test_a_new_person_gets_a_clear_screen_a_reset_voice_and_no_old_keys():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    out = Tty()
    channel, _, keys = voice_channel([], out=out)
    channel.adjust("slower")
    channel.say("Your answers point most to a calf problem.")
    keys.press("y")
    channel.new_person(reset_voice=True)
    assert out.getvalue().endswith(CLEAR_SCREEN)
    assert channel.speech.settings == VoiceSettings() and channel.speech.spoken == []
    assert keys.get_key() is None
    channel.adjust("louder")
    channel.new_person(reset_voice=False)
    assert channel.speech.settings.volume == 1.0


def test_tts_failing_falls_back_to_captions_and_the_session_goes_on(content):
    """Fault: TTS raising (SpeechOutputError) inside the real speech output. Heard: nothing more; shown: all."""
    out = io.StringIO()
    synth = Synth(fail_on="I will ask you")
    channel, mic, _ = voice_channel([None, "hello", "no"], synth=synth, out=out)
    stop_after_one = KioskOptions(max_sessions=1)
    records = []
    run_kiosk(KioskConfig(), lambda: channel, FakeClock(), content=content, options=stop_after_one,
              on_session_end=records.append)
    assert [t for t, _ in synth.rendered] == sentences(content.speech["greeting"])  # spoken before the failure
    assert "From now on the assistant shows captions only" in out.getvalue()
    assert content.speech["consent_declined"] in out.getvalue() and records[0].ending == "completed"
    assert not channel.healthy()  # the kiosk reopens the devices before the next person


def test_a_voice_that_fell_back_to_captions_is_reopened_before_the_next_person(content):
    broken, _, _ = voice_channel(["hello", "no"], synth=Synth(fail_on="I will ask you"))
    fresh, _, _ = voice_channel(["hello", "no"])
    channels = [broken, fresh]
    report = run_kiosk(KioskConfig(), lambda: channels.pop(0), FakeClock(), content=content,
                       options=KioskOptions(max_sessions=2))
    assert report.sessions == 2 and report.device_losses == 1 and broken._closed
    assert fresh.speech.spoken[0] == content.speech["greeting"] and fresh.healthy()


def test_the_recognizer_raising_through_the_voice_channel_gets_an_apology(content):
    out = io.StringIO()
    channel, _, _ = voice_channel(["hello", (["ye"], RuntimeError("pocketsphinx: decoder error"), None)], out=out)
    records = []
    run_kiosk(KioskConfig(), lambda: channel, FakeClock(), content=content, options=KioskOptions(max_sessions=1),
              on_session_end=records.append)
    said = channel.speech.spoken
    assert said[-3:] == [KioskConfig().texts.apology, content.speech["safety_net"], KioskConfig().texts.goodbye]
    assert records[0].ending == "error"


def test_the_microphone_vanishing_through_the_voice_channel_is_reopened(content):
    clock = FakeClock()
    first, _, _ = voice_channel(["hello", AudioDeviceError("The microphone is gone.")])
    second, _, _ = voice_channel(["start", "no"])
    channels = [first, second]
    records = []
    report = run_kiosk(KioskConfig(), lambda: channels.pop(0), clock, content=content,
                       options=KioskOptions(max_sessions=2), on_session_end=records.append)
    assert first.speech.spoken[-3:] == [KioskConfig().texts.device_lost, content.speech["safety_net"],
                                        KioskConfig().texts.goodbye]
    assert first._closed and report.device_losses == 1
    assert [r.ending for r in records] == ["device", "completed"]


# ------------------------------------------------------------------ the terminal keyboard

def test_keys_are_read_from_a_terminal_without_blocking():
    master, slave = os.openpty()
    keys = TerminalKeys(slave)
    try:
        assert keys.get_key() is None  # nothing pressed: returns at once
        os.write(master, b"y?\x1b")
        deadline = time.monotonic() + 3
        got = []
        while len(got) < 2 and time.monotonic() < deadline:
            k = keys.get_key()
            if k is None:
                time.sleep(0.01)
            else:
                got.append(k)
        assert got == ["y", "?"]  # the escape character is not a key
    finally:
        keys.close()
        os.close(master)
        os.close(slave)


@pytest.mark.parametrize("stdin", [io.StringIO("y\n"), None, "devnull"])
def test_a_non_terminal_stdin_gives_no_keyboard_and_breaks_nothing(stdin):
    if stdin == "devnull":
        with open(os.devnull) as fh:
            keys = open_keys(fh)
    else:
        keys = open_keys(stdin)
    assert isinstance(keys, NoKeys) and keys.take() is None
    keys.drain()
    keys.close()


def _until_queued(keys, n=1, seconds=3.0):
    deadline = time.monotonic() + seconds
    while keys._queue.qsize() < n and time.monotonic() < deadline:
        time.sleep(0.005)
    assert keys._queue.qsize() >= n, "the key thread did not queue the key"


@contextlib.contextmanager
def terminal_keys():
    master, slave = os.openpty()
    keys = TerminalKeys(slave)
    try:
        yield keys, master
    finally:
        keys.close()
        os.close(master)
        os.close(slave)


def judged(stream, now=None):
    """The keys of `stream` ([(key, pressed at)]) that AutoRepeat takes as presses, judged as the terminal does:
    each with the key after it, if any, at `now` (default: long after the last)."""
    repeats, taken = AutoRepeat(), []
    now = stream[-1][1] + 10 if now is None else now
    for i, (key, at) in enumerate(stream):
        verdict = repeats.judge(key, at, stream[i + 1] if i + 1 < len(stream) else None, now)
        if verdict is Verdict.WAIT:
            taken.append("wait")
            break
        if verdict is Verdict.PRESS:
            taken.append((key, at))
    return taken


def test_a_held_key_is_one_press_and_a_quick_second_press_is_a_press():
    held = [("n", 20.0)] + [("n", 20.5 + i * 0.033) for i in range(30)]  # a press, a 0.5 s delay, then 30 per second
    assert judged(held) == [("n", 20.0)]
    slow_start = [("n", 20.0)] + [("n", 20.66 + i * 0.04) for i in range(20)]  # X's default: 660 ms, 25 per second
    assert judged(slow_start) == [("n", 20.0)]
    assert judged([("n", 10.0), ("N", 10.01)]) == [("n", 10.0)]  # the same key at once, upper or lower case
    for gap in (0.1, 0.15, 0.3, 0.6, 1.5):  # a person's second press: a new press, however soon
        assert judged([("n", 10.0), ("n", 10.0 + gap)]) == [("n", 10.0), ("n", 10.0 + gap)], gap
    assert judged([("n", 10.0), ("y", 10.01), ("n", 10.02)]) == [("n", 10.0), ("y", 10.01), ("n", 10.02)]
    # a second press within HOLD_S may be a held key's first repeat: known when more of it comes, or REPEAT_S on
    assert judged([("n", 10.0), ("n", 10.3)], now=10.3 + REPEAT_S / 2) == [("n", 10.0), "wait"]
    assert judged([("n", 10.0), ("n", 10.3)], now=10.3 + REPEAT_S) == [("n", 10.0), ("n", 10.3)]
    repeats = AutoRepeat()
    assert repeats.judge("n", 5.0, None, 6.0) is Verdict.PRESS
    repeats.forget()  # a new person: nothing before
    assert repeats.judge("n", 5.01, None, 6.0) is Verdict.PRESS


def test_the_terminal_takes_keys_of_one_read_of_the_same_key_once_and_two_keys_both():
    with terminal_keys() as (keys, master):
        os.write(master, b"nn")  # one read: the two arrive together, as a held key's repeats do
        _until_queued(keys, 2)
        assert keys.get_key() == "n" and keys.get_key() is None
        os.write(master, b"yn")
        _until_queued(keys, 2)
        assert [keys.get_key(), keys.get_key()] == ["y", "n"]


def test_keys_pressed_before_a_sentence_is_shown_answer_nothing_asked_after_it():
    out = io.StringIO()
    with terminal_keys() as (keys, master):
        channel, mic, _ = voice_channel(["yes"], keys=keys, out=out)
        os.write(master, b"n")  # pressed while "Thank you" was on the screen
        _until_queued(keys)
        channel.say("Are you having any trouble breathing?")
        heard = channel.listen(listening("breathlessness"))
        assert (heard.kind, heard.text, mic.opened) == (HeardKind.SPEECH, "yes", 1)
        assert f"Key n: {STALE_CAPTION}" in out.getvalue()  # and the person is told so
        os.write(master, b"y")  # pressed while the question is on the screen: the answer
        _until_queued(keys)
        assert channel.listen(listening("breathlessness")).text == "y" and mic.opened == 1


class Quiet:
    """A microphone in a quiet room for `seconds`: the voice channel looks at the keys before each chunk."""

    def __init__(self, seconds: float = 5.0):
        self.seconds = seconds
        self.opened = 0

    @contextlib.contextmanager
    def factory(self, plan):
        self.opened += 1
        yield self

    def chunks(self):
        until = time.monotonic() + self.seconds
        while time.monotonic() < until:
            time.sleep(0.01)
            yield None  # nothing heard (FakeListener: silence)


def quiet_channel(keys, out, seconds=5.0):
    quiet = Quiet(seconds)
    speech = SpeechOutput(Synth(), RecordingSink(), Captions(out, "plain"), VoiceSettings())
    return VoiceChannel(speech, FakeListener(), quiet.factory, keys=keys), quiet


def press(master, keys, key: bytes) -> float:
    """Type `key` and wait until the key thread has it; returns a time no earlier than its press stamp."""
    queued = keys._queue.qsize()
    os.write(master, key)
    _until_queued(keys, queued + 1)
    return time.monotonic()


def test_a_quick_same_key_answer_after_the_question_was_shown_is_taken():
    """"n" to chest pain, then "n" 0.15 s later, after the breathing question was shown: a person who knows the
    questions answering quickly. It is taken (the 0.5 s double-press rule dropped it)."""
    out = io.StringIO()
    with terminal_keys() as (keys, master):
        channel, quiet = quiet_channel(keys, out)
        channel.say("Do you have chest pain?")
        first = press(master, keys, b"n")
        assert channel.listen(listening("chest_pain")).text == "n"
        channel.say("Are you short of breath?")
        time.sleep(max(0.0, first + 0.15 - time.monotonic()))  # a person's quick press, never a held key's repeat
        press(master, keys, b"n")
        heard = channel.listen(listening("breathlessness"))
        assert (heard.kind, heard.text) == (HeardKind.KEY, "n")
        assert STALE_CAPTION not in out.getvalue()


def test_a_double_press_made_before_the_next_question_was_shown_answers_only_the_first_and_says_so():
    out = io.StringIO()
    with terminal_keys() as (keys, master):
        channel, quiet = quiet_channel(keys, out, seconds=1.0)
        channel.say("Do you have chest pain?")
        first = press(master, keys, b"n")
        time.sleep(max(0.0, first + 0.15 - time.monotonic()))
        press(master, keys, b"n")  # the second press, still on the chest pain question
        assert channel.listen(listening("chest_pain")).text == "n"
        channel.say("Are you short of breath?")
        heard = channel.listen(listening("breathlessness"))  # a second of quiet: the second "n" is not taken
        assert heard.kind is HeardKind.SILENCE
        assert out.getvalue().count(f"Key n: {STALE_CAPTION}") == 1
        press(master, keys, b"y")  # the person answers again
        assert channel.listen(listening("breathlessness")).text == "y"


def test_a_key_held_down_answers_one_question_only():
    """A held "n": the press answers chest pain; its repeats, which go on after the breathing question is shown
    (after the repeat delay, many in one read), are not taken; the next press is."""
    out = io.StringIO()
    with terminal_keys() as (keys, master):
        channel, quiet = quiet_channel(keys, out, seconds=1.0)
        channel.say("Do you have chest pain?")
        first = press(master, keys, b"n")
        assert channel.listen(listening("chest_pain")).text == "n"
        channel.say("Are you short of breath?")
        time.sleep(max(0.0, first + 0.3 - time.monotonic()))  # the repeat delay
        press(master, keys, b"nnnnnnnn")
        assert channel.listen(listening("breathlessness")).kind is HeardKind.SILENCE
        assert STALE_CAPTION not in out.getvalue()  # nothing to tell: the person pressed once
        press(master, keys, b"y")
        assert channel.listen(listening("breathlessness")).text == "y"


class PressingSynth(Synth):
    """A voice that, while saying a sentence containing words of `presses`, has the person press those keys,
    `gap` seconds after the press before (a quick person, never a held key), and read on REPEAT_S longer."""

    def __init__(self, master, keys, presses, gap=0.15):
        super().__init__()
        self.master, self.keys, self.presses, self.gap = master, keys, dict(presses), gap
        self.last = float("-inf")

    def render(self, text, settings):
        for words, pressed in list(self.presses.items()):
            if words in text:
                del self.presses[words]
                for key in pressed:
                    time.sleep(max(0.0, self.last + self.gap - time.monotonic()))
                    self.last = press(self.master, self.keys, bytes([key]))
                time.sleep(REPEAT_S + 0.02)
        return super().render(text, settings)


def run_pressing(content, presses, said):
    """One kiosk session on the terminal keys, with `presses` made while sentences are said and `said` answered
    by voice at each question; returns (the questions the microphone was opened for, the record, the captions)."""
    out = io.StringIO()
    with terminal_keys() as (keys, master):
        synth = PressingSynth(master, keys, presses)
        opened = []

        @contextlib.contextmanager
        def microphone(plan):
            opened.append(plan.question)
            yield Chunks(said.get(plan.question, "stop"), None)

        channel = VoiceChannel(SpeechOutput(synth, RecordingSink(), Captions(out, "plain"), VoiceSettings()),
                               FakeListener(), microphone, keys=keys)
        records = []
        run_kiosk(KioskConfig(), lambda: channel, FakeClock(), content=content, options=KioskOptions(max_sessions=1),
                  on_session_end=records.append)
    assert not synth.presses, "every press was made"
    return opened, records[0], out.getvalue()


SAID = {"wake": "hello", "consent": "yes", "open": "my calf hurts when I walk", "more": "no",
        "breathlessness": "yes I am short of breath"}


def test_a_double_press_of_no_while_chest_pain_is_asked_leaves_the_breathing_question_to_be_answered(content):
    """Both presses of "n" made while the chest pain question is read: the first answers it; the second, made
    before the breathing question was shown, is not taken as "no" to it, and a caption says so. The person then
    says they are short of breath, and that is an emergency."""
    chest = content.questions["chest_pain"].ask.split(". ")[-1][:30]
    opened, record, captions = run_pressing(content, {chest: b"nn"}, SAID)
    assert "chest_pain" not in opened and opened[-1] == "breathlessness"
    assert record.disposition == "emergency"
    assert captions.count(f"Key n: {STALE_CAPTION}") == 1


def test_a_quick_no_to_the_breathing_question_once_it_is_shown_is_taken(content):
    """"n" while chest pain is read, and "n" again 0.15 s later while the breathing question is read (it is on
    the screen): both are answers, so the microphone is not opened for either question."""
    chest = content.questions["chest_pain"].ask.split(". ")[-1][:30]
    breath = content.questions["breathlessness"].ask[:30]
    opened, record, captions = run_pressing(content, {chest: b"n", breath: b"n"}, SAID)
    assert "chest_pain" not in opened and "breathlessness" not in opened
    assert record.disposition != "emergency" and STALE_CAPTION not in captions
