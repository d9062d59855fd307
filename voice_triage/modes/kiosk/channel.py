"""The kiosk's I/O as two small protocols: a Channel (speak, listen) and a Clock.

The kiosk loop (voice_triage.modes.kiosk.loop) only talks to these, so it is tested with a scripted
channel and a fake clock, and runs for real with voice_triage.modes.kiosk.voice.VoiceChannel (microphone,
recognizer, speech output, captions and the keyboard).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable, Protocol, Sequence, runtime_checkable

KEYS: dict[str, str] = {
    "y": "yes",
    "n": "no",
    "?": "I'm not sure",
    "r": "repeat",
    "h": "help",
    "s": "stop",
}
"""The keyboard fallback: each key and the utterance the session hears for it."""


def key_utterance(key: str) -> str | None:
    """What a key press means to the session ("yes" for y or Y), or None for a key without a meaning."""
    return KEYS.get(key.lower()) if len(key) == 1 else None


class HeardKind(str, Enum):
    """What came back from listening once."""

    SPEECH = "speech"
    """Words were recognized (``text``; ``confidence`` when the recognizer gives one)."""
    SILENCE = "silence"
    """Nothing was said before the listen timeout."""
    KEY = "key"
    """A key was pressed (``text`` is the key)."""
    NOT_UNDERSTOOD = "not_understood"
    """Something was said but not recognized as anything accepted (``text``: what was heard, maybe empty)."""


@dataclass(frozen=True)
class Heard:
    """The result of one listen."""

    kind: HeardKind
    """Speech, silence, a key or something not understood."""
    text: str = ""
    """The words heard, or the key pressed."""
    confidence: float | None = None
    """The recognizer's confidence in `text`, 0 to 1, when it gives one."""
    partial: bool = False
    """True when listening was cut short because a partial result mentioned an emergency."""
    recognition: Any = None
    """The recognizer's whole result (voice_triage.recognition.Recognition), when a recognizer heard
    it: the session reads it the way every voice mode does (speech_in.turn_from), free text included."""


@dataclass(frozen=True)
class Listening:
    """What the kiosk is listening for."""

    question: str
    """The session's question id (``wake`` between sessions)."""
    phrases: Callable[[], Sequence[str]]
    """Gives the phrases the recognizer should expect (asked only by a channel that needs them)."""
    timeout: float
    """Seconds without speech after which the listen returns silence."""
    emergency_in: Callable[[str], str | None] = field(default=lambda text: None, compare=False)
    """Checks a partial result for an emergency; the voice channel stops listening when it returns a reason."""
    session: Any = field(default=None, compare=False)
    """The session whose question this is (None between sessions): a voice channel listens as every
    voice mode does, with the session's plan (free speech and the emergency re-check at the open
    question, the question's phrases elsewhere)."""

    def grammar(self) -> tuple[str, ...]:
        """The phrases the recognizer should expect now."""
        return tuple(self.phrases())


@runtime_checkable
class Channel(Protocol):
    """The kiosk's voice and ears (and screen and keyboard)."""

    def say(self, text: str) -> None:
        """Caption and speak one sentence; return once it has been spoken."""

    def say_emergency(self, text: str) -> None:
        """The emergency instruction: a banner caption, spoken at full volume (the voice repeats it)."""

    def show_heard(self, text: str) -> None:
        """Show what was understood from the person (a caption; never spoken)."""

    def adjust(self, command: str) -> None:
        """Apply "slower", "faster", "louder" or "quieter"."""

    def listen(self, listening: Listening) -> Heard:
        """Listen for one utterance or key press."""

    def new_person(self, reset_voice: bool) -> None:
        """A session is starting: clear the screen of the previous one; reset the voice when asked."""

    def healthy(self) -> bool:
        """False when a device has degraded (e.g. the voice fell back to captions) and the channel should be reopened."""

    def close(self) -> None:
        """Release the devices. Safe to call twice."""


@runtime_checkable
class Clock(Protocol):
    """Time as the kiosk sees it; tests pass a fake one and never sleep."""

    def now(self) -> float:
        """Seconds on a monotonic clock."""

    def wall(self) -> float:
        """Seconds since the epoch (for the session log's time stamps)."""

    def sleep(self, seconds: float) -> None:
        """Wait (the back-off between attempts to reopen a lost device)."""


class SystemClock:
    """The real clock."""

    def now(self) -> float:
        """time.monotonic()."""
        return time.monotonic()

    def wall(self) -> float:
        """time.time()."""
        return time.time()

    def sleep(self, seconds: float) -> None:
        """time.sleep()."""
        time.sleep(max(0.0, seconds))
