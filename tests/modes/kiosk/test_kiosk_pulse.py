"""The kiosk on real devices (virtual PulseAudio): a flite voice wakes it and answers; the doctor's audio check.

Marked ``pulse`` and ``speech``: they need scripts/pulse.sh's server (scripts/test.sh starts it),
PocketSphinx, pyttsx3 with espeak-ng, and flite for the person's voice.
"""
from __future__ import annotations

import io
import threading
import time

import pytest

from tests.support.virtual import pulse_session
from voice_triage.modes.kiosk.config import parse_config
from voice_triage.modes.kiosk.loop import KioskOptions, run_kiosk
from voice_triage.modes.kiosk.channel import SystemClock

pulse = pytest.fixture(scope="module")(pulse_session)


class Visitor:
    """Wraps the real channel: each time the kiosk listens, says the next scripted words into the microphone."""

    def __init__(self, channel, audio, render, words):
        from tests.support.virtual import AnswerGate

        self.inner = channel
        self.gate = AnswerGate(channel)
        self.audio = audio
        self.render = render
        self.words = list(words)
        self.threads: list[threading.Thread] = []
        self.stop = threading.Event()
        """Set when the kiosk keeps listening long after the last scripted words (it missed one): the test
        ends with a failed assertion instead of hanging."""
        self.listens_after = 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def listen(self, listening):
        if self.words:
            wav = self.render(self.words.pop(0))
            mark = self.gate.mark()

            def speak():
                # once the kiosk reads the microphone for this answer: what it recorded before that (its own
                # prompt) it drops, and on a busy machine getting there is slow
                self.gate.wait_past(mark)
                time.sleep(0.3)
                self.audio.play_into_mic(wav).wait()

            thread = threading.Thread(target=speak, daemon=True)
            self.threads.append(thread)
            thread.start()
        else:
            self.listens_after += 1
            if self.listens_after > 3:
                self.stop.set()
        return self.inner.listen(listening)


@pytest.mark.pulse
@pytest.mark.speech
def test_a_visitor_wakes_the_kiosk_by_voice_and_declines(pulse, tmp_path):
    from voice_triage.cli import kiosk_stages, voice_channel
    from voice_triage.modes.demo import PatientVoice

    config = parse_config("[voice]\nrate = 320\ncaptions = \"plain\"\n[timeouts]\nlisten = 6\nidle = 12\n")
    out = io.StringIO()
    real = voice_channel(kiosk_stages(config), speaker_required=True, captions_stream=out)
    assert real.speech.speaking_aloud, out.getvalue()
    visitor = Visitor(real, pulse, PatientVoice("flite:slt", str(tmp_path)).render, ["hello", "no"])
    records = []
    report = run_kiosk(config, lambda: visitor, SystemClock(), options=KioskOptions(max_sessions=1),
                       stop=visitor.stop,
                       on_session_end=records.append)
    for thread in visitor.threads:
        thread.join(10)
    captions = out.getvalue()
    assert report.sessions == 1, captions
    assert records[0].ending == "completed" and records[0].disposition == "incomplete", captions
    assert "All right, we will stop here." in captions, captions  # "no" to consent, heard through the microphone
    assert real._closed


@pytest.mark.pulse
def test_the_doctor_finds_the_virtual_devices(pulse):
    from voice_triage.cli import doctor_target, parse_args
    from voice_triage.modes.doctor import check_audio_devices

    target = doctor_target(parse_args(["doctor"]))  # the server's defaults are the virtual microphone and speaker
    result = check_audio_devices(target)
    assert result.ok, result.detail
    assert "microphone" in result.detail and "speaker" in result.detail
    target = doctor_target(parse_args(["doctor", "--input-device", "no such microphone"]))
    result = check_audio_devices(target)
    assert not result.ok and "audio.input_device" in result.fix


class Recorder(Visitor):
    """A Visitor that also keeps what the real channel heard at each question."""

    def __init__(self, *args):
        super().__init__(*args)
        self.heard: list[tuple[str, object]] = []
        self.plans: list = []

    def listen(self, plan):
        heard = super().listen(plan)
        self.heard.append((plan.question, heard))
        self.plans.append(plan)
        return heard


@pytest.mark.pulse
@pytest.mark.speech
def test_the_kiosk_hears_a_free_description_at_the_open_question(pulse, tmp_path):
    """Issue 11: the kiosk listened at "tell me about the pain" through the closed yes/no grammar, so a
    description was never heard as free speech (and the open question's emergency re-check was missing)."""
    from voice_triage.cli import kiosk_stages, voice_channel
    from voice_triage.modes.demo import PatientVoice

    config = parse_config("[voice]\nrate = 320\ncaptions = \"plain\"\n[timeouts]\nlisten = 8\nidle = 20\n")
    out = io.StringIO()
    real = voice_channel(kiosk_stages(config), speaker_required=True, captions_stream=out)
    description = "my calf cramps when I walk and it goes away when I stop"
    visitor = Recorder(real, pulse, PatientVoice("flite:slt", str(tmp_path)).render,
                       ["hello", "yes", description, "stop"])
    records = []
    report = run_kiosk(config, lambda: visitor, SystemClock(), options=KioskOptions(max_sessions=1),
                       stop=visitor.stop,
                       on_session_end=records.append)
    for thread in visitor.threads:
        thread.join(10)
    captions = out.getvalue()
    assert report.sessions == 1, captions
    at_open = [heard for question, heard in visitor.heard if question == "open"]
    assert at_open, captions
    heard = at_open[0]
    assert heard.recognition is not None and len(heard.text.split()) >= 5, (heard, captions)
    plans = [plan for plan in visitor.plans if plan.question == "open"]
    assert plans and plans[0].phrases is None and plans[0].recheck, "free speech, with the emergency re-check"
    assert "Thank you, that helps." in captions or "calf" in heard.text, captions
