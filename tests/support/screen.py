"""A kiosk with its browser screen, running for real in the test's process: the real hub, server, kiosk loop
and Triage, on a free loopback port. `voice=None` is `voice-triage web` (the screen alone)."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

from voice_triage.content.loader import load_content
from voice_triage.dialogue.events import Heard
from voice_triage.dialogue.triage import Triage
from voice_triage.modes.kiosk.channel import SystemClock
from voice_triage.modes.kiosk.config import parse_config
from voice_triage.modes.kiosk.loop import KioskOptions, run_kiosk
from voice_triage.modes.screen.channel import ScreenChannel
from voice_triage.modes.screen.hub import ScreenHub, ScreenLimits
from voice_triage.modes.screen.server import ScreenServer

WEB_CONFIG = "[timeouts]\nlisten = 1\nidle = 30\n[screen]\nsummary = 30\npatience = 30\n"
"""Short waits between sessions, so that stopping the kiosk takes a second."""


class ScreenKiosk:
    """Start with `with ScreenKiosk() as kiosk:`; `kiosk.url` is the page, `kiosk.records` each session's record."""

    def __init__(self, config_text: str = WEB_CONFIG, *, voice_factory: Callable[[ScreenHub], object] | None = None,
                 mode: str = "web", limits: ScreenLimits = ScreenLimits(), summary_s: float | None = None,
                 max_sessions: int | None = None):
        self.config = parse_config(config_text)
        self.hub = ScreenHub(mode, invitation="Press Start to begin.",
                             summary_s=self.config.screen.summary if summary_s is None else summary_s, limits=limits)
        self.server = ScreenServer(self.hub, "127.0.0.1", 0)
        self.voice_factory = voice_factory
        self.max_sessions = max_sessions
        self.stop = threading.Event()
        self.records: list = []
        self.report = None
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None
        content = load_content()
        self._session_factory = lambda: Triage(content)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def socket_url(self) -> str:
        return self.server.url.replace("http://", "ws://") + "ws"

    def channel(self):
        voice = self.voice_factory(self.hub) if self.voice_factory else None
        return ScreenChannel(self.hub, voice, patience=self.config.screen.patience)

    def __enter__(self) -> "ScreenKiosk":
        self.server.start()

        def run():
            try:
                self.report = run_kiosk(self.config, self.channel, SystemClock(), session_factory=self._session_factory,
                                        options=KioskOptions(max_sessions=self.max_sessions), stop=self.stop,
                                        on_session_end=self.records.append)
            except BaseException as exc:  # the test fails on it in __exit__
                self.error = exc

        self._thread = threading.Thread(target=run, name="screen-kiosk", daemon=True)
        self._thread.start()
        return self

    def wait_sessions(self, n: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.records) < n and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.records) >= n, f"{len(self.records)} sessions ended, waited for {n}"

    def __exit__(self, *exc) -> None:
        self.stop.set()
        if self._thread is not None:
            self._thread.join(2)
            if self._thread.is_alive():  # a session is waiting for the page: someone presses Stop
                self.hub._input(Heard.key_press("s"))  # noqa: SLF001
            self._thread.join(15)
            assert not self._thread.is_alive(), "the kiosk did not stop"
        self.server.close()
        if self.error is not None:
            raise self.error


class SocketPage:
    """A page's socket without a browser (websockets' own client): what another front end would do."""

    def __init__(self, url: str, **kw):
        from websockets.sync.client import connect

        self._connection = connect(url, **kw)
        self.ws = self._connection.__enter__()
        self.seen: list[dict] = []

    def send(self, **message) -> None:
        """Send one message at once (a quick answer to the question just shown is taken like any other)."""
        self.ws.send(json.dumps(message))

    def until(self, predicate: Callable[[dict], bool], timeout: float = 10.0) -> dict:
        """Read events until one satisfies `predicate`; returns it (every event read is kept in `seen`)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no such event within {timeout} s; last seen: {self.seen[-5:]}")
            event = json.loads(self.ws.recv(timeout=left))
            self.seen.append(event)
            if predicate(event):
                return event

    def listen(self, timeout: float = 10.0) -> dict:
        return self.until(lambda e: e["event"] == "listen", timeout)

    def close(self) -> None:
        self._connection.__exit__(None, None, None)


def a_typed_emergency_session(url: str, mode: str = "web") -> None:
    """On the screen at `url` (http://...): a session begun with the start key in which "I have chest pain" is
    typed at the first question ends in the emergency disposition."""
    page = SocketPage(url.replace("http://", "ws://") + "ws")
    assert page.until(lambda e: e["event"] == "hello")["mode"] == mode
    page.send(key="start")
    assert page.listen()["question"] == "consent"
    page.send(text="I have chest pain")
    assert page.until(lambda e: e["event"] == "end")["disposition"] == "emergency"
    page.close()
