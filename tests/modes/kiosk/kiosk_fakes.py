"""Test doubles for the kiosk: a fake clock, a scripted channel, and helpers to read what was said."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable, Iterable

from voice_triage.modes.conversation import Heard, HeardKind
from voice_triage.recognition.base import Recognition
from voice_triage.recognition.plan import ListeningPlan
from voice_triage.speech.settings import VoiceSettings

SPEECH_SECONDS = 2.0
"""How long a scripted utterance takes on the fake clock."""


class FakeClock:
    """Time moves only when the channel listens or the kiosk sleeps."""

    def __init__(self, start: float = 1000.0, wall: float = 1_764_000_000.0):
        self.t = start
        self.wall0 = wall - start
        self.slept: list[float] = []

    def now(self) -> float:
        return self.t

    def wall(self) -> float:
        return self.wall0 + self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds

    def advance(self, seconds: float) -> None:
        self.t += seconds


def say(text: str, confidence: float = 0.9) -> Heard:
    return Heard(HeardKind.SPEECH, Recognition(text, confidence, True, "script", heard=text))


def mumble(heard: str = "") -> Heard:
    """Something said that the recognizer did not understand (`heard`: its raw hypothesis)."""
    return Heard(HeardKind.SPEECH, Recognition.not_understood("script", heard=heard))


def key(k: str) -> Heard:
    return Heard(HeardKind.KEY, key=k)


SILENCE = Heard(HeardKind.SILENCE)
NOISE = mumble()


@dataclass
class Said:
    """One thing the channel did, in order."""

    kind: str
    """say, emergency, heard, adjust, new_person, listen."""
    text: str = ""


@dataclass
class ScriptedChannel:
    """Plays a script of Heard items (or exceptions to raise) to the kiosk and records everything it does.

    When the script runs out, `stop` is set and the channel answers silence, so the kiosk ends.
    `fail_say(text)` may return an exception for say() to raise (a TTS failure).
    """

    script: list
    clock: FakeClock
    stop: threading.Event = field(default_factory=threading.Event)
    fail_say: Callable[[str], BaseException | None] | None = None
    keep_log: bool = True
    log: list[Said] = field(default_factory=list)
    settings: VoiceSettings = field(default_factory=VoiceSettings)
    base: VoiceSettings = field(default_factory=VoiceSettings)
    listens: list[ListeningPlan] = field(default_factory=list)
    closed: bool = False
    on_new_person: Callable[[], None] | None = None
    is_healthy: bool = True

    def _record(self, kind: str, text: str = "") -> None:
        if self.keep_log:
            self.log.append(Said(kind, text))

    def say(self, text: str) -> None:
        if self.fail_say is not None:
            exc = self.fail_say(text)
            if exc is not None:
                raise exc
        self._record("say", text)

    def say_emergency(self, text: str) -> None:
        self._record("emergency", text)

    def show_heard(self, text: str) -> None:
        self._record("heard", text)

    def adjust(self, command: str) -> None:
        self.settings = self.settings.adjusted(command)
        self._record("adjust", command)

    def new_person(self, reset_voice: bool) -> None:
        if self.on_new_person is not None:
            self.on_new_person()
        if reset_voice:
            self.settings = self.base
        self._record("new_person")

    def listen(self, plan: ListeningPlan) -> Heard:
        if self.keep_log:
            self.listens.append(plan)
        self._record("listen", plan.question)
        if not self.script:
            self.stop.set()
            self.clock.advance(plan.timeout_s)
            return SILENCE
        item = self.script.pop(0)
        if isinstance(item, BaseException):
            raise item
        if callable(item):
            item = item(plan)
        self.clock.advance(plan.timeout_s if item.kind is HeardKind.SILENCE else SPEECH_SECONDS)
        return item

    def healthy(self) -> bool:
        return self.is_healthy

    def close(self) -> None:
        self.closed = True

    # -------------------------------------------------------------- reading the log

    def spoken(self) -> list[str]:
        """Every sentence said or given as the emergency instruction, in order."""
        return [s.text for s in self.log if s.kind in ("say", "emergency")]

    def sessions(self) -> list[list[Said]]:
        """The log cut at each new_person (the part before the first one is dropped)."""
        out: list[list[Said]] = []
        for item in self.log:
            if item.kind == "new_person":
                out.append([])
            elif out:
                out[-1].append(item)
        return out


def spoken_in(session: Iterable[Said]) -> list[str]:
    return [s.text for s in session if s.kind in ("say", "emergency")]
