"""Issue 11, "fix on the way": each test names what went wrong before."""
import glob
import io
import subprocess
import tempfile

import pytest

from tests.support import EXE
from voice_triage.dialogue.triage import Triage
from voice_triage.modes import EXIT_INTERRUPTED
from voice_triage.modes.jsonl import run_jsonl
from voice_triage.modes.textmode import run_text


class _Interrupted(io.StringIO):
    """Standard input that gives some lines, then Ctrl-C."""

    def __init__(self, lines):
        super().__init__("".join(line + "\n" for line in lines))

    def readline(self, *args):
        line = super().readline(*args)
        if not line:
            raise KeyboardInterrupt
        return line

    def __iter__(self):
        yield from (line for line in self.getvalue().splitlines(keepends=True))
        raise KeyboardInterrupt


def test_ctrl_c_in_text_mode_exits_130_like_every_mode():
    """Text mode returned 0 after Ctrl-C while the live loop, jsonl and the kiosk returned 130."""
    out = io.StringIO()
    assert run_text(Triage(), _Interrupted(["yes"]), out) == EXIT_INTERRUPTED
    assert "[result: incomplete]" in out.getvalue()


def test_ctrl_c_in_jsonl_mode_still_writes_the_end_event_and_exits_130():
    out, err = io.StringIO(), io.StringIO()
    assert run_jsonl(Triage(), _Interrupted(['{"text": "yes"}']), out, err) == EXIT_INTERRUPTED
    assert '"event": "end"' in out.getvalue().splitlines()[-1]


def test_a_synthesizer_leaves_no_folder_behind_when_it_is_never_used():
    """The kiosk made an empty /tmp/voice-triage-tts-* folder at every retry of a missing speaker."""
    pytest.importorskip("pyttsx3")
    from voice_triage.errors import SpeechOutputError
    from voice_triage.speech.synthesizer import Pyttsx3Synthesizer

    pattern = f"{tempfile.gettempdir()}/voice-triage-tts-*"
    before = set(glob.glob(pattern))
    try:
        synth = Pyttsx3Synthesizer()
    except SpeechOutputError:
        pytest.skip("no text-to-speech engine here")
    assert set(glob.glob(pattern)) == before
    synth.close()
    assert set(glob.glob(pattern)) == before


def _demo(*args, cwd):
    return subprocess.run([EXE, "demo", "--no-captions", *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def test_a_folder_as_out_is_one_line_not_a_traceback(tmp_path):
    proc = _demo("--out", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "AttributeError" not in proc.stderr
    assert f"{tmp_path} is a folder; give a file name" in proc.stderr


def test_a_missing_folder_is_named_not_made(tmp_path):
    proc = _demo("--out", str(tmp_path / "nope" / "demo.wav"), cwd=tmp_path)
    assert proc.returncode == 2
    assert f"the folder {tmp_path / 'nope'} does not exist" in proc.stderr
    assert not (tmp_path / "nope").exists()


def test_a_failed_demo_leaves_a_good_recording_alone(tmp_path):
    good = tmp_path / "demo.wav"
    good.write_bytes(b"RIFF-a-good-recording")
    proc = _demo("--persona", "nobody", "--out", str(good), cwd=tmp_path)
    assert proc.returncode == 2
    assert good.read_bytes() == b"RIFF-a-good-recording"
    assert [p.name for p in tmp_path.iterdir()] == ["demo.wav"]  # no half-written file either


def test_doctor_advice_never_points_at_a_check_that_passed(monkeypatch):
    """The grammar check said "Fix the recognizer check first" while the recognizer check passed."""
    from voice_triage import recognition
    from voice_triage.modes import doctor
    from voice_triage.recognition.config import RecognizerConfig

    target = doctor.DoctorTarget(RecognizerConfig(asr="pocketsphinx"))
    assert doctor.check_recognizer(target).ok
    real = recognition.build_recognizer

    def refusing(config):
        recognizer, why = real(config)

        def refuse(phrases, **kw):
            raise OSError("grammar refused")

        recognizer.set_grammar = refuse
        return recognizer, why

    monkeypatch.setattr(recognition, "build_recognizer", refusing)
    result = doctor.check_grammar(target)
    assert not result.ok and "recognizer and model" not in result.fix and "recognizer check" not in result.fix


def test_a_demo_that_fails_half_way_leaves_a_good_recording_alone(tmp_path):
    """A failed demo once overwrote a good WAV with an empty one."""
    pytest.importorskip("pocketsphinx")
    from voice_triage.errors import AudioDeviceError
    from voice_triage.modes.demo import run_demo
    from voice_triage.speech.captions import Captions

    good = tmp_path / "demo.wav"
    good.write_bytes(b"RIFF-a-good-recording")

    from voice_triage.recognition.config import THRESHOLDS

    class BrokenListener:
        why = "a listener that cannot read the patient's voice"
        thresholds = THRESHOLDS["pocketsphinx"]

        def listen(self, source, plan):
            raise AudioDeviceError("the patient's voice could not be read")

        def close(self):
            pass

    out = io.StringIO()
    assert run_demo("pad", str(good), captions=Captions(out, "plain"), listener_factory=BrokenListener) != 0
    assert good.read_bytes() == b"RIFF-a-good-recording"
    assert [p.name for p in tmp_path.iterdir()] == ["demo.wav"]
