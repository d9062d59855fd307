"""What a triage session gives back, typed: the events of a Turn, and what it is fed (Heard).

Every front end reads these objects; the JSON-lines protocol (docs/protocol.md) is one way of writing them
(voice_triage.modes.wire), and nothing inside the dialogue builds or reads a dict. Each event class names its
protocol event in `event`, so `[e for e in turn.events if e.event == "say"]` reads as the protocol does.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar, Union

from voice_triage.content.model import Disposition
from voice_triage.recognition.base import UNKNOWN, Recognition
from voice_triage.recognition.plan import ListeningPlan


@dataclass(frozen=True)
class SayEvent:
    """One sentence the assistant speaks (and captions), in order."""

    event: ClassVar[str] = "say"
    text: str
    """The sentence."""


@dataclass(frozen=True)
class ListenEvent:
    """The assistant now waits for exactly one input."""

    event: ClassVar[str] = "listen"
    question: str
    """The feature id asked about, or consent, open, confirm, more."""
    state: str
    """Where the conversation is: consent, open, screening, questions, closing."""
    plan: ListeningPlan = field(repr=False)
    """What recognition should listen for: built by the dialogue from its own state (dialogue/listening.py)."""
    feature: str | None = None
    """At `confirm`: the feature being confirmed."""
    value: str | None = None
    """At `confirm`: the value being confirmed (yes, no, unsure)."""


@dataclass(frozen=True)
class HeardEvent:
    """What the session understood from the last input."""

    event: ClassVar[str] = "heard"
    text: str
    """What was heard, in words."""
    intent: str
    """yes, no, unsure, a command, free, emergency, ask_back, not_understood."""
    confidence: float | None = None
    """How sure recognition was (voice only), rounded to 3 places."""
    feature: str | None = None
    """The feature the answer is about, when it answers one."""
    value: str | None = None
    """The answer given to `feature`."""
    reason: str | None = None
    """An emergency reason named but not raised (an ask-back)."""


@dataclass(frozen=True)
class EmergencyEvent:
    """Chest pain or breathlessness: the instruction follows at once and the session ends."""

    event: ClassVar[str] = "emergency"
    reason: str
    """chest_pain or breathlessness."""
    heard: str
    """What was said."""


@dataclass(frozen=True)
class EndEvent:
    """The session is over."""

    event: ClassVar[str] = "end"
    disposition: Disposition
    """emergency, urgent, see_doctor, self_care or incomplete."""
    patterns: tuple[str, ...] = ()
    """Pattern ids, most likely first."""
    answers: Mapping[str, str] = field(default_factory=dict)
    """Feature id -> yes, no or unsure."""


Event = Union[SayEvent, ListenEvent, HeardEvent, EmergencyEvent, EndEvent]
"""One thing the assistant does or says."""


@dataclass
class Turn:
    """What the assistant does in reply to one input."""

    events: list[Event] = field(default_factory=list)
    """In order, as they are to be acted on (the emergency first)."""
    voice: list[str] = field(default_factory=list)
    """Speech adjustments asked for in this turn: slower, faster, louder, quieter."""

    @property
    def says(self) -> list[str]:
        return [e.text for e in self.events if isinstance(e, SayEvent)]

    def last(self, kind: type) -> Event | None:
        return next((e for e in reversed(self.events) if isinstance(e, kind)), None)

    @property
    def listen(self) -> ListenEvent | None:
        return self.last(ListenEvent)

    @property
    def end(self) -> EndEvent | None:
        return self.last(EndEvent)

    @property
    def emergency(self) -> EmergencyEvent | None:
        return self.last(EmergencyEvent)

    @property
    def heard(self) -> HeardEvent | None:
        return self.last(HeardEvent)


class HeardKind(StrEnum):
    """What came back from listening once."""

    SPEECH = "speech"
    """Something was said: `recognition` is what the recognizer made of it, or `said` the words typed."""
    SILENCE = "silence"
    """Nothing was said before the listen timeout."""
    KEY = "key"
    """A key was pressed (`key`)."""


@dataclass(frozen=True)
class Heard:
    """What a session is fed: words said or typed, a recognizer's whole result, silence, or a key."""

    kind: HeardKind
    recognition: Recognition | None = None
    """SPEECH by voice: the recognizer's whole result (its decodings and thresholds travel with it)."""
    key: str = ""
    """KEY: the key pressed."""
    said: str | None = None
    """SPEECH as text (typed, or transcribed elsewhere)."""
    confidence: float | None = None
    """SPEECH as text: how sure whoever transcribed it was, if known."""

    @classmethod
    def text_of(cls, text: str, confidence: float | None = None) -> "Heard":
        return cls(HeardKind.SPEECH, said=text, confidence=confidence)

    @classmethod
    def from_recognition(cls, result: Recognition | None) -> "Heard":
        return cls(HeardKind.SILENCE) if result is None else cls(HeardKind.SPEECH, result)

    @classmethod
    def silence(cls) -> "Heard":
        return cls(HeardKind.SILENCE)

    @classmethod
    def key_press(cls, key: str) -> "Heard":
        return cls(HeardKind.KEY, key=key)

    @property
    def text(self) -> str:
        """What was heard, in words ("" for silence; the key for a key)."""
        if self.kind is HeardKind.KEY:
            return self.key
        if self.said is not None:
            return self.said
        result = self.recognition
        if result is None:
            return ""
        if result.understood and result.text and not result.partial:
            return result.text
        return " ".join((result.heard or result.text).replace(UNKNOWN, " ").split())
