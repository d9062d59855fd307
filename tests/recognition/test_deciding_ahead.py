"""Deciding ahead at a pause, written once (recognition/base.py Utterance, issue 21) for both engines that settle."""
from __future__ import annotations

from voice_triage.recognition.base import Recognition, Utterance


def test_a_pause_decodes_once_speech_going_on_drops_it_and_the_result_is_the_last_decoding():
    calls: list[bytes] = []

    def finish(audio: bytes) -> Recognition:
        calls.append(audio)
        return Recognition(f"{len(audio)} bytes", 0.9, True, "test")

    live = Utterance(finish)
    assert not live.paused(), "nothing heard yet: nothing to decode"
    live.audio += b"\x01\x00" * 10
    assert live.paused() and not live.paused(), "one decoding per pause"
    assert live.result().text == "20 bytes" and len(calls) == 1, "the result decoded ahead is used as it is"
    assert live.resumed() and not live.resumed()
    live.audio += b"\x01\x00" * 5
    assert live.result().text == "30 bytes" and len(calls) == 2, "after speech went on, the whole answer is decoded"


def test_both_settling_engines_keep_their_answer_in_it():
    from voice_triage.recognition import pocketsphinx_engine, whisper_engine

    assert issubclass(pocketsphinx_engine._Utterance, Utterance)  # noqa: SLF001 - the engine's own state
    assert whisper_engine.Utterance is Utterance
