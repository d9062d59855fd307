"""The kiosk's I/O as two small protocols: a Channel (speak, listen, reopen) and a Clock.

The kiosk loop (voice_triage.modes.kiosk.loop) only talks to these, so it is tested with a scripted
channel and a fake clock, and runs for real with voice_triage.modes.voice.VoiceChannel (microphone,
listener, speech output, captions and the keyboard).
"""
from __future__ import annotations

import time
from typing import Protocol, runtime_checkable

from voice_triage.dialogue.events import Event
from voice_triage.modes import conversation

@runtime_checkable
class Channel(conversation.Channel, Protocol):
    """The kiosk's voice and ears (and screen and keyboard): a conversation's Channel that is reopened."""

    def new_person(self, reset_voice: bool) -> None:
        """A session is starting: clear the screen of the previous one; reset the voice when asked."""

    def healthy(self) -> bool:
        """False when a device has degraded (e.g. the voice fell back to captions) and the channel should be reopened."""

    def close(self) -> None:
        """Release the devices. Safe to call twice."""


@runtime_checkable
class Shown(Protocol):
    """A channel with a screen that shows the session's events (voice_triage.modes.screen.ScreenChannel)."""

    def observe(self, event: Event) -> None:
        """One event of the session, just before it is acted on (sentences arrive through `say`)."""

    def session_ended(self) -> None:
        """The session is over however it ended: its end stays on the screen a while, then the screen clears."""


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
