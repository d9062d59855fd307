"""Endpointing on synthesized speech padded with silence, pure silence, noise and overlong speech."""
from __future__ import annotations

import subprocess

import numpy as np
import pytest
import speechgen
from speechgen import Clip

import dataclasses

from voice_triage.audio.sources import SAMPLE_RATE, WavFileSource
from voice_triage.recognition import Recognition
from voice_triage.recognition.base import EngineDefaults
from voice_triage.recognition.config import EndpointConfig
from voice_triage.recognition.endpoint import Utterance
from voice_triage.recognition.listener import Listener
from voice_triage.recognition.plan import ListeningPlan


def listen(source, recognizer, *, config=None, info=None, phrases=("yes", "no"), **overrides):
    """One answer through the one listener (recognition.listener), endpointing as `config` and `overrides` say."""
    config = dataclasses.replace(config or EndpointConfig(), **overrides)
    listener = Listener(recognizer, config)
    result = listener.listen(source, ListeningPlan("q", tuple(phrases)))
    if info is not None:
        for f in dataclasses.fields(Utterance):
            setattr(info, f.name, getattr(listener.info, f.name))
    return result


class ArraySource:
    """An AudioSource over int16 samples, counting how much was read."""

    def __init__(self, samples: np.ndarray, chunk: int = 1600):
        self.samples = samples.astype("<i2")
        self.chunk = chunk
        self.read = 0

    def chunks(self):
        for i in range(0, len(self.samples), self.chunk):
            self.read = i + self.chunk
            yield self.samples[i:i + self.chunk].tobytes()


def speech(audio_dir, text="I have pain in my legs when I walk", voice="flite:slt", **kw) -> np.ndarray:
    clip = Clip(text, voice, pad_s=0.0, **kw)
    return np.frombuffer(speechgen.pcm(speechgen.synthesize_all([clip], audio_dir)[clip]), dtype="<i2")


def silence(seconds: float, noise_db: float | None = None, seed: int = 1) -> np.ndarray:
    n = int(seconds * SAMPLE_RATE)
    if noise_db is None:
        return np.zeros(n, dtype="<i2")
    amp = 32768 * 10 ** (noise_db / 20)
    return (np.random.default_rng(seed).normal(0, amp, n)).astype("<i2")


pytestmark = pytest.mark.usefixtures("need_tools")


def test_speech_padded_with_silence_is_cut_after_trailing_silence(audio_dir, recorder):
    words = speech(audio_dir)
    src = ArraySource(np.concatenate([silence(1.0), words, silence(3.0)]))
    info = Utterance()
    res = listen(src, recorder, trailing_silence_ms=500, timeout_s=5, info=info)
    assert res is not None and res.understood
    assert info.ended_by == "silence"
    assert 0.95 <= info.started_at_s <= 1.4  # flite adds ~0.2 s of its own silence
    got = len(recorder.audio) / 2 / SAMPLE_RATE
    assert len(words) / SAMPLE_RATE + 0.3 <= got <= len(words) / SAMPLE_RATE + 0.3 + 0.7
    assert src.read < len(src.samples) - SAMPLE_RATE, "kept reading long after the answer ended"


def test_trailing_silence_is_configurable(audio_dir, recorder):
    words = speech(audio_dir)
    lengths = {}
    for ms in (300, 1200):
        listen(ArraySource(np.concatenate([silence(0.5), words, silence(3.0)])), recorder,
               trailing_silence_ms=ms, timeout_s=5)
        lengths[ms] = len(recorder.audio) / 2 / SAMPLE_RATE
    assert 0.7 < lengths[1200] - lengths[300] < 1.1


def test_pure_silence_times_out_in_audio_time(recorder):
    src = ArraySource(silence(20.0))
    assert listen(src, recorder, timeout_s=4.0) is None
    assert 4.0 * SAMPLE_RATE <= src.read <= 4.2 * SAMPLE_RATE
    assert recorder.audio == b""


def test_steady_background_noise_is_not_speech(recorder):
    assert listen(ArraySource(silence(10.0, noise_db=-30)), recorder, timeout_s=6.0) is None


def test_speech_in_steady_noise_is_found(audio_dir, recorder):
    words = speech(audio_dir).astype(np.int32)
    noise = silence(1.0 + len(words) / SAMPLE_RATE + 2.0, noise_db=-40).astype(np.int32)
    mixed = noise.copy()
    start = SAMPLE_RATE
    mixed[start:start + len(words)] += words
    info = Utterance()
    res = listen(ArraySource(np.clip(mixed, -32768, 32767)), recorder, timeout_s=5, info=info)
    assert res is not None and info.ended_by == "silence" and 0.95 <= info.started_at_s <= 1.4


