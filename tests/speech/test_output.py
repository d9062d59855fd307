"""SpeechOutput: the emergency first and twice at full volume, adjustments that last, and the fallbacks."""
import io
import os
import subprocess
import sys

import pytest

from voice_triage.audio.sinks import NullSink, Pcm, RecordingSink, WavFileSink
from voice_triage.errors import AudioDeviceError, SpeechOutputError
from voice_triage.speech.captions import Captions
from voice_triage.speech.output import SpeechOutput, open_speech_output
from voice_triage.speech.settings import VoiceSettings
from voice_triage.speech.synthesizer import CaptionOnly


class ToneSynth:
    """Renders one sample per character, remembering the settings of every call."""

    name = "tone"

    def __init__(self, fail_after: int | None = None):
        self.calls: list[tuple[str, VoiceSettings]] = []
        self.fail_after = fail_after

    def render(self, text, settings):
        if self.fail_after is not None and len(self.calls) >= self.fail_after:
            raise SpeechOutputError("the engine crashed")
        self.calls.append((text, settings))
        return Pcm(b"\x10\x00" * len(text), 16000)

    def close(self):
        pass


class BrokenSink(RecordingSink):
    name = "broken speaker"

    def play(self, audio):
        raise AudioDeviceError("The speaker stopped working (device unplugged).")


def test_emergency_is_spoken_at_full_volume_twice_with_a_pause():
    synth, sink, out = ToneSynth(), RecordingSink(), io.StringIO()
    speech = SpeechOutput(synth, sink, Captions(out, color=False), VoiceSettings(volume=0.4))
    speech.say_emergency("Call emergency services now.")
    assert [s.volume for _, s in synth.calls] == [1.0]
    assert len(sink.clips) == 3 and sink.clips[0] == sink.clips[2]
    assert sink.clips[1].samples == bytes(len(sink.clips[1].samples)) and sink.clips[1].seconds > 0.3
    assert speech.spoken == ["Call emergency services now."] * 2
    assert "EMERGENCY" in out.getvalue()
    assert speech.settings.volume == 0.4, "the emergency must not change the session's volume"


def test_adjustments_persist_for_later_sentences():
    synth = ToneSynth()
    speech = SpeechOutput(synth, RecordingSink(), Captions(io.StringIO()), VoiceSettings(rate=160, volume=0.6))
    speech.adjust("slower")
    speech.say("one")
    speech.adjust("louder")
    speech.say("two")
    speech.say("three")
    assert [(s.rate, s.volume) for _, s in synth.calls] == [(135, 0.6), (135, 0.8), (135, 0.8)]


def test_tts_failure_warns_once_and_goes_on_with_captions():
    synth, sink, out = ToneSynth(fail_after=1), RecordingSink(), io.StringIO()
    speech = SpeechOutput(synth, sink, Captions(out, "plain"))
    for text in ["first", "second", "third", "fourth"]:
        speech.say(text)
    lines = out.getvalue().splitlines()
    assert [line for line in lines if line.startswith("Assistant:")] == [
        "Assistant: first", "Assistant: second", "Assistant: third", "Assistant: fourth"]
    assert sum("the engine crashed" in line for line in lines) == 1
    assert len(sink.clips) == 1
    assert isinstance(speech.synthesizer, CaptionOnly) and not speech.speaking_aloud


def test_speaker_failure_warns_once_and_goes_on_with_captions():
    out = io.StringIO()
    speech = SpeechOutput(ToneSynth(), BrokenSink(), Captions(out, "plain"))
    speech.say("first")
    speech.say_emergency("Call emergency services now.")
    text = out.getvalue()
    assert text.count("device unplugged") == 1
    assert "EMERGENCY: Call emergency services now." in text
    assert isinstance(speech.sink, NullSink)


def test_real_engine_into_a_wav_file(tmp_path):
    path = tmp_path / "voice.wav"
    speech = open_speech_output(VoiceSettings(), sink=WavFileSink(path), captions=Captions(io.StringIO()))
    speech.say("Hello.")
    speech.say_emergency("Call emergency services now.")
    speech.close()
    recorded = Pcm.from_wav(path)
    assert speech.speaking_aloud
    assert recorded.seconds > 2.0


def test_no_output_device_means_one_warning_then_captions_only():
    """The whole fallback in a fresh process whose PulseAudio server does not exist (no devices at all)."""
    code = ("import io, sys\n"
            "from voice_triage.speech import open_speech_output, Captions\n"
            "speech = open_speech_output(captions=Captions(sys.stderr, 'plain'))\n"
            "speech.say('Hello.')\nspeech.say('Is the leg cold?')\n"
            "print(speech.speaking_aloud, type(speech.synthesizer).__name__)\n")
    env = dict(os.environ, PULSE_SERVER="unix:/nonexistent/voice-triage-test")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False CaptionOnly"
    assert done.stderr.count("No speaker") == 1
    assert "captions only" in done.stderr
    assert "Assistant: Hello.\nAssistant: Is the leg cold?" in done.stderr


@pytest.mark.parametrize("hidden,tts,message", [
    (("pyttsx3",), "pyttsx3", "pyttsx3 package is not installed"),
    (("pyttsx3", "piper", "voice_triage.speech.flite"), "auto", "No text-to-speech engine is installed")])
def test_no_tts_engine_means_one_warning_then_captions_only(hidden, tts, message):
    """The engine asked for (or, with auto, every engine) is not installed: hidden from the import system."""
    code = ("import sys\n"
            f"for name in {hidden!r}:\n"
            "    sys.modules[name] = None\n"  # as if the package were not installed
            "from voice_triage.speech import open_speech_output, Captions, VoiceSettings\n"
            f"speech = open_speech_output(VoiceSettings(tts={tts!r}), captions=Captions(sys.stderr, 'plain'))\n"
            "speech.say('Hello.')\n"
            "print(speech.speaking_aloud)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
    assert done.stderr.count(message) == 1
    assert "Assistant: Hello." in done.stderr


class SlowSynth(ToneSynth):
    """Takes longer to render a sentence than any pause lasts, as Piper did on a loaded machine."""

    def render(self, text, settings):
        import time

        time.sleep(0.35)
        return super().render(text, settings)


def test_pauses_follow_the_sentences_not_the_time_the_engine_took():
    """Regression (issue 20): the pause between sentences was left out whenever rendering the next sentence took
    longer than the pause (Piper under load failed test_sentences_are_set_apart...[piper]). Sentences of one reply
    are always set apart; the first sentence after listening starts at once."""
    sink = RecordingSink()
    speech = SpeechOutput(SlowSynth(), sink, Captions(io.StringIO()), VoiceSettings())
    speech.say("Thank you. It helps.")
    speech.say("Is one leg colder?")
    pauses = [round(c.seconds, 2) for c in sink.clips if not any(c.samples)]
    assert pauses == [0.3, 0.5]
    speech.listening()
    speech.say("Okay.")
    assert any(sink.clips[-1].samples) and any(sink.clips[-2].samples), "no pause before a reply"
