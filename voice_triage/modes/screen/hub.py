"""What the screen shows and what it sends back, with no network in it (the server hands pages to it).

One page is attached at a time: a page that connects takes the screen over, and the page it replaces is told
so (`replaced`) and closed, so a reload or a second browser never leaves two pages answering one person. A
page that (re)connects is sent the current person's events again, so a reload mid-session shows where the
conversation is. Between sessions nothing of the previous person is kept: the events are forgotten when the
summary has been shown for `summary_s` seconds (or at once on "Done"), and at the start of every session.
The emergency banner alone stays, across sessions and reloads, until staff dismiss it.

An answer is taken only when it was given after the question now asked was shown: an answer stamped with the
sentences the page had shown (`seen`) from before it, or an unstamped one that arrived before that question was
sent, was meant for an earlier question. It is not taken, and the page is told (`stale`) so the person can
answer again. Nothing else is dropped: a quick answer to the next question counts, however soon after the same
button before it.

The kiosk's thread never waits for a page: messages go out through a bounded queue on a sender thread, and
a page that stops reading is dropped when the queue fills.
"""
from __future__ import annotations

import json
import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol

from voice_triage.dialogue.events import Heard, HeardKind
from voice_triage.modes.keys import START as START_KEY

logger = logging.getLogger(__name__)