def test_end_of_file_without_speech_is_silence(recorder):
    assert listen(ArraySource(silence(1.0)), recorder, timeout_s=8.0) is None


def test_long_speech_is_cut_at_the_maximum(audio_dir, recorder):
    long = np.concatenate([speech(audio_dir)] * 4)
    info = Utterance()
    listen(ArraySource(np.concatenate([silence(0.5), long, silence(1.0)])), recorder,
           max_utterance_s=2.0, timeout_s=5, info=info)
    assert info.ended_by == "max_length"
    assert len(recorder.audio) / 2 / SAMPLE_RATE == pytest.approx(2.0, abs=0.05)


def test_answer_running_to_the_end_of_the_file(audio_dir, recorder):
    words = speech(audio_dir)
    info = Utterance()
    listen(ArraySource(np.concatenate([silence(0.5), words])), recorder, timeout_s=5, info=info)
    assert info.ended_by == "end_of_audio"


def test_config_defaults_are_short_and_overridable():
    cfg = EndpointConfig()
    assert cfg.trailing_silence_ms <= 800 and cfg.timeout_s > 0 and cfg.max_utterance_s > 5


@pytest.mark.speech
def test_wav_file_through_listen_and_real_pocketsphinx(audio_dir, tmp_path):
    """The JSON-lines {"audio": PATH} path: a 44.1 kHz stereo WAV, endpointed, then recognized."""
    from voice_triage.recognition.pocketsphinx_engine import PocketSphinxRecognizer
    clip = Clip("I'm not sure", "flite:rms", pad_s=0.6)
    src16 = speechgen.synthesize_all([clip], audio_dir)[clip]
    wav = tmp_path / "answer.wav"
    subprocess.run(["sox", str(src16), "-r", "44100", "-c", "2", str(wav)], check=True)
    rec = PocketSphinxRecognizer()
    res = listen(WavFileSource(wav), rec, phrases=["yes", "no", "i'm not sure", "i don't know", "repeat", "i can't breathe"])
    assert res is not None and res.understood and res.text == "i'm not sure"


def test_a_whole_phrase_is_noted_but_the_answer_waits_for_the_full_trailing_silence(audio_dir, recorder):
    """Issue 29: a whole phrase ("no") no longer ends the answer after the shorter pause (the turn would end
    before words that follow it). It is noted ("complete"), and the answer ends after the full trailing silence."""
    words = speech(audio_dir, "no")
    lengths, endings, asked = {}, {}, []
    for complete in (True, False):
        def phrase_complete(answer=complete):
            asked.append(answer)
            return answer

        recorder.phrase_complete = phrase_complete
        info = Utterance()
        listen(ArraySource(np.concatenate([silence(0.5), words, silence(3.0)])), recorder, trailing_silence_ms=600,
               info=info)
        lengths[complete], endings[complete] = len(recorder.audio) / 2 / SAMPLE_RATE, info.ended_by
    assert endings == {True: "complete", False: "silence"}
    assert abs(lengths[False] - lengths[True]) < 0.05  # both waited out 600 ms of trailing silence
    assert asked == [True, False], "asked once per pause, not at every frame"


@pytest.mark.parametrize("gap_s", [0.35, 0.45, 0.55])
def test_words_after_a_whole_answer_and_a_short_pause_are_part_of_the_answer(audio_dir, recorder, gap_s):
    """Issue 29: "No. [a short pause] But my chest is tight now." in one breath. The recognizer already holds
    a whole answer ("no") at the short pause; the rest of the audio must still reach it, not be dropped when
    the turn ends early (it was: the answer ended 300 ms after "no")."""
    first, rest = speech(audio_dir, "no"), speech(audio_dir, "but my chest is tight now")
    recorder.phrase_complete = lambda: True
    info = Utterance()
    audio = np.concatenate([silence(0.5), trimmed(first), silence(gap_s), trimmed(rest), silence(2.0)])
    listen(ArraySource(audio), recorder, trailing_silence_ms=600, info=info)
    heard_s = len(recorder.audio) / 2 / SAMPLE_RATE
    assert heard_s >= (len(first) + len(rest)) / SAMPLE_RATE * 0.9 + gap_s, info
    assert info.went_on >= 1, info


