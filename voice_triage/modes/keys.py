"""The keyboard fallback: single key presses read from a terminal in a background thread.

The microphone is never blocked by the keyboard: a thread waits on the terminal with select() and puts each
key, with the time it was pressed, in a queue that the voice channel looks at while it listens. A key answers
only the question on the screen when it was pressed: the voice channel calls `showing` as each sentence is
shown, and a key pressed before the sentence now on the screen is not taken; the person is told so (the voice
channel captions `stale`), so a double press of "n" at the chest pain question whose second press comes before
the breathing question is shown never answers it. A key pressed after the question was shown is taken, however
soon after the same key before it: a person who knows the questions may answer "n", "n" quickly. A held key is
one press: its repeats (AutoRepeat) are not taken.
The terminal is put in cbreak mode (keys arrive without Enter; Ctrl-C still interrupts) and restored on close.
When standard input is not a terminal (a service, a pipe, /dev/null) there is no keyboard: the reader stays
empty and nothing else changes.
"""
from __future__ import annotations

import collections
import logging
import os
import queue
import select
import threading
import time
from enum import Enum
from typing import Any, Protocol, TextIO

from voice_triage.dialogue.events import Heard

logger = logging.getLogger(__name__)

START = "start"
"""The key a screen's Start button sends: it starts a session even where other keys do not."""

POLL_SECONDS = 0.2
"""How often the key thread looks whether it should stop."""
REPEAT_S = 0.08
"""A held key repeats every 25-50 ms (Linux's default is 33 ms, X's 40 ms); a person's quickest double press is
100 ms or more apart. The same key again within this long of the one before it is the key still held."""
HOLD_S = 1.0
"""A held key starts repeating after its repeat delay (250-660 ms by default, up to 1 s): the same key again
within this long of the one before it, followed within REPEAT_S by more of it, is that first repeat."""
STALE_CAPTION = "that press was for the previous question, so it was not taken. Please answer this question."
"""The caption when keys pressed before the question now on the screen are not taken (after "Key n: ")."""


class Verdict(str, Enum):
    """What AutoRepeat makes of one key."""

    PRESS = "press"
    """A press of its own: taken (if it came after the question now asked was shown)."""
    REPEAT = "repeat"
    """A held key repeating: not taken, and nothing to tell (the person pressed once)."""
    WAIT = "wait"
    """Perhaps the first repeat of a held key: known when the next key comes, or REPEAT_S after this one."""


class AutoRepeat:
    """Tells a held key's repeats from presses, in the order keys were pressed.

    A held key gives a press, then (after the repeat delay) a stream of repeats REPEAT_S apart at most. A key
    within REPEAT_S of the same key before it is a repeat; a key within HOLD_S of the same key before it and
    followed within REPEAT_S by the same key again is the first repeat of the stream. Anything else is a press,
    so a deliberate second press of the same key (100 ms or more later, not followed by a stream) is taken."""

    def __init__(self, repeat_s: float = REPEAT_S, hold_s: float = HOLD_S):
        self.repeat_s = repeat_s
        self.hold_s = hold_s
        self._last: tuple[str, float] | None = None

    def judge(self, key: str, at: float, following: tuple[str, float] | None, now: float) -> Verdict:
        """`key`, pressed at `at` (time.monotonic()); `following`: the key pressed after it, if one has come;
        `now`: the time now. Every key but one left to WAIT moves the stream on."""
        key = key.lower()
        gap = None if self._last is None or self._last[0] != key else at - self._last[1]
        if gap is not None and 0.0 <= gap < self.repeat_s:
            verdict = Verdict.REPEAT
        elif gap is not None and 0.0 <= gap < self.hold_s:
            if following is None:
                if now - at < self.repeat_s:
                    return Verdict.WAIT
                verdict = Verdict.PRESS
            else:
                streams = following[0].lower() == key and 0.0 <= following[1] - at < self.repeat_s
                verdict = Verdict.REPEAT if streams else Verdict.PRESS
        else:
            verdict = Verdict.PRESS
        self._last = (key, at)
        return verdict

    def forget(self) -> None:
        """A new person: no key before the next one."""
        self._last = None


class KeySource(Protocol):
    """Where key presses (and, from a screen, typed answers) come from."""

    def take(self) -> Heard | None:
        """The oldest input not yet taken (a key press, or words typed on a screen), or None; never blocks."""

    def drain(self) -> None:
        """Forget keys pressed so far (a new person should not inherit the last one's key presses)."""

    def showing(self) -> None:
        """A sentence is about to be shown and said: what was pressed before it answers nothing asked next."""

    def stale(self) -> list[str]:
        """The keys not taken since the last call because they were pressed before the sentence now shown
        (the caller tells the person, who may answer again); a source that tells the person itself says []."""

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

    def stale(self) -> list[str]:
        """Nothing pressed."""
        return []

    def close(self) -> None:
        """Nothing to release."""


class TerminalKeys:
    """Reads single keys from a terminal file descriptor in a daemon thread."""

    def __init__(self, fd: int, *, cbreak: bool = True):
        self.fd = fd
        self._queue: queue.Queue[tuple[str, float]] = queue.Queue(maxsize=64)
        self._ahead: collections.deque[tuple[str, float]] = collections.deque()
        """Keys moved out of the queue by the reader of keys (the kiosk's thread), not yet judged."""
        self._repeats = AutoRepeat()
        self._shown_at = float("-inf")
        """time.monotonic() when the sentence now on the screen was shown (`showing`)."""
        self._stale: list[str] = []
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
        """The oldest key pressed after the sentence now shown, or None. Keys pressed before it are passed over
        (and kept for `stale`); a held key's repeats are passed over; a key that may be the first repeat of a
        held key is left for a later call (REPEAT_S at most)."""
        while True:
            while True:
                try:
                    self._ahead.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if not self._ahead:
                return None
            char, pressed = self._ahead[0]
            following = self._ahead[1] if len(self._ahead) > 1 else None
            verdict = self._repeats.judge(char, pressed, following, time.monotonic())
            if verdict is Verdict.WAIT:
                return None
            self._ahead.popleft()
            if verdict is Verdict.REPEAT:
                logger.debug("keyboard: %r repeating (a held key) counts as one press", char)
            elif pressed < self._shown_at:
                logger.info("keyboard: %r pressed before the question now asked was shown was not taken", char)
                self._stale.append(char)
            else:
                return char

    def take(self) -> Heard | None:
        """The oldest key not yet taken, as a Heard, or None."""
        key = self.get_key()
        return None if key is None else Heard.key_press(key)

    def drain(self) -> None:
        """Forget every key pressed so far (none of them is told as stale)."""
        self._forget()
        self._ahead.clear()
        self._stale.clear()
        self._repeats.forget()

    def showing(self) -> None:
        """A sentence is shown now: keys pressed before it will not be taken as answers to what is asked next."""
        self._shown_at = time.monotonic()

    def stale(self) -> list[str]:
        """Keys passed over since the last call because they were pressed before the sentence now shown."""
        stale, self._stale = self._stale, []
        return stale

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

    def stale(self) -> list[str]:
        """Every source's stale keys."""
        return [key for source in self.sources for key in source.stale()]

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
