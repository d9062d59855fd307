"""`voice-triage serve --wyoming` as a user starts it (the real command, a free loopback port or a unix socket),
and a Wyoming client of wyoming's own that talks to it the way Home Assistant does."""
from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
import threading
import time

from wyoming.client import AsyncClient, AsyncTcpClient
from wyoming.event import Event


class ServeProcess:
    """The server in its own process; `lines` collects what it writes on standard error."""

    def __init__(self, *args: str, wyoming: str = "tcp://127.0.0.1:0"):
        self.args = ("serve", "--wyoming", wyoming, *args)
        self.lines: list[str] = []
        self.uri = ""
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "ServeProcess":
        self.process = subprocess.Popen([sys.executable, "-m", "voice_triage.cli", *self.args],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        found = threading.Event()

        def read() -> None:
            for line in self.process.stderr:
                self.lines.append(line.rstrip("\n"))
                match = re.search(r"handle service on (\S+)", line)
                if match:
                    self.uri = match.group(1)
                    found.set()

        threading.Thread(target=read, daemon=True).start()
        if not found.wait(30):
            self.process.kill()
            raise AssertionError(f"voice-triage serve did not start: {self.lines}")
        return self

    @property
    def port(self) -> int:
        return int(self.uri.rsplit(":", 1)[1])

    def stop(self) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(5)

    def wait_for_line(self, pattern: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if re.search(pattern, line):
                    return line
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r} in {self.lines}")

    def __exit__(self, *exc) -> None:
        self.stop()


async def say(port: int, text: str, conversation_id: str | None, client: AsyncClient | None = None) -> Event:
    """One utterance as our Home Assistant agent (custom_components/voice_triage/client.py) sends it (a
    connection per utterance, the conversation id in the context, the event built directly: wyoming before 1.7
    drops the context of `Transcript(...).event()`), or on `client` when given; the reply event."""
    data: dict = {"text": text}
    if conversation_id is not None:
        data["context"] = {"conversation_id": conversation_id}
    if client is not None:
        await client.write_event(Event(type="transcript", data=data))
        event = await asyncio.wait_for(client.read_event(), 30)
        assert event is not None, "the server closed the connection"
        return event
    async with AsyncTcpClient("127.0.0.1", port) as fresh:
        return await say(port, text, conversation_id, fresh)