@pytest.mark.speech
def test_pocketsphinx_says_when_it_holds_a_whole_phrase(audio_dir):
    from voice_triage.recognition.pocketsphinx_engine import PocketSphinxRecognizer

    rec = PocketSphinxRecognizer()
    rec.set_grammar(["no", "no it does not", "i can't breathe", "repeat"])
    for text, whole in (("no", True), ("I can't", False)):
        clip = Clip(text, "flite:slt", pad_s=0.3)
        audio = speechgen.pcm(speechgen.synthesize_all([clip], audio_dir)[clip])
        seen = []

        def chunks():
            for i in range(0, len(audio), 3200):
                yield audio[i:i + 3200]
            seen.append(rec.phrase_complete())

        rec.recognize(chunks())
        assert seen == [whole], text


def trimmed(samples: np.ndarray, level: int = 300) -> np.ndarray:
    """`samples` without the quiet flite leaves before and after the words."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > level)
    return samples[loud[0]:loud[-1] + 1]


class PauseRecorder(EngineDefaults):
    """A recognizer stand-in that takes the audio chunk by chunk and notes each pause call with how much it had."""

    engine = "recording"

    def __init__(self) -> None:
        self.audio = b""
        self.calls: list[tuple[bool, int]] = []

    def pause(self, paused: bool) -> None:
        self.calls.append((paused, len(self.audio)))

    def set_grammar(self, phrases, **kw):
        return []

    def recognize(self, chunks, on_partial=None, finish=None):
        for chunk in chunks:
            self.audio += chunk
        return Recognition(text="yes", confidence=1.0, understood=True, engine=self.engine)


def test_a_pause_is_announced_and_taken_back_when_speech_goes_on(audio_dir):
    """pause(True) once a pause reaches settle_ms, pause(False) when speech comes again, with every frame
    before the call already taken by the recognizer; the closing pause is announced settle_ms in."""
    words = trimmed(speech(audio_dir, "my calf hurts"))
    rec = PauseRecorder()
    info = Utterance()
    listen(ArraySource(np.concatenate([silence(0.5), words, silence(0.3), words, silence(3.0)])), rec,
           config=EndpointConfig(trailing_silence_ms=600, settle_ms=150), info=info)
    assert info.ended_by == "silence"
    assert [paused for paused, _ in rec.calls] == [True, False, True]
    (_, first), (_, resumed), (_, last) = rec.calls
    ms = 1000 / SAMPLE_RATE / 2  # per byte
    assert 140 <= (resumed - first) * ms <= 180, "the pause was announced 150 ms into a 300 ms gap"
    assert 430 <= (len(rec.audio) - last) * ms <= 480, "the closing pause was announced 150 of 600 ms in"


def test_no_pause_is_announced_within_the_words(audio_dir):
    rec = PauseRecorder()
    words = trimmed(speech(audio_dir, "no"))
    listen(ArraySource(np.concatenate([silence(0.5), words, silence(0.1), words, silence(2.0)])), rec,
           config=EndpointConfig(trailing_silence_ms=600, settle_ms=150))
    assert [paused for paused, _ in rec.calls] == [True], "a 100 ms gap is not a pause"


def test_decoding_ahead_can_be_turned_off(audio_dir):
    rec = PauseRecorder()
    words = trimmed(speech(audio_dir, "no"))
    listen(ArraySource(np.concatenate([silence(0.5), words, silence(0.3), words, silence(2.0)])), rec,
           config=EndpointConfig(trailing_silence_ms=600, settle_ms=None))
    assert rec.calls == []


def test_a_word_cut_short_by_the_end_of_a_recording_is_still_an_answer(recorder):
    """A recording that ends 60 ms into a word (shorter than min_speech_ms) is handed to the recognizer,
    whose own checks say whether it holds words; a recording that ends in silence is silence."""
    tone = (6000 * np.sin(np.arange(int(0.06 * SAMPLE_RATE)) * 2 * np.pi * 300 / SAMPLE_RATE)).astype("<i2")
    info = Utterance()
    res = listen(ArraySource(np.concatenate([silence(1.0, noise_db=-60), tone])), recorder, info=info, vad="energy")
    assert res is not None and info.ended_by == "end_of_audio" and 0.9 <= info.started_at_s <= 1.1
    assert listen(ArraySource(silence(1.0, noise_db=-60)), recorder, vad="energy") is None
