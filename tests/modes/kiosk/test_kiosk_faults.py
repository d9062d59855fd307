"""Faults injected into the kiosk (issue 5): each test says what the person heard.

recognizer raising, TTS raising, the alert command failing or hanging, the alert address hanging,
the audio device disappearing (mid-session, while waiting, at reopen), a crash inside the session,
Ctrl-C, a corrupt configuration file.
"""
from __future__ import annotations

import http.server
import json
import logging
import threading

import pytest

from kiosk_fakes import SILENCE, FakeClock, ScriptedChannel, key, say, spoken_in
from tests.support import sigint_default
from voice_triage.dialogue.triage import Triage
from voice_triage.errors import AudioDeviceError
from voice_triage.modes.kiosk.alert import StaffAlert
from voice_triage.modes.kiosk.config import AlertConfig, KioskConfig, KioskConfigError, load_config, parse_config
from voice_triage.modes.kiosk.loop import KioskOptions, run_kiosk
from voice_triage.content.loader import load_content

EMERGENCY_SCRIPT = [say("hello"), say("yes"), say("I just can't breathe properly")]


@pytest.fixture(scope="module")
def content():
    return load_content()


def ending(content, config: KioskConfig, first: str | None) -> list[str]:
    """What a person hears when a session cannot go on: `first`, the safety-net advice, goodbye."""
    return ([first] if first else []) + [content.speech["safety_net"], config.texts.goodbye]


def run(script, content, config=None, **kwargs):
    clock = kwargs.pop("clock", None) or FakeClock()
    channel = kwargs.pop("channel", None) or ScriptedChannel(list(script), clock)
    factory = kwargs.pop("channel_factory", None) or (lambda: channel)
    records = []
    report = run_kiosk(config or KioskConfig(), factory, clock, content=content, stop=channel.stop,
                       options=kwargs.pop("options", KioskOptions()), on_session_end=records.append, **kwargs)
    return channel, report, records, clock


# ------------------------------------------------------------------ recognizer and TTS

def test_recognizer_raising_mid_session_gets_an_apology_and_the_kiosk_resets(content, caplog):
    config = KioskConfig()
    channel, report, records, _ = run([say("hello"), say("yes"), RuntimeError("decoder crashed"),
                                       say("hello"), say("no")], content, config)
    first, second = channel.sessions()
    assert spoken_in(first)[-3:] == ending(content, config, config.texts.apology)
    assert [r.ending for r in records] == ["error", "completed"]
    assert "decoder crashed" in caplog.text and "unexpected error in a session" in caplog.text
    assert spoken_in(second)[:2] == Triage(content).start().says  # the next person starts clean


def test_recognizer_raising_while_waiting_is_logged_and_waited_out(content, caplog):
    channel, report, records, clock = run([RuntimeError("no model"), RuntimeError("no model"), say("hello"),
                                           say("no")], content)
    assert report.waiting_errors == 2 and clock.slept == [1.0, 2.0]
    assert report.sessions == 1 and channel.spoken()[0] == content.speech["greeting"]  # nothing was said before
    assert caplog.text.count("unexpected error while waiting") == 2


def test_tts_raising_once_gets_an_apology_in_the_working_voice(content):
    config = KioskConfig()
    failed = []

    def fail_say(text):
        if text == content.speech["greeting"] and not failed:
            failed.append(text)
            return RuntimeError("espeak-ng died")
        return None

    clock = FakeClock()
    channel = ScriptedChannel([say("hello"), say("hello"), say("no")], clock, fail_say=fail_say)
    _, report, records, _ = run(None, content, config, channel=channel, clock=clock)
    first = channel.sessions()[0]
    assert spoken_in(first) == ending(content, config, config.texts.apology)
    assert [r.ending for r in records] == ["error", "completed"]


def test_tts_raising_always_cannot_stop_the_kiosk(content, caplog):
    clock = FakeClock()
    channel = ScriptedChannel([say("hello")] * 4, clock, fail_say=lambda text: RuntimeError("no voice"))
    _, report, records, _ = run(None, content, channel=channel, clock=clock)
    assert report.sessions == 4 and report.endings["error"] == 4
    assert channel.spoken() == []  # nothing could be heard; each failure is logged
    assert "could not say" in caplog.text


def test_sessions_failing_in_a_row_reopen_the_devices(content):
    clock = FakeClock()
    channels = []

    def factory():
        channels.append(ScriptedChannel([], clock, stop=stop, fail_say=lambda text: RuntimeError("stuck")))
        channels[-1].script.extend([say("hello")] * (3 if len(channels) == 1 else 0))
        return channels[-1]

    stop = threading.Event()
    report = run_kiosk(KioskConfig(), factory, clock, content=content, stop=stop)
    assert report.endings["error"] == 3
    assert len(channels) == 2 and channels[0].closed


