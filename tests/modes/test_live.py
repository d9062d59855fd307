"""The live loop (issue 4): the real Triage driven through scripted listening, the fallbacks, Ctrl-C,
and (marked ``pulse``) the whole loop on virtual PulseAudio devices."""
from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from voice_triage.audio.sinks import Pcm, RecordingSink
from tests.support import sigint_default
from tests.support.virtual import VirtualPatient, pulse_session
from voice_triage.modes.demo import Persona, load_personas
from voice_triage.dialogue.triage import Triage
from voice_triage.errors import AudioDeviceError
from voice_triage.dialogue.events import Heard, ListenEvent
from voice_triage.modes.conversation import ConversationOptions
from voice_triage.modes.live import EXIT_DEVICE, EXIT_INTERRUPTED, EXIT_OK, run_live
from voice_triage.modes.voice import VoiceChannel
from voice_triage.recognition.base import Recognition
from voice_triage.speech.captions import Captions
from voice_triage.speech.output import SpeechOutput, sentences
from voice_triage.speech.settings import VoiceSettings
from voice_triage.modes.wire import to_wire

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PERSONAS = load_personas()


def recognized(text: str, confidence: float = 0.9, understood: bool = True, partial: bool = False) -> Recognition:
    return Recognition(text=text if understood else "", confidence=confidence if understood else 0.0,
                       understood=understood, engine="script", heard=text, partial=partial)


class ToneSynth:
    """One sample per character, remembering each sentence and its settings."""

    name = "tone"

    def __init__(self):
        self.calls: list[tuple[str, VoiceSettings]] = []

    def render(self, text, settings):
        self.calls.append((text, settings))
        return Pcm(b"\x10\x00" * max(1, len(text)), 16000)

    def close(self):
        pass


class Timeline(RecordingSink):
    """A sink that writes "play" into a shared timeline, so half duplex can be checked."""

    def __init__(self, log: list[str]):
        super().__init__()
        self.log = log

    def play(self, audio):
        super().play(audio)
        self.log.append("play")


class ScriptedListener:
    """Stands in for recognition.listener.Listener: the "source" is the answer's text (None: silence, "???":
    not understood, (partials, final): partial hypotheses first). Records each plan it listens with."""

    def __init__(self, consumed: list[str] | None = None):
        self.plans = []
        self.consumed = consumed if consumed is not None else []
        self.closed = False

    def listen(self, source, plan):
        self.plans.append(plan)
        if source is None:
            return None
        if isinstance(source, tuple):
            partials, final = source
            for partial in partials:
                self.consumed.append(partial)
                if plan.watch.stops(partial):
                    return recognized(partial, understood=False, partial=True)
            return recognized(final)
        if source == "???":
            return recognized("", 0.1, understood=False)
        return recognized(source)

    def close(self):
        self.closed = True


def play(answers_for, speech=None, *, log=None, listener=None, options=ConversationOptions(), factory=None):
    """Run the live loop with `answers_for(listen_event)` as the person (the source is the answer's text)."""
    last_listen: dict = {}

    def on_event(event):
        if isinstance(event, ListenEvent):
            last_listen.clear()
            last_listen.update(to_wire(event))

    @contextlib.contextmanager
    def source_factory(plan):
        if log is not None:
            log.append("open")
        try:
            yield answers_for(dict(last_listen))
        finally:
            if log is not None:
                log.append("close")

    speech = speech or speech_for(log)
    listener = listener or ScriptedListener()
    channel = VoiceChannel(speech, listener, factory or source_factory)
    result = run_live(Triage, channel, options, on_event=on_event)
    return result, speech, listener


def speech_for(log=None, out=None, settings=None):
    sink = Timeline(log if log is not None else [])
    return SpeechOutput(ToneSynth(), sink, Captions(out or io.StringIO(), "plain"), settings or VoiceSettings())