class Page(Protocol):
    """One attached page (a WebSocket connection)."""

    def send(self, message: str) -> None:
        """Send one text message; may raise when the page has gone."""

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection."""


@dataclass(frozen=True)
class ScreenLimits:
    """Bounds on what a page may send and what is kept for it."""

    max_message_bytes: int = 16_384
    """A longer WebSocket message closes the connection (code 1009); the session goes on."""
    max_text_chars: int = 2000
    """A typed answer is cut to this many characters, as the JSON-lines protocol cuts a `text`."""
    max_inputs: int = 32
    """Inputs not yet taken by the session; beyond this the oldest is dropped."""
    max_history: int = 1000
    """Events of the current session kept for a page that reconnects (a session is bounded well below this)."""
    max_outbox: int = 1000
    """Messages waiting to be sent; a page that stops reading is dropped when this fills."""


@dataclass(frozen=True)
class _Close:
    """In the outbox: close the page."""

    reason: str


class ScreenHub:
    """The screen's state, shared by the kiosk's thread and the server's connection threads."""

    def __init__(self, mode: str = "kiosk", *, invitation: str = "", summary_s: float = 60.0,
                 limits: ScreenLimits = ScreenLimits()):
        """`mode`: "kiosk" (voice and screen) or "web" (the screen alone). `invitation`: shown between
        sessions. `summary_s`: how long the end of a session stays on the page."""
        self.mode = mode
        self.invitation = invitation
        self.summary_s = summary_s
        self.limits = limits
        self._lock = threading.Lock()
        self._page: Page | None = None
        self._history: list[dict[str, Any]] = []
        self._in_session = False
        self._banner: str | None = None
        self._generation = 0
        self._timer: threading.Timer | None = None
        self._inputs: queue.Queue[tuple[Heard, int | None, float]] = queue.Queue(maxsize=limits.max_inputs)
        self._says = 0
        """Sentences of this session kept for the page (a page counts the same ones, on a reload too)."""
        self._question_at = 0
        """`_says` when the question now asked was put: an answer stamped with fewer was meant for an earlier one."""
        self._said_at = 0.0
        """time.monotonic() when the latest sentence was sent to the page."""
        self._question_since = 0.0
        """`_said_at` when the question now asked was put: an unstamped answer that arrived earlier was meant for an
        earlier question."""
        self._outbox: queue.Queue[tuple[Page, str | _Close, bool]] = queue.Queue(maxsize=limits.max_outbox)
        self._closed = threading.Event()
        self.attached_count = 0
        """Pages attached since the hub started (a counter, for tests and the log)."""
        self._sender = threading.Thread(target=self._send_loop, name="screen-sender", daemon=True)
        self._sender.start()

    # ------------------------------------------------------------------ the kiosk's side

    def publish(self, message: dict[str, Any]) -> None:
        """One event of the current session (a protocol event as `to_wire` writes it): shown, and kept until
        the session is forgotten so that a reloaded page shows it again."""
        with self._lock:
            if len(self._history) < self.limits.max_history:
                self._history.append(message)
                if message.get("event") == "say":
                    self._says += 1
            if message.get("event") == "say":
                self._said_at = time.monotonic()
            if message.get("event") == "listen":
                self._question_at = self._says
                self._question_since = self._said_at
            self._send(message)

    def show_banner(self, text: str) -> None:
        """The emergency instruction as a full-screen banner, until staff dismiss it."""
        with self._lock:
            self._banner = text
            self._send({"event": "banner", "text": text})

    def new_session(self) -> None:
        """A person starts: the page is cleared of everything but the banner."""
        with self._lock:
            self._cancel_timer()
            self._generation += 1
            self._history = []
            self._says = self._question_at = 0
            self._said_at = self._question_since = 0.0
            self._in_session = True
            self._send({"event": "reset"})
            if self._banner is not None:
                self._send({"event": "banner", "text": self._banner})
        self.drain()

    def session_ended(self) -> None:
        """The session is over: its end stays on the page for `summary_s` seconds (or until "Done")."""
        with self._lock:
            self._in_session = False
            self._cancel_timer()
            generation = self._generation
            timer = threading.Timer(self.summary_s, self._forget, args=(generation,))
            timer.daemon = True
            self._timer = timer
        timer.start()

    def take(self, timeout: float | None = 0.0) -> Heard | None:
        """The oldest input from the page (a button, typed words) for the question now asked, waiting up to
        `timeout` seconds (None: until one comes); None when none came.

        An input given before the question now asked was shown is not taken, and the page is told (a `stale`
        event) so that the person answers again: one stamped with the sentences the page had shown (`seen`) from
        before that question (the second tap of a double tap on "No" at chest pain, sent before the breathing
        question was on the page), or, unstamped (other front ends), one that arrived before the question's
        sentences were sent. Anything given after the question appeared is taken, while it is still being
        spoken too, and however soon after the same button before it: a person who knows the questions may
        answer two in a row quickly."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else deadline - time.monotonic()
            try:
                heard, seen, at = self._inputs.get_nowait() if left is not None and left <= 0 else \
                    self._inputs.get(timeout=left)
            except queue.Empty:
                return None
            with self._lock:
                stale = seen < self._question_at if seen is not None else at < self._question_since
                if stale and heard.kind is not HeardKind.SILENCE:
                    told: dict[str, Any] = {"event": "stale"}
                    if heard.kind is HeardKind.KEY:
                        told["key"] = heard.key
                    elif heard.said is not None:
                        told["text"] = heard.said  # typed words go back to the typing box, to be sent again
                    self._send(told)
            if not stale:
                return heard
            logger.info("screen: an answer given before the question now asked was shown was not taken")

    def drain(self) -> None:
        """Forget inputs not yet taken (a new person does not inherit the last one's presses)."""
        while True:
            try:
                self._inputs.get_nowait()
            except queue.Empty:
                return

    @property
    def attached(self) -> bool:
        """Whether a page is attached now."""
        return self._page is not None

    @property
    def banner(self) -> str | None:
        """The emergency banner shown now, if any."""
        return self._banner

    def close(self) -> None:
        """Close the attached page and stop the sender. Safe to call twice."""
        with self._lock:
            self._cancel_timer()
            page, self._page = self._page, None
        if page is not None:
            self._put(page, _Close("the kiosk is stopping"), anyway=True)
        self._closed.set()
        self._sender.join(2.0)

    # ------------------------------------------------------------------ the server's side

    def attach(self, page: Page) -> None:
        """A page connected: it takes the screen over and is shown where things are."""
        with self._lock:
            old, self._page = self._page, page
            self.attached_count += 1
            if old is not None:
                self._put(old, json.dumps({"event": "replaced"}), anyway=True)
                self._put(old, _Close("another page took the screen over"), anyway=True)
            self._put(page, json.dumps({"event": "hello", "mode": self.mode}))
            self._put(page, json.dumps({"event": "reset"}))
            if self._in_session or self._history:
                for message in self._history:
                    self._put(page, json.dumps(message))
            else:
                self._put(page, json.dumps({"event": "waiting", "text": self.invitation}))
            if self._banner is not None:
                self._put(page, json.dumps({"event": "banner", "text": self._banner}))
        if old is not None:
            logger.info("screen: a new page took the screen over from another")

    def detach(self, page: Page) -> None:
        """A page's connection closed (a closed tab, a reload, a lost network)."""
        with self._lock:
            if self._page is page:
                self._page = None

    def receive(self, page: Page, raw: str | bytes) -> None:
        """One message from a page: an answer, a key, staff dismissing the banner, or "Done". Anything else is
        answered with an `error` event to that page and changes nothing."""
        if page is not self._page:
            return  # a replaced page's last words
        problem = self._act(raw)
        if problem is not None:
            logger.info("screen: a message was not understood (%s)", problem)
            self._put(page, json.dumps({"event": "error", "message": problem}))

    def _act(self, raw: str | bytes) -> str | None:
        if isinstance(raw, bytes):
            return "send text messages (JSON), not binary ones"
        try:
            data = json.loads(raw)
        except ValueError:
            return "not valid JSON"
        if not isinstance(data, dict):
            return "expected one object with one of: text, key, silence, dismiss, clear"
        seen = data.pop("seen", None)
        if seen is not None and (not isinstance(seen, int) or isinstance(seen, bool) or seen < 0):
            return "seen must be the number of sentences the page has shown (a whole number)"
        if len(data) != 1:
            return "expected one object with one of: text, key, silence, dismiss, clear"
        (name, value), = data.items()
        if name == "text" and isinstance(value, str):
            text = " ".join(value.split())
            if not text:
                return "the text is empty"
            if len(text) > self.limits.max_text_chars:
                logger.info("screen: a typed answer of %d characters was cut to %d", len(text),
                            self.limits.max_text_chars)
                text = text[:self.limits.max_text_chars]
            self._input(Heard.text_of(text), seen)
        elif name == "key" and isinstance(value, str) and (value == START_KEY or
                                                          (len(value) == 1 and value.isprintable())):
            self._input(Heard.key_press(value), None if value == START_KEY else seen)
        elif name == "silence" and value is True:
            self._input(Heard.silence(), seen)
        elif name == "dismiss" and value is True:
            with self._lock:
                self._banner = None
                self._send({"event": "dismissed"})
            logger.info("screen: the emergency banner was dismissed")
        elif name == "clear" and value is True:
            with self._lock:
                generation, ended = self._generation, not self._in_session
            if ended:
                self._forget(generation)
        else:
            return f"{name!r} with that value is not something the screen takes"
        return None

    # ------------------------------------------------------------------ inside

    def _input(self, heard: Heard, seen: int | None = None) -> None:
        while True:
            try:
                self._inputs.put_nowait((heard, seen, time.monotonic()))
                return
            except queue.Full:
                try:
                    self._inputs.get_nowait()
                    logger.info("screen: inputs arrive faster than the session takes them; the oldest was dropped")
                except queue.Empty:
                    pass

    def _forget(self, generation: int) -> None:
        """Between sessions: the page is cleared and shows the invitation (unless a new session began)."""
        with self._lock:
            if generation != self._generation or self._in_session:
                return
            self._generation += 1
            self._history = []
            self._says = self._question_at = 0
            self._said_at = self._question_since = 0.0
            self._cancel_timer()  # "Done" came first: the timer's thread ends now, not after summary_s
            self._send({"event": "reset"})
            self._send({"event": "waiting", "text": self.invitation})
            if self._banner is not None:
                self._send({"event": "banner", "text": self._banner})

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _send(self, message: dict[str, Any]) -> None:
        """To the attached page, if any (the caller holds the lock)."""
        if self._page is not None:
            self._put(self._page, json.dumps(message))

    def _put(self, page: Page, item: str | _Close, anyway: bool = False) -> None:
        """Queue `item` for `page`; sent only while `page` is attached, unless `anyway`."""
        try:
            self._outbox.put_nowait((page, item, anyway))
        except queue.Full:
            logger.warning("screen: the page stopped reading; dropping it")
            if self._page is page:
                self._page = None

    def _send_loop(self) -> None:
        while not (self._closed.is_set() and self._outbox.empty()):
            try:
                page, item, anyway = self._outbox.get(timeout=0.2)
            except queue.Empty:
                continue
            try:
                if isinstance(item, _Close):
                    page.close(1000, item.reason)
                elif anyway or page is self._page:
                    page.send(item)
            except Exception as exc:  # the page has gone: its connection thread detaches it
                logger.debug("screen: a message could not be sent (%s)", exc)
