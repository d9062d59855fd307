"""`voice-triage web` and `kiosk --screen` as a user starts them: the real console script, its [screen] file
section, a port already taken, and a clean stop."""
from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time

import pytest

from tests.support.screen import a_typed_emergency_session
from voice_triage.cli import parse_args
from voice_triage.modes.kiosk.config import KioskConfigError, parse_config


def start_web(*args: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-m", "voice_triage.cli", "web", "--port", "0", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        found = re.search(r"the screen is at (http://\S+)", line)
        if found:
            return process, found.group(1)
        if not line and process.poll() is not None:
            break
    process.kill()
    raise AssertionError(f"voice-triage web did not print its address: {process.stderr.read()}")


def test_voice_triage_web_serves_a_session_and_stops_cleanly_on_sigterm():
    process, url = start_web()
    try:
        a_typed_emergency_session(url)
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Traceback" not in err


def test_the_kiosk_says_how_it_started_and_what_it_did_in_plain_english(tmp_path):
    """It said "kiosk started ((defaults))", "kiosk stopped after 1 sessions" and "endings {'completed': 1}"."""
    process, url = start_web()
    _wait_for_line(process, "kiosk started")  # its SIGTERM handler is in place from here
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert _kiosk_lines(err) == ["kiosk stopped after 0 sessions", "kiosk summary: 0 sessions, 0 emergencies, "
                                 "0 device losses"], err

    config, log = tmp_path / "kiosk.toml", tmp_path / "sessions.jsonl"
    config.write_text(f'[logging]\nsession_log = "{log}"\n')
    process, url = start_web("--config", str(config))
    started = _wait_for_line(process, "kiosk started")
    try:
        a_typed_emergency_session(url)
        deadline = time.monotonic() + 60
        while not (log.exists() and log.read_text().count("\n") == 1) and time.monotonic() < deadline:
            time.sleep(0.05)  # the session's record is written once the kiosk has counted it
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert started == f"voice-triage: INFO: kiosk started with {config}"
    assert _kiosk_lines(err) == ["kiosk stopped after 1 session",
                                 "kiosk summary: 1 session (1 completed), 1 emergency, 0 device losses"], err


def _wait_for_line(process: subprocess.Popen, text: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if text in line:
            return line.rstrip("\n")
        if not line and process.poll() is not None:
            break
    process.kill()
    raise AssertionError(f"no line with {text!r}: {process.stderr.read()}")


def _kiosk_lines(err: str) -> list[str]:
    return [line.removeprefix("voice-triage: INFO: ") for line in err.splitlines()
            if line.startswith(("voice-triage: INFO: kiosk stopped", "voice-triage: INFO: kiosk summary"))]


def test_a_port_already_taken_is_one_line_and_exit_status_2():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "voice_triage.cli", "web", "--port", str(port)],
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if not line.startswith("voice-triage: INFO")]
    assert len(lines) == 1 and f"127.0.0.1:{port}" in lines[0] and "[screen] port" in lines[0], done.stderr


def test_the_screen_section_and_its_mistakes():
    config = parse_config('[screen]\nenabled = true\nport = 9000\norigins = ["http://screen.local:9000/"]\n'
                          'summary = 5\npatience = 60\n')
    assert config.screen.enabled and config.screen.port == 9000 and config.screen.origins == ("http://screen.local:9000",)
    for bad, says in (("port = 70000", "screen.port"), ("origins = [\"ftp://x\"]", "screen.origins"),
                      ("patience = 0", "screen.patience"), ("colour = \"red\"", "screen.colour: unknown key")):
        with pytest.raises(KioskConfigError, match=re.escape(says)):
            parse_config(f"[screen]\n{bad}\n")


def test_kiosk_screen_options_reach_the_configuration():
    from voice_triage.cli import kiosk_config

    settings = parse_args(["kiosk", "--screen", "--port", "9123"])
    config = kiosk_config(settings)
    assert config.screen.enabled and config.screen.port == 9123 and config.screen.host == "127.0.0.1"
    assert not kiosk_config(parse_args(["kiosk"])).screen.enabled


def test_stopped_the_moment_it_started_it_exits_cleanly_every_time():
    """The learned reader loads on a thread from the start: a kiosk screen stopped while ONNX Runtime was still
    loading aborted ("terminate called without an active exception", exit -6) 9 times in 15."""
    for _ in range(8):
        process, _ = start_web()
        _wait_for_line(process, "kiosk started")
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
        assert process.returncode == 0, err
        assert "terminate called" not in err