def test_a_persona_reaches_its_disposition_and_every_sentence_is_spoken():
    result, speech, _ = play(PERSONAS["pad"].answer)
    assert result.exit_code == EXIT_OK
    assert result.end.disposition == "see_doctor"
    assert result.end.patterns[0] == "pad_claudication"
    said = [e.text for e in result.events if e.event == "say"]
    assert speech.spoken == said
    assert [text for text, _ in speech.synthesizer.calls] == [part for text in said for part in sentences(text)]


def test_half_duplex_the_microphone_is_closed_whenever_the_assistant_speaks():
    log: list[str] = []
    play(PERSONAS["sciatica"].answer, log=log)
    assert log.count("open") > 3
    is_open = False
    for entry in log:
        if entry == "open":
            assert not is_open
            is_open = True
        elif entry == "close":
            is_open = False
        else:
            assert not is_open, "the assistant spoke while the microphone was open"


def test_emergency_in_a_partial_result_stops_listening_and_is_spoken_first_twice_at_full_volume():
    partials = ["my calf", "my calf hurts", "my calf hurts and my chest hurts", "my calf hurts and my chest hurts a lot"]
    consumed = []

    def answers(listen_event):
        if listen_event["question"] == "open":
            return (partials, "the final result must not be waited for")
        return PERSONAS["pad"].answer(listen_event)

    speech = speech_for(settings=VoiceSettings(volume=0.5))
    result, _, _ = play(answers, speech, listener=ScriptedListener(consumed))
    assert result.end.disposition == "emergency"
    first_alarm = next(p for p in partials if Triage().emergency_in(Heard.text_of(p)))
    assert consumed[-1] == first_alarm, "listening went on after the emergency was heard"
    emergency = next(e for e in result.events if e.event == "emergency")
    assert emergency.heard == first_alarm
    calls = speech.synthesizer.calls
    instruction = Triage().content.speech["emergency"]
    # Everything said before the emergency was said at the person's volume; the instruction at full
    # volume, rendered once and played twice, before the other sentences of that turn.
    first_emergency = next(i for i, (text, _) in enumerate(calls) if text == instruction)
    assert calls[first_emergency][1].volume == 1.0
    assert all(s.volume == 0.5 for _, s in calls[:first_emergency])
    assert [text for text, _ in calls].count(instruction) == 1
    turn_start = len(speech.spoken) - len([e for e in result.events[result.events.index(emergency):]
                                           if e.event == "say"]) - 1
    assert speech.spoken[turn_start:turn_start + 2] == [instruction, instruction]


def test_voice_commands_change_the_voice_for_the_rest_of_the_session():
    asked = []

    def answers(listen_event):
        asked.append(listen_event["question"])
        if len(asked) == 2:
            return "slower please"
        if len(asked) == 3:
            return "louder"
        return PERSONAS["soreness"].answer(listen_event)

    speech = speech_for(settings=VoiceSettings(rate=160, volume=0.6))
    result, _, _ = play(answers, speech)
    assert result.end.disposition == "self_care"
    settings = [s for _, s in speech.synthesizer.calls]
    assert settings[0] == VoiceSettings(rate=160, volume=0.6)
    assert settings[-1] == VoiceSettings(rate=135, volume=0.8)
    assert speech.settings == VoiceSettings(rate=135, volume=0.8)


def test_silence_and_not_understood_go_to_their_own_session_paths():
    seen = []

    def answers(listen_event):
        seen.append(listen_event["question"])
        if len(seen) == 3:  # the first red-flag question (the open one takes anything said as an answer)
            return None
        if len(seen) == 4:
            return "???"
        return PERSONAS["stenosis"].answer(listen_event)

    result, _, _ = play(answers)
    heard = [e for e in result.events if e.event == "heard"]
    assert any(e.intent == "not_understood" for e in heard)
    says = [e.text for e in result.events if e.event == "say"]
    assert Triage().content.speech["silence"] in says
    assert seen[2] == seen[3] == seen[4], "silence and not understood re-ask the same question"
    assert result.end.disposition == "see_doctor"


