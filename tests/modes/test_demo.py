"""`voice-triage demo`: a scripted patient speaks (flite) into the real recognizer; the assistant's voice and
the patient's go into one WAV of the whole conversation. No microphone, no speaker."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import wave

import numpy as np
import pytest

from voice_triage.audio.sinks import Pcm
from voice_triage.modes.demo import load_personas, run_demo
from voice_triage.speech.captions import Captions

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PERSONAS = load_personas()

pytestmark = pytest.mark.speech


def loud_seconds(path) -> float:
    audio = Pcm.from_wav(path)
    samples = np.frombuffer(audio.samples, dtype="<i2").astype(np.float64)
    block = audio.sample_rate // 100
    blocks = samples[: len(samples) // block * block].reshape(-1, block)
    return float((np.sqrt((blocks ** 2).mean(axis=1)) > 300).sum()) / 100


def test_personas_answer_from_their_facts():
    pad = PERSONAS["pad"]
    assert pad.answer({"question": "consent"}) == "yes"
    assert pad.answer({"question": "calf_pain"}) == "yes"
    assert pad.answer({"question": "cold_leg"}) == "no"
    assert pad.answer({"question": "confirm", "feature": "calf_pain", "value": "yes"}) == "yes"
    assert pad.answer({"question": "confirm", "feature": "cold_leg", "value": "yes"}) == "no"
    assert PERSONAS["emergency"].answer({"question": "chest_pain"}) == "my chest feels tight"
    assert {p.expect for p in PERSONAS.values()} == {"see_doctor", "self_care", "emergency"}


def test_the_personas_are_content_and_a_broken_file_is_one_line(tmp_path, monkeypatch):
    """The demo's patients live in prompts/demo.yaml, not in code; a broken file is a clear message."""
    import shutil

    root = tmp_path / "content"
    for folder in ("prompts", "grammars", "rules"):
        shutil.copytree(os.path.join(ROOT, folder), root / folder)
    (root / "prompts" / "demo.yaml").write_text("pad:\n  summary: only a summary\n")
    monkeypatch.setenv("VOICE_TRIAGE_CONTENT", str(root))
    out = io.StringIO()
    assert run_demo("pad", str(tmp_path / "x.wav"), captions=Captions(out, "plain")) == 2
    assert out.getvalue().strip().startswith("voice-triage: prompts/demo.yaml: pad: missing or malformed")
    assert len(out.getvalue().strip().splitlines()) == 1


# Each whole demo takes 5-15 s on two cores; the other personas run the same code with other facts
# (scripts/bench_latency.py and `voice-triage demo --persona NAME` play them all).
@pytest.mark.parametrize("persona", ["pad", "emergency"])
def test_a_persona_talks_its_way_to_the_expected_disposition(persona, tmp_path):
    out = io.StringIO()
    wav = tmp_path / "talk.wav"
    code = run_demo(persona, str(wav), captions=Captions(out, "plain"))
    text = out.getvalue()
    assert code == 0, text[-2000:]
    assert f"disposition {PERSONAS[persona].expect}" in text
    # Captions show both sides: what the patient said, what was heard, and the assistant.
    assert "  Patient: yes" in text
    assert "  Heard: " in text
    assert "Assistant: " in text
    # One WAV holds the whole conversation: both voices, many seconds of speech.
    with wave.open(str(wav)) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        seconds = w.getnframes() / w.getframerate()
    assert seconds > 20
    assert loud_seconds(wav) > 0.4 * seconds
    if persona == "emergency":
        # The instruction comes right after the words that mention the emergency.
        lines = text.splitlines()
        said = lines.index("  Patient: my chest feels tight")
        after = [line for line in lines[said + 1:] if not line.startswith("  Heard:")]
        assert after[0] == "EMERGENCY: Call emergency services now."


def test_from_another_folder_the_wav_lands_in_that_folder(tmp_path):
    code = ("import sys\nfrom voice_triage.modes.demo import run_demo\nsys.exit(run_demo('emergency'))\n")
    env = dict(os.environ, PYTHONPATH=ROOT)
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=170)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "voice-triage-demo.wav").stat().st_size > 100_000
    assert "Traceback" not in done.stderr


def test_unknown_persona_is_a_clear_message():
    out = io.StringIO()
    assert run_demo("nobody", "x.wav", captions=Captions(out, "plain")) == 2
    assert "There is no persona 'nobody'. Choose one of: pad, stenosis" in out.getvalue()
    assert not os.path.exists("x.wav")


def test_an_unwritable_out_path_is_a_clear_message(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    out = io.StringIO()
    assert run_demo("pad", str(blocker / "talk.wav"), captions=Captions(out, "plain")) == 2
    assert "Cannot write the WAV file" in out.getvalue()
