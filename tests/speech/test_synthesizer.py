"""The pyttsx3 adapter on the real engine (espeak-ng here), and the captions-only stand-in."""
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from voice_triage.errors import SpeechOutputError
from voice_triage.speech.settings import VoiceSettings
from voice_triage.speech.synthesizer import CaptionOnly, Pyttsx3Synthesizer, UnknownVoiceError


@pytest.fixture(scope="module")
def synth():
    s = Pyttsx3Synthesizer()
    yield s
    s.close()


def rms(pcm) -> float:
    a = np.frombuffer(pcm.samples, dtype="<i2").astype(np.float64)
    return float(np.sqrt((a ** 2).mean()))


def test_renders_a_sentence_to_speech(synth):
    audio = synth.render("Do you have any chest pain right now?", VoiceSettings())
    assert audio.sample_rate in (16000, 22050, 44100, 48000)
    assert 1.0 < audio.seconds < 6.0
    assert rms(audio) > 300, "rendered audio is silent"


def test_many_renders_in_one_process_do_not_hang_or_leak_files(synth):
    """pyttsx3 2.99's espeak driver keeps one engine per process; runAndWait must work again and again."""
    started = time.monotonic()
    lengths = [synth.render(f"Question number {i}. Does it hurt?", VoiceSettings()).frames for i in range(25)]
    assert time.monotonic() - started < 20
    assert all(n > 0 for n in lengths)
    assert os.listdir(synth._folder) == []


def test_slower_is_longer_and_quieter_is_softer(synth):
    text = "Does the pain go away when you stop and rest?"
    normal = synth.render(text, VoiceSettings(rate=160, volume=0.8))
    slow = synth.render(text, VoiceSettings(rate=160, volume=0.8).adjusted("slower"))
    quiet = synth.render(text, VoiceSettings(rate=160, volume=0.8).adjusted("quieter"))
    loud = synth.render(text, VoiceSettings(rate=160, volume=1.0))
    assert slow.seconds > normal.seconds * 1.1
    assert rms(quiet) < rms(normal) < rms(loud)


def test_rate_changes_between_sentences_always_apply(synth):
    """Regression: through pyttsx3's setProperty, espeak-ng (asynchronous in pyttsx3 2.99) often kept the
    previous sentence's rate, so "slower" was sometimes ignored. Rate and volume now travel with the text."""
    text = "Is one leg or foot colder than the other?"
    lengths = {rate: set() for rate in (120, 200)}
    for rate in (200, 120, 200, 120, 200, 120):
        lengths[rate].add(round(synth.render(text, VoiceSettings(rate=rate)).seconds, 1))
    assert len(lengths[120]) == 1 and len(lengths[200]) == 1
    assert min(lengths[120]) > max(lengths[200]) * 1.3


def test_voice_by_id_name_or_short_id(synth):
    ids = [v.id for v in synth.voices()]
    assert ids
    english = next(i for i in ids if i.endswith("en-us")) if any(i.endswith("en-us") for i in ids) else ids[0]
    assert synth.resolve_voice(english) == english
    assert synth.resolve_voice(english.rsplit("/", 1)[-1].upper()) == english
    default = synth.render("yes, it does", VoiceSettings())
    other = next(i for i in ids if i != english and "en" in i)
    changed = synth.render("yes, it does", VoiceSettings(voice=other))
    back = synth.render("yes, it does", VoiceSettings(voice=english))
    assert changed.samples != back.samples
    assert default.frames > 0
    with pytest.raises(UnknownVoiceError, match="no voice 'klingon-xx'"):
        synth.resolve_voice("klingon-xx")


def test_engine_output_does_not_reach_standard_output(capfd, synth):
    """The espeak driver prints 'Audio saved to ...': stdout carries the JSON-lines protocol elsewhere."""
    synth.render("hello", VoiceSettings())
    out, _ = capfd.readouterr()
    assert out == ""


def test_caption_only_renders_nothing():
    assert CaptionOnly().render("anything", VoiceSettings()).frames == 0


def test_a_broken_engine_is_a_speech_output_error():
    """A pyttsx3 whose driver cannot start (here: a driver name that does not exist)."""
    with pytest.raises(SpeechOutputError, match="No text-to-speech engine"):
        Pyttsx3Synthesizer(driver="no_such_driver")


def test_importing_speech_and_sinks_loads_no_sound_library():
    code = ("import sys, voice_triage.speech, voice_triage.audio.sinks, voice_triage.modes.live\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pyttsx3', 'sounddevice', 'numpy')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


FIRST_RENDER = """
import sys
from voice_triage.speech.synthesizer import Pyttsx3Synthesizer
from voice_triage.speech.settings import VoiceSettings
synth = Pyttsx3Synthesizer()
text = "Hello. I can help you think through leg pain that comes with walking."
first = synth.render(text, VoiceSettings()).frames
second = synth.render(text, VoiceSettings()).frames
print(first, second)
"""


def test_the_first_sentence_of_a_process_is_complete_even_on_a_busy_machine():
    """Regression: pyttsx3 2.99's first runAndWait returned before espeak-ng had written the file, so the
    demo's greeting failed on a loaded machine ("Cannot read the WAV file") and the voice fell back to captions."""
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(3)]
    try:
        results = []
        for _ in range(3):
            done = subprocess.run([sys.executable, "-c", FIRST_RENDER], capture_output=True, text=True, timeout=60,
                                  cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
            assert done.returncode == 0, done.stderr[-1500:]
            results.append(tuple(int(x) for x in done.stdout.split()))
    finally:
        for b in burners:
            b.kill()
            b.wait()
    assert all(second > 0 and abs(first - second) < 0.02 * second for first, second in results), results