def test_each_question_is_listened_for_with_its_plan():
    result, _, listener = play(PERSONAS["pad"].answer)
    plans = listener.plans
    assert len(plans) == result.listens
    assert [p.question for p in plans if p.phrases is None] == ["open"], "the open question is decoded freely"
    assert all(p.recheck for p in plans if p.phrases is None), "with the emergency phrases decoded again"
    fixed = [p.phrases for p in plans if p.phrases is not None]
    assert all("yes" in g and any("breath" in p for p in g) for g in fixed)


def test_ctrl_c_while_listening_ends_with_the_sessions_goodbye_and_safety_net():
    def answers(listen_event):
        if listen_event["question"] != "consent":
            raise KeyboardInterrupt
        return "yes"

    out = io.StringIO()
    result, speech, _ = play(answers, speech_for(out=out))
    content = Triage().content.speech
    assert result.exit_code == EXIT_INTERRUPTED
    assert result.end.disposition == "incomplete"
    assert content["safety_net"] in speech.spoken and speech.spoken[-1] == content["goodbye"]
    assert "Stopped (Ctrl-C)" in out.getvalue()


def test_a_microphone_that_vanishes_ends_cleanly_with_a_goodbye():
    calls = []

    @contextlib.contextmanager
    def factory(plan):
        calls.append(plan)
        if len(calls) == 3:
            raise AudioDeviceError("The microphone was unplugged.")
        yield PERSONAS["pad"].answer({"question": plan.question})

    out = io.StringIO()
    result, speech, _ = play(None, speech_for(out=out), factory=factory)
    assert result.exit_code == EXIT_DEVICE
    assert "The microphone was unplugged." in out.getvalue()
    assert speech.spoken[-1] == Triage().content.speech["goodbye"]


def test_a_session_that_never_ends_is_stopped_by_the_backstop():
    result, _, _ = play(lambda e: "help", options=ConversationOptions(max_listens=5))
    assert result.listens == 5
    assert result.end.disposition == "incomplete"
    assert to_wire(result.events[-2]) == {"event": "say", "text": Triage().content.speech["goodbye"]}


CTRL_C_APP = textwrap.dedent("""
    import contextlib, sys, time
    from voice_triage.audio.sinks import RecordingSink
    from voice_triage.dialogue.triage import Triage
    from voice_triage.modes.live import run_live
    from voice_triage.modes.voice import VoiceChannel
    from voice_triage.speech import Captions, open_speech_output

    @contextlib.contextmanager
    def microphone(plan):
        print("LISTENING", flush=True)
        yield None

    class Listener:
        def listen(self, source, plan):
            time.sleep(60)  # a person who says nothing; Ctrl-C arrives meanwhile

        def close(self):
            pass

    speech = open_speech_output(sink=RecordingSink(), captions=Captions(sys.stderr, "plain"))
    result = run_live(Triage, VoiceChannel(speech, Listener(), microphone))
    print("SPOKEN", len(speech.sink.clips), flush=True)
    sys.exit(result.exit_code)
""")


