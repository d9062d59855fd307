"""The free-decoding helper process: same text as decoding in-process, and a clean fall-back when it fails."""
from __future__ import annotations

import logging
import time

import pytest
import speechgen
from speechgen import Clip, pcm

from voice_triage.recognition import helper as helper_module
from voice_triage.recognition.helper import FreeDecoderProcess

pytestmark = [pytest.mark.speech, pytest.mark.usefixtures("need_tools")]

SENTENCE = Clip("my calf hurts when I walk and it stops when I rest", "flite:rms")


def ready(helper: FreeDecoderProcess, within_s: float = 30.0) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if helper.usable:
            return True
        if helper._broken:
            return False
        time.sleep(0.05)
    return False


@pytest.fixture(scope="module")
def helper():
    process = FreeDecoderProcess()
    assert ready(process), "the helper process did not load its model"
    yield process
    process.close()


def test_the_helper_decodes_as_the_recognizer_does(helper, sphinx, speech_dir):
    audio = sphinx._cleaned(pcm(speechgen.synthesize_all([SENTENCE], speech_dir)[SENTENCE]))
    ident = helper.submit(audio)
    assert ident is not None
    text = helper.result(ident)
    from voice_triage.recognition.pocketsphinx_engine import free_decoder

    assert text == free_decoder()(audio)
    assert "walk" in text and "rest" in text


def test_open_question_text_comes_from_the_helper(sphinx, speech_dir, monkeypatch):
    """prefetch_free hands the answer to the helper; decode_free then takes its text, not decoding again."""
    if sphinx._helper is None or not ready(sphinx._helper):
        pytest.skip("no helper process on this machine (one core, or VOICE_TRIAGE_NO_HELPER)")
    audio = pcm(speechgen.synthesize_all([SENTENCE], speech_dir)[SENTENCE])
    sphinx.set_grammar(None)
    sphinx._last_free = None
    asked = []
    monkeypatch.setattr(sphinx._helper, "result", lambda ident, real=sphinx._helper.result: asked.append(ident) or real(ident))
    sphinx.prefetch_free(audio)
    result = sphinx.recognize_whole(audio)
    assert len(asked) == 1
    assert result.understood and "walk" in result.text


def test_a_helper_that_dies_is_replaced_by_decoding_in_process(sphinx, speech_dir, caplog):
    process = FreeDecoderProcess()
    assert ready(process)
    audio = sphinx._cleaned(pcm(speechgen.synthesize_all([SENTENCE], speech_dir)[SENTENCE]))
    ident = process.submit(audio)
    process._proc.kill()
    process._proc.wait()
    with caplog.at_level(logging.WARNING):
        assert process.result(ident) is None
    assert "decoding in one process from now on" in caplog.text
    assert process.submit(audio) is None and not process.usable
    # the recognizer falls back to its own decoder with the same answer
    own, sphinx._helper = sphinx._helper, process
    try:
        sphinx._last_free = None
        sphinx.set_grammar(None)
        sphinx.prefetch_free(audio)
        assert "walk" in sphinx.recognize_whole(audio).text
    finally:
        sphinx._helper = own


def test_no_helper_when_disabled(monkeypatch):
    monkeypatch.setenv(helper_module.DISABLE_ENV, "1")
    assert helper_module.shared_helper() is None