def test_a_crash_inside_the_session_itself_is_contained(content):
    class Brittle(Triage):
        def hear(self, heard):
            if getattr(heard, "text", heard) == "my calf hurts":
                raise KeyError("features")
            return super().hear(heard)

    config = KioskConfig()
    channel, report, records, _ = run([say("hello"), say("yes"), say("my calf hurts"), say("hello"), say("no")],
                                      content, config, session_factory=lambda: Brittle(content))
    assert spoken_in(channel.sessions()[0])[-3:] == ending(content, config, config.texts.apology)
    assert [r.ending for r in records] == ["error", "completed"]
    assert records[0].disposition == "incomplete"


# ------------------------------------------------------------------ the audio device

def test_the_microphone_disappearing_mid_session_is_reopened_with_back_off(content, caplog):
    config = KioskConfig()
    clock = FakeClock()
    stop = threading.Event()
    first = ScriptedChannel([say("hello"), say("yes"), AudioDeviceError("The microphone was unplugged.")], clock,
                            stop=stop)
    second = ScriptedChannel([say("hello"), say("no")], clock, stop=stop)
    attempts = [first, AudioDeviceError("no mic"), AudioDeviceError("no mic"), AudioDeviceError("no mic"), second]

    def factory():
        item = attempts.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    records = []
    report = run_kiosk(config, factory, clock, content=content, stop=stop, on_session_end=records.append)
    assert spoken_in(first.sessions()[0])[-3:] == ending(content, config, config.texts.device_lost)
    assert first.closed
    assert clock.slept == [1.0, 1.0, 2.0, 4.0]  # a pause after the loss, then back-off while it stays away
    assert report.device_losses == 1 and report.reopen_failures == 3
    assert [r.ending for r in records] == ["device", "completed"]
    assert spoken_in(second.sessions()[0])[:2] == Triage(content).start().says
    assert "audio device lost" in caplog.text and caplog.text.count("trying again") == 3


def test_the_kiosk_never_gives_up_on_a_missing_device(content):
    clock = FakeClock()
    stop = threading.Event()
    calls = []

    def factory():
        calls.append(clock.now())
        if len(calls) == 12:
            stop.set()
        raise AudioDeviceError("no microphone")

    report = run_kiosk(KioskConfig(), factory, clock, content=content, stop=stop)
    assert report.reopen_failures == 12 and report.sessions == 0
    assert clock.slept == [1, 2, 4, 8, 16, 32, 60, 60, 60, 60, 60]  # capped back-off; it only stopped when told


def test_a_device_lost_while_waiting_is_reopened_quietly(content):
    clock = FakeClock()
    stop = threading.Event()
    first = ScriptedChannel([SILENCE, AudioDeviceError("gone")], clock, stop=stop)
    second = ScriptedChannel([say("start"), say("no")], clock, stop=stop)
    pending = [first, second]
    report = run_kiosk(KioskConfig(), lambda: pending.pop(0), clock, content=content, stop=stop)
    assert first.spoken() == [] and first.closed
    assert report.device_losses == 1 and report.sessions == 1


def test_a_channel_that_degrades_at_once_is_not_reopened_in_a_hot_loop(content):
    clock = FakeClock()
    stop = threading.Event()
    opened = []

    def factory():
        opened.append(clock.now())
        if len(opened) == 9:
            stop.set()
        return ScriptedChannel([], clock, stop=stop, is_healthy=False)

    report = run_kiosk(KioskConfig(), factory, clock, content=content, stop=stop)
    assert report.device_losses == 8 and report.sessions == 0  # the 9th was stopped before it was used
    assert clock.slept == [1, 2, 4, 8, 16, 32, 60, 60]


def test_an_error_between_sessions_does_not_end_the_kiosk(content, caplog):
    made = []

    def factory():
        made.append(1)
        if len(made) in (2, 3):
            raise OSError("content file vanished")
        return Triage(content)

    channel, report, records, clock = run([say("hello"), say("no"), say("hello"), say("no")], content,
                                          session_factory=factory)
    assert [r.ending for r in records] == ["completed", "completed"]
    assert report.waiting_errors == 2 and clock.slept == [1.0, 2.0]
    assert caplog.text.count("unexpected error between sessions") == 2


def test_a_broken_model_at_start_up_is_reported_not_retried(content):
    from voice_triage.errors import ModelError

    def factory():
        raise ModelError("The Vosk model folder /nope does not exist.")

    with pytest.raises(ModelError):
        run_kiosk(KioskConfig(), factory, FakeClock(), content=content)


def test_ctrl_c_mid_session_says_goodbye_with_the_safety_net(content):
    config = KioskConfig()
    channel, report, records, _ = run([say("hello"), say("yes"), KeyboardInterrupt()], content, config)
    assert report.interrupted and channel.closed
    assert spoken_in(channel.sessions()[0])[-2:] == ending(content, config, None)
    assert records[0].ending == "interrupted"


