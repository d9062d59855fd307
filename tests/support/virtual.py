"""Virtual audio devices on a private PulseAudio server, for the tests and the latency benchmark.

``scripts/pulse.sh`` makes the server and its devices; this module starts it from Python, feeds
a person's voice into the virtual microphone (``paplay``) and records what the assistant said
from the virtual speaker's monitor (``parec``), with arrival times on the monotonic clock so
latencies can be measured from outside the program under test.
"""
from __future__ import annotations

import array
import logging
import math
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from voice_triage.errors import AudioDeviceError

logger = logging.getLogger(__name__)

PULSE_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "pulse.sh"
"""The script that starts and stops the server (in a source checkout)."""
SPEAKER = "vt_speaker"
"""The virtual speaker: the server's default sink."""
MIC_FEED = "vt_mic_feed"
"""Play into this sink and the virtual microphone (the default source) hears it."""
RECORD_RATE = 16000
"""Sample rate of the recordings made here."""
BLOCK_FRAMES = 160
"""Frames per recorded block (10 ms): the resolution of the arrival times."""


def pulse_tools_missing() -> list[str]:
    """The PulseAudio programs this module needs that are not installed."""
    return [tool for tool in ("pulseaudio", "pactl", "paplay", "parec") if shutil.which(tool) is None]


