"""PocketSphinx with per-question grammars, on speech synthesized at test time (flite, espeak-ng, sox)."""
from __future__ import annotations

import logging

import pytest
import speechgen
from recognition_phrases import ANSWERS, CHATTER, COMMANDS, EMERGENCY, GRAMMAR
from speechgen import Clip, chunked, pcm

from voice_triage.recognition import Recognition, Recognizer

pytestmark = [pytest.mark.speech, pytest.mark.usefixtures("need_tools")]

SPOKEN_ANSWERS = ["yes", "yeah", "no", "nope", "I'm not sure", "I don't know", "not really", "I think so"]
SPOKEN_COMMANDS = ["repeat", "help", "go back", "start over", "stop", "slower", "louder"]
SPOKEN_EMERGENCY = ["I can't breathe", "I have chest pain", "my chest feels tight", "I'm short of breath"]
CLEAR_VOICES = ("flite:awb", "flite:rms", "flite:slt")


def expected(text: str) -> str:
    return text.lower()


def run(ps, clips, speech_dir) -> dict[Clip, Recognition]:
    paths = speechgen.synthesize_all(clips, speech_dir)
    return {clip: ps.recognize(chunked(pcm(paths[clip]))) for clip in clips}


def meaning(phrase: str) -> str:
    """yes/no/unsure for answers ("yeah" and "yes" are the same answer), else the phrase itself.

    A lead-in ("well no", "wait i can't breathe") does not change the meaning."""
    from conftest import LEADS

    phrase = phrase.lower()
    for lead in LEADS:
        if phrase.startswith(lead + " "):
            phrase = phrase[len(lead) + 1:]
    return ANSWERS.get(phrase, phrase)


def score(results: dict[Clip, Recognition]) -> tuple[int, list[str]]:
    """(correct count, wrong meanings accepted) — a wrong accepted answer is worse than "not understood"."""
    correct, wrong = 0, []
    for clip, res in results.items():
        if res.understood and meaning(res.text) == meaning(clip.text):
            correct += 1
        elif res.understood:
            wrong.append(f"{clip.voice} {clip.text!r} -> {res.text!r}")
    return correct, wrong


def test_recognizer_satisfies_protocol(ps):
    assert isinstance(ps, Recognizer)
    assert ps.engine == "pocketsphinx"


def test_answers_and_commands_by_flite_voice(ps, speech_dir):
    clips = [Clip(t, v) for t in SPOKEN_ANSWERS + SPOKEN_COMMANDS for v in speechgen.FLITE_VOICES]
    results = run(ps, clips, speech_dir)
    correct, wrong = score(results)
    clear = {c: r for c, r in results.items() if c.voice in CLEAR_VOICES}
    clear_correct, _ = score(clear)
    assert clear_correct >= 0.85 * len(clear), f"{clear_correct}/{len(clear)} right on the clear voices"
    assert correct >= 0.7 * len(clips), f"{correct}/{len(clips)} right over all flite voices"
    assert len(wrong) <= 2, f"wrong phrases accepted: {wrong}"


def test_every_result_is_a_grammar_phrase_or_not_understood(ps, speech_dir):
    clips = [Clip(t, "flite:slt") for t in SPOKEN_ANSWERS]
    for clip, res in run(ps, clips, speech_dir).items():
        if res.understood:
            assert res.text in GRAMMAR and 0 < res.confidence <= 1
        else:
            assert res.text == "" and res.confidence == 0.0


@pytest.mark.parametrize("speed", [0.8, 1.3])
def test_answers_at_other_speeds(ps, speech_dir, speed):
    clips = [Clip(t, v, speed=speed) for t in SPOKEN_ANSWERS for v in ("flite:rms", "flite:slt")]
    correct, wrong = score(run(ps, clips, speech_dir))
    assert correct >= 0.75 * len(clips), f"{correct}/{len(clips)} at speed {speed}"
    assert len(wrong) <= 1, wrong