# ------------------------------------------------------------------ the staff alert

class AlertServer:
    """A tiny HTTP server on 127.0.0.1 that records POSTs; `hold` makes it hang until released."""

    def __init__(self, hold: bool = False, status: int = 200):
        self.bodies: list[dict] = []
        self.release = threading.Event()
        self.arrived = threading.Event()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                server.bodies.append(json.loads(body))
                server.arrived.set()
                if hold:
                    server.release.wait(10)
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/alert"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    servers = []

    def make(**kwargs):
        servers.append(AlertServer(**kwargs))
        return servers[-1]

    yield make
    for s in servers:
        s.close()


def test_the_alert_posts_to_a_local_address_without_what_was_said(content, server):
    srv = server()
    config = parse_config(f'[alert]\nurl = "{srv.url}"\ntimeout = 5\n')
    alert = StaffAlert(config.alert)
    channel, report, _, _ = run(EMERGENCY_SCRIPT, content, config, alert=alert)
    assert alert.join(5)
    assert srv.bodies == [{"event": "emergency", "reason": "breathlessness", "time": srv.bodies[0]["time"],
                           "kiosk": "voice-triage kiosk"}]
    assert report.alerts == 1 and alert.failures == 0
    assert content.speech["emergency"] in channel.spoken()


def test_a_hanging_alert_address_never_delays_the_instruction(content, server, caplog):
    srv = server(hold=True)
    config = parse_config(f'[alert]\nurl = "{srv.url}"\ntimeout = 0.5\n')
    alert = StaffAlert(config.alert)
    channel, report, records, _ = run(EMERGENCY_SCRIPT, content, config, alert=alert)
    # the kiosk has spoken the instruction and finished the session while the POST still hangs
    assert srv.arrived.wait(5) and not srv.release.is_set()
    session = channel.sessions()[0]
    assert [s.text for s in session if s.kind == "emergency"] == [content.speech["emergency"]]
    assert records[0].disposition == "emergency"
    assert alert.join(5)  # abandoned after its timeout
    assert alert.failures == 1 and "staff alert http failed" in caplog.text


def test_a_failing_alert_command_is_logged_and_not_fatal(content, caplog):
    config = parse_config('[alert]\ncommand = "echo pager offline >&2; exit 3"\n')
    alert = StaffAlert(config.alert)
    channel, report, records, _ = run(EMERGENCY_SCRIPT + [say("hello"), say("no")], content, config, alert=alert)
    assert alert.join(10)
    assert "staff alert command failed: exit status 3: pager offline" in caplog.text
    assert [r.disposition for r in records] == ["emergency", "incomplete"]  # the kiosk went on
    assert content.speech["emergency"] in spoken_in(channel.sessions()[0])


def test_a_hanging_alert_command_is_stopped_at_its_timeout(content, caplog):
    config = parse_config('[alert]\ncommand = ["sleep", "30"]\ntimeout = 0.3\n')
    alert = StaffAlert(config.alert)
    channel, _, records, _ = run(EMERGENCY_SCRIPT, content, config, alert=alert)
    assert content.speech["emergency"] in channel.spoken() and records[0].disposition == "emergency"
    assert alert.join(10)
    assert "no answer after 0.3 s; stopped" in caplog.text


def test_the_alert_command_gets_the_reason(content, tmp_path):
    out = tmp_path / "alert.txt"
    config = parse_config(f'[alert]\ncommand = \'printf "%s" "$VOICE_TRIAGE_ALERT_REASON" > "{out}"\'\n')
    alert = StaffAlert(config.alert)
    run(EMERGENCY_SCRIPT, content, config, alert=alert)
    assert alert.join(10)
    assert out.read_text() == "breathlessness"


def test_an_alert_that_cannot_even_start_does_not_stop_the_instruction(content, caplog):
    class Broken(StaffAlert):
        def fire(self, reason, when):
            raise RuntimeError("cannot start a thread")

    config = parse_config('[alert]\ncommand = "true"\n')
    channel, _, records, _ = run(EMERGENCY_SCRIPT, content, config, alert=Broken(config.alert))
    assert content.speech["emergency"] in channel.spoken() and records[0].emergency
    assert "the staff alert could not be started" in caplog.text


def test_the_alert_starts_before_the_instruction_is_spoken(content):
    order = []

    class Recording(StaffAlert):
        def fire(self, reason, when):
            order.append("alert")
            return None

    clock = FakeClock()
    channel = ScriptedChannel(list(EMERGENCY_SCRIPT), clock)
    channel.say_emergency = lambda text: order.append("instruction")
    run(None, content, parse_config('[alert]\ncommand = "true"\n'), channel=channel, clock=clock,
        alert=Recording(AlertConfig(command="true")))
    assert order == ["alert", "instruction"]