@dataclass
class VirtualAudio:
    """A running private PulseAudio server with the virtual speaker and microphone."""

    server: str
    """The PULSE_SERVER value clients use (``unix:/.../native``)."""
    started_here: bool
    """True when :meth:`start` started the server (so :meth:`stop` should stop it)."""
    env: dict[str, str] = field(default_factory=dict)
    """The environment variables that point clients at the server."""

    @classmethod
    def start(cls, script: Path = PULSE_SCRIPT) -> "VirtualAudio":
        """Start the server (or reuse a running one) and point this process and its children at it."""
        missing = pulse_tools_missing()
        if missing:
            raise AudioDeviceError(f"PulseAudio is not installed (missing: {', '.join(missing)}).")
        if not script.exists():
            raise AudioDeviceError(f"{script} is missing; virtual audio needs a source checkout.")
        was_running = subprocess.run(["bash", str(script), "status"], capture_output=True).returncode == 0
        done = subprocess.run(["bash", str(script), "start"], capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise AudioDeviceError(f"scripts/pulse.sh start failed: {done.stderr.strip()}")
        env = {}
        for line in done.stdout.splitlines():
            if line.startswith("export ") and "=" in line:
                key, _, value = line[len("export "):].partition("=")
                env[key] = value.strip("'\"")
        os.environ.update(env)
        _refresh_portaudio()
        return cls(env.get("PULSE_SERVER", ""), not was_running, env)

    def stop(self, script: Path = PULSE_SCRIPT) -> None:
        """Stop the server if this object started it."""
        if self.started_here:
            subprocess.run(["bash", str(script), "stop"], capture_output=True, timeout=30)

    def play_into_mic(self, wav_path: str | os.PathLike[str]) -> subprocess.Popen:
        """Start playing a WAV file into the virtual microphone; returns the paplay process."""
        return subprocess.Popen(["paplay", f"--device={MIC_FEED}", "--latency-msec=20", os.fspath(wav_path)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def microphone_open(self) -> bool:
        """Whether something records the virtual microphone now (the modes open it for each answer only)."""
        def short(kind: str) -> list[list[str]]:
            out = subprocess.run(["pactl", "list", "short", kind], env={**os.environ, **self.env}, capture_output=True,
                                 text=True, timeout=30).stdout
            return [line.split("\t") for line in out.splitlines()]

        mic = {row[0] for row in short("sources") if len(row) > 1 and row[1] == "vt_mic"}
        return any(len(row) > 1 and row[1] in mic for row in short("source-outputs"))

    def wait_for_microphone(self, timeout: float = 60.0) -> bool:
        """Wait until something records the virtual microphone (True), or `timeout` seconds (False): on a busy
        machine opening the microphone takes a while, and words played before that are heard by nobody."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.microphone_open():
                return True
            time.sleep(0.05)
        return False

    def record(self, source: str = f"{SPEAKER}.monitor") -> "Recorder":
        """A running recording of `source` (the speaker's monitor unless given); stop it with ``close``."""
        return Recorder(source)


class AnswerGate:
    """Wraps a VoiceChannel's microphone factory so that a test can say its words once the channel really reads the
    microphone for the answer now listened for. The channel keeps the microphone open between answers and drops
    what was recorded before it starts reading (its own prompt): words played while a busy machine is still on
    its way to that point are dropped with it, so "the microphone is open" is not enough.

        gate = AnswerGate(channel); mark = gate.mark()   # before the channel listens
        gate.wait_past(mark)                             # in the speaking thread: the channel reads now
    """

    def __init__(self, channel):
        import contextlib

        self._reads = 0
        self._cond = threading.Condition()
        inner = channel.source_factory
        gate = self

        class _Watched:
            def __init__(self, source):
                self._source = source

            def __getattr__(self, name):
                return getattr(self._source, name)

            def chunks(self):
                first = True
                for chunk in self._source.chunks():
                    if first:
                        first = False
                        with gate._cond:
                            gate._reads += 1
                            gate._cond.notify_all()
                    yield chunk

        @contextlib.contextmanager
        def factory(plan):
            with inner(plan) as source:
                yield _Watched(source)

        channel.source_factory = factory

    def mark(self) -> int:
        """How many answers the channel has begun to read so far."""
        with self._cond:
            return self._reads

    def wait_past(self, mark: int, timeout: float = 60.0) -> bool:
        """Wait until the channel begins to read an answer after `mark` (True), or `timeout` seconds (False)."""
        with self._cond:
            return self._cond.wait_for(lambda: self._reads > mark, timeout)


class Recorder:
    """``parec`` of one PulseAudio source, kept in memory in 10 ms blocks with their arrival times."""

    def __init__(self, source: str):
        self.source = source
        self.blocks: list[tuple[float, array.array]] = []
        self._proc = subprocess.Popen(
            ["parec", f"--device={source}", "--format=s16le", f"--rate={RECORD_RATE}", "--channels=1", "--raw",
             "--latency-msec=10"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, name=f"parec {source}", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        size = 2 * BLOCK_FRAMES
        stream = self._proc.stdout
        while True:
            data = stream.read(size)
            if not data:
                return
            now = time.monotonic()
            block = array.array("h", data[: len(data) - len(data) % 2])
            if sys.byteorder == "big":
                block.byteswap()
            with self._lock:
                self.blocks.append((now, block))

    def close(self) -> None:
        """Stop recording."""
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
        self._thread.join(timeout=5)

    def __enter__(self) -> "Recorder":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def snapshot(self) -> list[tuple[float, array.array]]:
        """The blocks recorded so far."""
        with self._lock:
            return list(self.blocks)

    def loud_times(self, threshold: float = 300.0, after: float = float("-inf")) -> list[float]:
        """Arrival times of the blocks whose RMS is above `threshold`, from `after` on."""
        return [t for t, block in self.snapshot() if t >= after and _rms(block) > threshold]

    def seconds_of_sound(self, threshold: float = 300.0) -> float:
        """How many seconds of the recording are louder than `threshold` (speech, not silence)."""
        return len(self.loud_times(threshold)) * BLOCK_FRAMES / RECORD_RATE

    def samples(self) -> array.array:
        """Every sample recorded so far."""
        out = array.array("h")
        for _, block in self.snapshot():
            out.extend(block)
        return out


def _rms(block: array.array) -> float:
    return math.sqrt(sum(s * s for s in block) / len(block)) if block else 0.0


def _refresh_portaudio() -> None:
    """Let an already-imported sounddevice see the server that was started after it (it lists devices once)."""
    sd = sys.modules.get("sounddevice")
    if sd is None:
        return
    try:
        sd._terminate()
        sd._initialize()
    except Exception as exc:  # only a convenience; a fresh process sees the server anyway
        logger.debug("could not refresh PortAudio: %s", exc)


def pulse_session():
    """A generator for a session-scoped pytest fixture: the running virtual devices, stopped after.

    Skips (through pytest) only when the PulseAudio programs are not installed.
    """
    missing = pulse_tools_missing()
    if missing:
        import pytest

        pytest.skip(f"PulseAudio is not installed (missing {', '.join(missing)}; apt install pulseaudio "
                    "pulseaudio-utils)")
    audio = VirtualAudio.start()
    try:
        yield audio
    finally:
        audio.stop()


@dataclass
class SpokenAnswer:
    """One answer the virtual patient played into the microphone."""

    question: str
    """The question id it answered."""
    text: str
    """The words."""
    started: float
    """Monotonic time paplay was started."""


class VirtualPatient:
    """Answers out loud into the virtual microphone each time the live loop starts to listen.

    Hook :meth:`on_event` into ``run_live(on_event=...)``: on each ``_listening`` marker it renders
    ``answer(listen_event)`` with ``render(text) -> wav path`` and plays it into the microphone
    after `pause` seconds, in a thread, so the loop listens to it in real time.
    """

    def __init__(self, audio: VirtualAudio, answer, render, pause: float = 0.3):
        self.audio = audio
        self.answer = answer
        self.render = render
        self.pause = pause
        self.answers: list[SpokenAnswer] = []
        self._listen: dict = {}
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def on_event(self, event) -> None:
        """The live loop's event hook (the protocol's listen event is what a persona answers)."""
        from voice_triage.dialogue.events import ListenEvent
        from voice_triage.modes.conversation import Listening
        from voice_triage.modes.wire import to_wire

        if isinstance(event, ListenEvent):
            self._listen = to_wire(event)
        elif isinstance(event, Listening):
            thread = threading.Thread(target=self._speak, args=(dict(self._listen),), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _speak(self, listen_event: dict) -> None:
        text = self.answer(listen_event)
        wav = self.render(text)
        self.audio.wait_for_microphone()
        time.sleep(self.pause)
        started = time.monotonic()
        proc = self.audio.play_into_mic(wav)
        proc.wait()
        with self._lock:
            self.answers.append(SpokenAnswer(str(listen_event.get("question")), text, started))

    def wait(self, timeout: float = 30.0) -> None:
        """Wait for the answers still being played."""
        for thread in self._threads:
            thread.join(timeout)