def test_answers_in_noise_at_10_db(ps, speech_dir):
    # Measured floor, not a target: PocketSphinx hears white/pink noise as fricatives ("fitness",
    # "film"), so many noisy answers come back not understood (a reprompt) -- but never as a wrong answer.
    clips = [Clip(t, v, snr_db=10, noise=n) for t in SPOKEN_ANSWERS
             for v, n in (("flite:awb", "pink"), ("flite:rms", "white"), ("flite:slt", "brown"))]
    correct, wrong = score(run(ps, clips, speech_dir))
    assert correct >= 0.35 * len(clips), f"{correct}/{len(clips)} at 10 dB SNR"
    assert len(wrong) <= 2, wrong


def test_emergency_phrases_are_heard_at_a_yes_no_question(ps, speech_dir):
    clips = [Clip(t, v) for t in SPOKEN_EMERGENCY for v in CLEAR_VOICES]
    results = run(ps, clips, speech_dir)
    missed = [f"{c.voice} {c.text!r} -> {r.text or r.heard!r}" for c, r in results.items()
              if not (r.understood and r.text == expected(c.text))]
    assert not missed, f"emergency phrases missed: {missed}"


def test_out_of_grammar_chatter_is_not_understood(ps, speech_dir):
    clips = [Clip(t, v) for t in CHATTER for v in speechgen.ALL_VOICES]
    clips += [Clip(t, "flite:slt", snr_db=10, noise="pink") for t in CHATTER]
    for clip, res in run(ps, clips, speech_dir).items():
        assert not res.understood, f"{clip.voice} {clip.text!r} was taken as {res.text!r}"
        assert res.text == ""


def test_silence_and_noise_only_are_not_understood(ps, speech_dir):
    assert ps.recognize(iter([bytes(32000)])).understood is False
    assert ps.recognize(iter([])).understood is False


def test_partial_results_stop_decoding_early_on_an_emergency(ps, speech_dir):
    """The emergency prompt must not wait for the end of a long sentence (issue 3)."""
    clip = Clip("I can't breathe and my legs hurt when I walk up the hill to the shops", "flite:slt")
    audio = pcm(speechgen.synthesize_all([clip], speech_dir)[clip])
    seen: list[str] = []
    consumed = 0

    def chunks():
        nonlocal consumed
        for chunk in chunked(audio):
            consumed += len(chunk)
            yield chunk

    def on_partial(text: str) -> bool:
        seen.append(text)
        return "i can't breathe" in text

    res = ps.recognize(chunks(), on_partial=on_partial)
    assert seen and seen[-1].startswith("i can't breathe")
    assert res.partial and res.understood and res.text == "i can't breathe"
    assert consumed < 0.6 * len(audio), "decoding went on to the end of the sentence"


def test_partial_callback_that_never_stops_gives_the_final_result(ps, speech_dir):
    clip = Clip("I'm not sure", "flite:rms")
    audio = pcm(speechgen.synthesize_all([clip], speech_dir)[clip])
    seen: list[str] = []
    res = ps.recognize(chunked(audio), on_partial=lambda t: seen.append(t) and False)
    assert seen, "no partial hypotheses were reported"
    assert res.understood and res.text == "i'm not sure" and not res.partial


def test_unknown_words_are_reported_not_dropped_silently(sphinx, caplog):
    with caplog.at_level(logging.WARNING):
        missing = sphinx.set_grammar(["yes", "no", "zorblax twice", "i'm not sure"])
    assert missing == ["zorblax"]
    assert sphinx.missing_words() == ["zorblax"]
    assert "zorblax" in caplog.text


def test_curly_apostrophes_and_case_are_normalised_and_given_back_as_written(sphinx, speech_dir):
    sphinx.set_grammar(["Yes", "No", "I\u2019m not sure", "I can't breathe"])
    assert sphinx.missing_words() == []
    clip = Clip("I'm not sure", "flite:rms")
    res = sphinx.recognize(chunked(pcm(speechgen.synthesize_all([clip], speech_dir)[clip])))
    assert res.understood and res.text == "I\u2019m not sure"


def test_free_decoding_without_a_grammar(sphinx, speech_dir):
    sphinx.set_grammar(None)
    clip = Clip("where is the bathroom", "flite:rms")
    res = sphinx.recognize(chunked(pcm(speechgen.synthesize_all([clip], speech_dir)[clip])))
    assert res.understood and "bathroom" in res.text


def test_grammar_of_only_unknown_words_is_an_error(sphinx):
    from voice_triage.errors import ModelError
    with pytest.raises(ModelError, match="zorblax"):
        sphinx.set_grammar(["zorblax"])