# ------------------------------------------------------------------ configuration

@pytest.mark.parametrize("text,message", [
    ("[alert]\ntimeout = \"soon\"\n", "kiosk.toml: alert.timeout: must be a number of seconds"),
    ("[alert]\ntimeout = -1\n", "kiosk.toml: alert.timeout: must be a number of seconds greater than 0"),
    ("[alert]\ntimout = 3\n", "kiosk.toml: alert.timout: unknown key (expected one of: command, url, timeout)"),
    ("[alert]\nurl = \"ftp://x\"\n", "kiosk.toml: alert.url: must be an http:// or https:// address"),
    ("[voice]\nrate = 1000\n", "kiosk.toml: voice.rate: the speaking rate must be between 80 and 320"),
    ("[voice]\nvolume = 2\n", "kiosk.toml: voice.volume: the volume must be between 0.0 and 1.0"),
    ("[voice]\npersist_adjustments = \"yes\"\n", "kiosk.toml: voice.persist_adjustments: must be true or false"),
    ("[wake]\nphrases = []\n", "kiosk.toml: wake.phrases: must be a non-empty list"),
    ("[timeouts]\nlisten = 10\nidle = 5\n", "kiosk.toml: timeouts.idle: must be at least timeouts.listen"),
    ("[logging]\nmax_bytes = 10\n", "kiosk.toml: logging.max_bytes: must be at least 1024"),
    ("[sound]\n", "kiosk.toml: sound: unknown section"),
    ("alert = 3\n", "kiosk.toml: alert: must be a table"),
    ("[alert\n", "kiosk.toml: not valid TOML"),
    ("[recognizer]\nasr = \"vosk\"\n", "kiosk.toml: recognizer.vosk_model: must name a Vosk model folder"),
])
def test_a_corrupt_config_names_the_key(text, message):
    with pytest.raises(KioskConfigError) as info:
        parse_config(text)
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_a_corrupt_config_file_stops_the_kiosk_before_any_device_opens(tmp_path, monkeypatch):
    from voice_triage import cli

    opened = []
    monkeypatch.setattr(cli, "voice_channel", lambda *a, **k: opened.append(1))
    path = tmp_path / "kiosk.toml"
    path.write_bytes(b"[alert]\ntimeout = \"soon\"\n")
    with pytest.raises(KioskConfigError, match=f"{path}: alert.timeout: must be a number of seconds"):
        cli.run(cli.parse_args(["kiosk", "--config", str(path)]))
    path.write_bytes(b"\xff\xfe[voice]")
    with pytest.raises(KioskConfigError, match="is not UTF-8 text"):
        load_config(path)
    with pytest.raises(KioskConfigError, match="cannot be read"):
        load_config(tmp_path / "missing.toml")
    assert opened == []


def test_keys_still_work_when_the_voice_is_broken(content):
    """A person who cannot be understood by voice can still finish with y, n and ? alone."""
    config = KioskConfig()
    answers = ["n"] * 40
    clock = FakeClock()
    channel = ScriptedChannel([key(" "), key("y"), key("?")] + [key(a) for a in answers], clock)
    _, report, records, _ = run(None, content, config, channel=channel, clock=clock)
    assert records[0].ending == "completed" and records[0].disposition != "incomplete"


def test_logging_failures_are_not_fatal(content, tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    config = parse_config(f'[logging]\nsession_log = "{blocker}/sessions.jsonl"\n')
    _, report, records, _ = run([say("hello"), say("no")], content, config)
    assert records[0].disposition == "incomplete"
    assert "session log" in caplog.text and "not written" in caplog.text


@pytest.fixture(autouse=True)
def _log_level(caplog):
    caplog.set_level(logging.INFO)


@pytest.mark.parametrize("signum,code", [(2, 130), (15, 0)])
def test_ctrl_c_and_sigterm_stop_the_real_kiosk_cleanly(signum, code):
    """`voice-triage kiosk` in a process of its own, with no sound server: it retries the devices until stopped."""
    import os
    import signal
    import subprocess
    import sys

    program = ("import sys, logging\nlogging.basicConfig(level=logging.INFO, stream=sys.stderr)\n"
               "from voice_triage.cli import main\nsys.exit(main(['kiosk']))\n")
    env = dict(os.environ, PULSE_SERVER="unix:/nonexistent/voice-triage-test-socket")
    proc = subprocess.Popen([sys.executable, "-c", program], env=env, preexec_fn=sigint_default, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        for line in proc.stderr:
            lines.append(line)
            if "kiosk started" in line:
                break
        proc.send_signal(signal.Signals(signum))
        _, rest = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, "".join(lines) + rest
    assert "kiosk interrupted" in rest and "Traceback" not in rest
