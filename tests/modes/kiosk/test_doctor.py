"""`voice-triage doctor` (issue 5): PASS/FAIL with a fix for each check; exit 0 only when all pass."""
from __future__ import annotations

import io
import re
import sys

import pytest

from voice_triage.cli import doctor_target, parse_args
from voice_triage.modes.doctor import (CheckResult, DoctorTarget, check_audio_devices, check_grammar, check_recognizer,
                                       check_tts, run_doctor)
from voice_triage.modes.kiosk.config import SECTIONS, parse_config
from voice_triage.recognition.config import RecognizerConfig

from tests.support import ROOT


def target(asr="pocketsphinx", vosk_model=None, **kw) -> DoctorTarget:
    return DoctorTarget(RecognizerConfig(asr=asr, vosk_model=vosk_model), **kw)


def passing(t):
    return CheckResult("fine", True, "all good")


def failing(t):
    return CheckResult("broken", False, "it is broken", "mend it")


def raising(t):
    raise RuntimeError("boom")


def test_all_passing_exits_0():
    out = io.StringIO()
    assert run_doctor(DoctorTarget(), out=out, checks=[passing, passing]) == 0
    assert out.getvalue().splitlines()[:2] == ["PASS  fine: all good"] * 2
    assert "2 passed, 0 failed" in out.getvalue()


def test_a_failure_prints_its_fix_and_exits_1():
    out = io.StringIO()
    assert run_doctor(DoctorTarget(), out=out, checks=[passing, failing, raising]) == 1
    text = out.getvalue()
    assert "FAIL  broken: it is broken\n      fix: mend it" in text
    assert "FAIL  raising: the check itself failed (RuntimeError: boom)" in text
    assert "1 passed, 2 failed" in text


def test_the_configuration_is_checked_first_and_names_the_key(tmp_path):
    bad = tmp_path / "kiosk.toml"
    bad.write_text("[alert]\ntimeout = \"soon\"\n")
    out = io.StringIO()
    assert run_doctor(doctor_target(parse_args(["doctor", "--config", str(bad)])), out=out, checks=[passing]) == 1
    first = out.getvalue().splitlines()[0]
    assert first == f"FAIL  configuration: {bad}: alert.timeout: must be a number of seconds"
    good = tmp_path / "good.toml"
    good.write_text("[wake]\nphrases = [\"good morning\"]\n[recognizer]\nasr = \"pocketsphinx\"\n")
    t = doctor_target(parse_args(["doctor", "--config", str(good)]))
    assert t.configuration[0] and t.extra_phrases == ("good morning",) and t.recognizer.asr == "pocketsphinx"
    # an option typed on the command line goes over the file's choice, as in the kiosk
    t = doctor_target(parse_args(["doctor", "--config", str(good), "--asr", "auto", "--input-device", "7"]))
    assert (t.recognizer.asr, t.input_device) == ("auto", "7")


def test_grammar_words_missing_from_the_model_are_named():
    result = check_grammar(target(extra_phrases=("hello", "start", "zorblaxian kiosk")))
    assert not result.ok
    assert "zorblaxian" in result.detail and "hello" not in result.detail.split(":")[-1].split(", ")
    assert "reword" in result.fix


def test_a_wrong_vosk_model_fails_with_a_fix(tmp_path):
    result = check_recognizer(target(asr="vosk", vosk_model=str(tmp_path / "nope")))
    assert not result.ok and "does not exist" in result.detail and "download-model" in result.fix


def test_pocketsphinx_and_its_model_pass():
    result = check_recognizer(target())
    assert result.ok and "pocketsphinx" in result.detail


def test_no_sounddevice_fails_the_audio_check_with_a_fix(monkeypatch):
    monkeypatch.setitem(sys.modules, "sounddevice", None)
    result = check_audio_devices(target())
    assert not result.ok and "libportaudio2" in result.fix


@pytest.mark.speech
def test_tts_renders_a_sentence():
    result = check_tts(target())
    assert result.ok, result.detail
    assert re.search(r"rendered \d+\.\d s of speech", result.detail)


@pytest.mark.speech
def test_an_unknown_voice_fails_the_tts_check():
    result = check_tts(target(voice="no-such-voice-xyz"))
    assert not result.ok and "no voice 'no-such-voice-xyz'" in result.detail


# ------------------------------------------------------------------ the README section

def _doc_toml() -> str:
    text = (ROOT / "docs" / "kiosk.md").read_text()
    return re.search(r"```toml\n(.*?)```", text, re.S).group(1)


def test_the_documented_configuration_is_valid_and_names_every_key():
    doc = _doc_toml()
    config = parse_config(doc, "docs/kiosk.md")
    assert config.alert.url == "http://127.0.0.1:8085/voice-triage-alert"
    for section, checks in SECTIONS.items():
        assert f"[{section}]" in doc
        for key in checks:
            assert re.search(rf"^#?\s*{key} = ", doc, re.M), f"{section}.{key} is not documented"