def test_grammar_phrases_cover_the_answer_table():
    # Guards the test grammar itself: every spoken test phrase is in it, answers map to a meaning.
    for text in SPOKEN_ANSWERS + SPOKEN_COMMANDS + SPOKEN_EMERGENCY:
        assert expected(text) in GRAMMAR
    assert set(ANSWERS.values()) == {"yes", "no", "unsure"} and "help" in COMMANDS and EMERGENCY


def _trimmed(audio: bytes, level: int = 300) -> bytes:
    import numpy as np

    samples = np.frombuffer(audio, dtype="<i2")
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > level)
    return samples[loud[0]:loud[-1] + 1].tobytes()


def _listened(rec, audio: bytes, trailing_ms: int = 600):
    """`audio` through endpointing (with pauses told to `rec`) and `rec`; returns (result, what finish was given)."""
    from voice_triage.recognition.endpoint import EndpointConfig, segment

    finished: list[int] = []

    def finish(heard: bytes):
        finished.append(len(heard))
        return rec.recognize_whole(heard)

    config = EndpointConfig(trailing_silence_ms=trailing_ms, complete_silence_ms=trailing_ms, settle_ms=100)
    answer = segment(chunked(audio, 960), config,
                     complete=rec.phrase_complete, pause=rec.pause)
    consumed = []

    def counted():
        for chunk in answer:
            consumed.append(len(chunk))
            yield chunk

    return rec.recognize(counted(), finish=finish), finished, sum(consumed)


def test_the_answer_is_decoded_during_the_closing_pause(ps, speech_dir):
    """The final decoding runs once, 150 ms into the closing pause, and its result is the answer."""
    clip = Clip("no it doesn't", "flite:slt")
    audio = pcm(speechgen.synthesize_all([clip], speech_dir)[clip]) + bytes(32000)
    res, finished, consumed = _listened(ps, audio)
    assert res.understood and res.text == "no it doesn't"
    assert len(finished) == 1 and finished[0] < consumed - 0.4 * 32000, "decoded at the end, not in the pause"


def test_speech_after_a_pause_drops_the_early_result(ps, speech_dir):
    """With a grammar: "no" [250 ms] "it doesn't" is heard whole, not as the "no" decoded in the pause."""
    parts = [_trimmed(pcm(speechgen.synthesize_all([c], speech_dir)[c]))
             for c in (Clip("no", "flite:slt"), Clip("it doesn't", "flite:slt"))]
    audio = bytes(9600) + parts[0] + bytes(8000) + parts[1] + bytes(32000)
    res, finished, _ = _listened(ps, audio)
    assert len(finished) == 2, "the pause was not decoded ahead, or the answer was cut at it"
    assert res.understood and res.text == "no it doesn't"


def test_free_speech_after_a_pause_is_heard_whole(sphinx, speech_dir):
    """At the open question: a sentence with a pause in it comes back whole, both halves."""
    sphinx.set_grammar(None)
    parts = [_trimmed(pcm(speechgen.synthesize_all([c], speech_dir)[c]))
             for c in (Clip("where is the bathroom", "flite:rms"), Clip("and the kitchen", "flite:rms"))]
    audio = bytes(9600) + parts[0] + bytes(9600) + parts[1] + bytes(32000)
    res, finished, _ = _listened(sphinx, audio)
    assert len(finished) == 2
    assert res.understood and "bathroom" in res.text and "kitchen" in res.text


def test_grammars_are_compiled_once_and_switching_back_works(sphinx, speech_dir):
    first, second = ["yes", "no", "i'm not sure"], ["repeat", "stop", "i can't breathe"]
    sphinx.set_grammar(first)
    sphinx.set_grammar(second)
    compiled = sphinx._grammars
    for phrases, said in ((first, "no"), (second, "stop"), (first, "yes"), (second, "I can't breathe")):
        sphinx.set_grammar(phrases)
        clip = Clip(said, "flite:slt")
        res = sphinx.recognize(chunked(pcm(speechgen.synthesize_all([clip], speech_dir)[clip])))
        assert res.understood and res.text == said.lower(), (phrases, said, res)
    assert sphinx._grammars == compiled, "a grammar was compiled again"