def test_sigint_in_a_real_process_exits_cleanly_with_a_goodbye_and_no_traceback():
    proc = subprocess.Popen([sys.executable, "-c", CTRL_C_APP], cwd=ROOT, preexec_fn=sigint_default, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.strip() == "LISTENING"
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == EXIT_INTERRUPTED
    assert "Traceback" not in err
    assert "Stopped (Ctrl-C)" in err
    speech = Triage().content.speech
    assert f"Assistant: {speech['goodbye']}" in err and f"Assistant: {speech['safety_net']}" in err
    spoken = int(out.split("SPOKEN")[1])
    assert spoken >= 5, "the goodbye was not rendered to audio"


# ---------------------------------------------------------------- on virtual PulseAudio devices

pulse = pytest.fixture(scope="session")(pulse_session)


def live_on_virtual_devices(audio, persona: Persona, tmp_path, rate: int = 320):
    """The real live loop on the default (virtual) devices, a flite patient answering into the microphone."""
    from voice_triage.modes.demo import PatientVoice
    from voice_triage.modes.voice import microphone
    from voice_triage.recognition.listener import build_listener
    from voice_triage.speech import open_speech_output

    listener = build_listener()
    out = io.StringIO()
    speech = open_speech_output(VoiceSettings(rate=rate), captions=Captions(out, "plain"))
    assert speech.speaking_aloud, out.getvalue()
    patient = VirtualPatient(audio, persona.answer, PatientVoice(persona.voice, str(tmp_path)).render)
    channel = VoiceChannel(speech, listener, microphone(None))
    with audio.record() as speaker:
        result = run_live(Triage, channel, on_event=patient.on_event)
        patient.wait()
    speech.close()
    return result, speaker, speech, out.getvalue()


@pytest.mark.pulse
@pytest.mark.speech
def test_live_emergency_on_virtual_devices_is_heard_and_spoken_twice(pulse, tmp_path):
    result, speaker, speech, captions = live_on_virtual_devices(pulse, PERSONAS["emergency"], tmp_path)
    assert result.exit_code == EXIT_OK, captions
    assert result.end.disposition == "emergency", captions
    instruction = Triage().content.speech["emergency"]
    assert speech.spoken.count(instruction) == 2
    # The recording of the virtual speaker holds the assistant's speech: most of what was played
    # is above the loudness threshold (pauses between words are not).
    assert speech.seconds_played > 10
    assert speaker.seconds_of_sound() > 0.6 * speech.seconds_played


LIVE_APP = textwrap.dedent("""
    import sys
    from voice_triage.dialogue.triage import Triage
    from voice_triage.modes.conversation import Listening
    from voice_triage.modes.live import run_live
    from voice_triage.modes.voice import VoiceChannel, microphone
    from voice_triage.recognition.listener import build_listener
    from voice_triage.speech import Captions, VoiceSettings, open_speech_output

    def show(event):
        if isinstance(event, Listening):
            print("LISTENING", flush=True)

    listener = build_listener()
    speech = open_speech_output(VoiceSettings(rate=300), captions=Captions(sys.stderr, "plain"))
    print("SPEAKING" if speech.speaking_aloud else "CAPTIONS", flush=True)
    result = run_live(Triage, VoiceChannel(speech, listener, microphone(None)), on_event=show)
    sys.exit(result.exit_code)
""")


@pytest.mark.pulse
@pytest.mark.speech
def test_ctrl_c_on_virtual_devices_speaks_the_goodbye_and_exits_cleanly(pulse):
    """The real app on the default devices; SIGINT while it listens; the goodbye is heard on the speaker."""
    proc = subprocess.Popen([sys.executable, "-c", LIVE_APP], cwd=ROOT, preexec_fn=sigint_default, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "SPEAKING"
        assert proc.stdout.readline().strip() == "LISTENING"  # after the greeting, silent microphone
        with pulse.record() as speaker:
            interrupted = time.monotonic()
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=60)
            time.sleep(0.2)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == EXIT_INTERRUPTED, err[-2000:]
    assert "Traceback" not in err
    content = Triage().content.speech
    assert f"Assistant: {content['goodbye']}" in err
    assert f"Assistant: {content['safety_net']}" in err
    # The goodbye and the safety net were spoken aloud after Ctrl-C: several seconds of speech.
    assert speaker.seconds_of_sound() > 5.0
    assert speaker.loud_times()[0] - interrupted < 1.0


def test_no_microphone_is_a_clear_error_before_the_greeting():
    code = ("from voice_triage.modes.voice import microphone\n"
            "from voice_triage.errors import AudioDeviceError\n"
            "try:\n    microphone(None)\nexcept AudioDeviceError as e:\n    print('ERR', e)\n")
    env = dict(os.environ, PULSE_SERVER="unix:/nonexistent/voice-triage-test")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ERR No microphone found")
