"""The keyboard fallback: single key presses read from a terminal in a background thread.

The microphone is never blocked by the keyboard: a thread waits on the terminal with select() and puts each
key, with the time it was pressed, in a queue that the voice channel looks at while it listens. A key answers
only the question on the screen when it was pressed: keys pressed while earlier sentences were shown are
forgotten when the next one is shown (`showing`), and the second press of a double press is not taken
(DOUBLE_PRESS_S), so a double press of "n" never answers the next question, perhaps a red flag, unseen.
The terminal is put in cbreak mode (keys arrive without Enter; Ctrl-C still interrupts) and restored on close.
When standard input is not a terminal (a service, a pipe, /dev/null) there is no keyboard: the reader stays
empty and nothing else changes.
"""
from __future__ import annotations

import logging
import os
import queue
import select
import threading
import time
from typing import Any, Protocol, TextIO

from voice_triage.dialogue.events import Heard

logger = logging.getLogger(__name__)

START = "start"
"""The key a screen's Start button sends: it starts a session even where other keys do not."""

POLL_SECONDS = 0.2
"""How often the key thread looks whether it should stop."""
DOUBLE_PRESS_S = 0.5
"""The same key pressed again this soon after one that was taken is the second press of a double press (the
usual double-click time), or a held key repeating: one press. Nobody hears or reads a new question this fast."""


class DoublePress:
    """Tells the second press of a double press (and a held key's repeats) from a new press."""

    def __init__(self, window_s: float = DOUBLE_PRESS_S):
        self.window_s = window_s
        self._last: tuple[str, float] | None = None

    def repeated(self, key: str, at: float) -> bool:
        """Whether `key`, pressed at `at` (time.monotonic()), is the same key again within the window of the
        press before it. Every press moves the window on, so a held key stays one press."""
        key = key.lower()
        last, self._last = self._last, (key, at)
        return last is not None and last[0] == key and 0.0 <= at - last[1] < self.window_s

    def forget(self) -> None:
        """A new person: no press before this one."""
        self._last = None


class KeySource(Protocol):
    """Where key presses (and, from a screen, typed answers) come from."""

    def take(self) -> Heard | None:
        """The oldest input not yet taken (a key press, or words typed on a screen), or None; never blocks."""

    def drain(self) -> None:
        """Forget keys pressed so far (a new person should not inherit the last one's key presses)."""

    def showing(self) -> None:
        """A sentence is about to be shown and said: what was pressed before it answers nothing asked next."""

    def close(self) -> None:
        """Stop reading and restore the terminal."""


class NoKeys:
    """No keyboard."""

    def take(self) -> Heard | None:
        """Never a key."""
        return None

    def drain(self) -> None:
        """Nothing to forget."""

    def showing(self) -> None:
        """Nothing pressed."""

    def close(self) -> None:
        """Nothing to release."""


class TerminalKeys:
    """Reads single keys from a terminal file descriptor in a daemon thread."""

    def __init__(self, fd: int, *, cbreak: bool = True):
        self.fd = fd
        self._queue: queue.Queue[tuple[str, float]] = queue.Queue(maxsize=64)
        self._presses = DoublePress()
        self._stop = threading.Event()
        self._saved: Any = None
        if cbreak:
            self._saved = _enter_cbreak(fd)
        self._thread = threading.Thread(target=self._pump, name="kiosk-keys", daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self.fd], [], [], POLL_SECONDS)
                if not ready:
                    continue
                data = os.read(self.fd, 32)
            except (OSError, ValueError) as exc:
                logger.info("keyboard no longer readable (%s)", exc)
                return
            if not data:
                logger.info("keyboard closed")
                return
            pressed = time.monotonic()
            for char in data.decode("utf-8", "ignore"):
                if char.isprintable() and not char.isspace():
                    try:
                        self._queue.put_nowait((char, pressed))
                    except queue.Full:  # nobody is taking keys: drop them
                        self._forget()

    def get_key(self) -> str | None:
        """The oldest key not yet taken, or None; the second press of a double press is passed over."""
        while True:
            try:
                char, pressed = self._queue.get_nowait()
            except queue.Empty:
                return None
            if not self._presses.repeated(char, pressed):
                return char
            logger.info("keyboard: %r pressed again within %.1f s counts as one press", char,
                        self._presses.window_s)

    def take(self) -> Heard | None:
        """The oldest key not yet taken, as a Heard, or None."""
        key = self.get_key()
        return None if key is None else Heard.key_press(key)

    def drain(self) -> None:
        """Forget queued keys."""
        self._forget()
        self._presses.forget()

    def showing(self) -> None:
        """Forget keys pressed before this sentence: they were not answers to the question asked next."""
        if self._forget():
            logger.info("keyboard: keys pressed before the question now asked was shown were not taken")

    def _forget(self) -> int:
        forgotten = 0
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return forgotten
            forgotten += 1

    def close(self) -> None:
        """Stop the thread and restore the terminal settings."""
        self._stop.set()
        self._thread.join(2 * POLL_SECONDS + 0.1)
        if self._saved is not None:
            _restore(self.fd, self._saved)
            self._saved = None


class AnyKeys:
    """Several sources at once (the terminal's keyboard and a screen's buttons): the first that has an input."""

    def __init__(self, *sources: KeySource):
        self.sources = sources

    def take(self) -> Heard | None:
        """The oldest input of the first source that has one."""
        for source in self.sources:
            heard = source.take()
            if heard is not None:
                return heard
        return None

    def drain(self) -> None:
        """Forget every source's inputs."""
        for source in self.sources:
            source.drain()

    def showing(self) -> None:
        """Tell every source a sentence is shown."""
        for source in self.sources:
            source.showing()

    def close(self) -> None:
        """Close every source."""
        for source in self.sources:
            source.close()


def _enter_cbreak(fd: int) -> Any:
    try:
        import termios
        import tty

        saved = termios.tcgetattr(fd)
        tty.setcbreak(fd)
        return saved
    except Exception as exc:  # ImportError off Unix, termios.error (not an OSError) on an odd terminal
        logger.info("keyboard: cannot switch the terminal to single keys (%s)", exc)
        return None


def _restore(fd: int, saved: Any) -> None:
    try:
        import termios

        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    except Exception as exc:  # termios.error: the terminal may be gone already
        logger.debug("keyboard: terminal not restored (%s)", exc)


def open_keys(stream: TextIO | None) -> KeySource:
    """Keys from `stream` when it is a terminal; otherwise no keyboard (and nothing breaks)."""
    if stream is None:
        return NoKeys()
    try:
        fd = stream.fileno()
        if not os.isatty(fd):
            logger.info("standard input is not a terminal: no keyboard fallback")
            return NoKeys()
    except (AttributeError, OSError, ValueError):
        return NoKeys()
    return TerminalKeys(fd)
