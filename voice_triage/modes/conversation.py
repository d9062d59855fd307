"""The one conversation loop every voice mode runs: present a turn, listen with its plan, feed the triage.

    present(turn, channel) show and speak a turn: the emergency instruction before anything else
    converse(...)          listen with the turn's ListeningPlan, hear, present, until the conversation ends

The live loop, the demo and the kiosk call `converse` with their Channel and a Triage (voice_triage.dialogue.
triage); `--io jsonl` hands each {"audio": PATH} line's Recognition to the same Triage. The plan comes from the
dialogue in the `listen` event; what was heard is judged by the Triage, with the thresholds of the recognizer
that heard it. The kiosk adds only waking, idle reset, the staff alert and device back-off around it.
"""
from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, Union, runtime_checkable

from voice_triage.dialogue.events import (EmergencyEvent, Event, Heard, HeardEvent, HeardKind, SayEvent, Turn)
from voice_triage.dialogue.triage import Triage
from voice_triage.recognition.plan import ListeningPlan

logger = logging.getLogger(__name__)

__all__ = ["Channel", "ConversationOptions", "Heard", "HeardKind", "Listening", "Listened", "converse", "present"]


@dataclass(frozen=True)
class Listening:
    """A marker for the benchmark: the loop starts listening (monotonic time `at`)."""

    question: str
    at: float


@dataclass(frozen=True)
class Listened:
    """A marker for the benchmark: listening came back with `heard` (monotonic time `at`)."""

    heard: Heard
    at: float


Seen = Union[Event, Listening, Listened]
"""What `on_event` sees: each event as it is acted on, and the loop's markers."""

@runtime_checkable
class Channel(Protocol):
    """A conversation's voice and ears (and screen and keyboard)."""

    def say(self, text: str) -> None:
        """Caption and speak one sentence; return once it has been spoken."""

    def say_emergency(self, text: str) -> None:
        """The emergency instruction: a banner caption, spoken at full volume (the voice repeats it)."""

    def show_heard(self, text: str) -> None:
        """Show what was understood from the person (a caption; never spoken)."""

    def adjust(self, command: str) -> None:
        """Apply "slower", "faster", "louder" or "quieter"."""

    def listen(self, plan: ListeningPlan) -> Heard:
        """Listen for one utterance or key press, as `plan` says."""


def present(turn: Turn, channel: Channel, on_event: Callable[[Seen], None] | None = None) -> None:
    """Show and speak one turn: what was heard, voice changes, the emergency instruction first, the rest.

    The emergency instruction is the first `say` after the `emergency` event; it is spoken before every
    other sentence of the turn (at full volume; the voice repeats it). `on_event` sees each event just
    before it is acted on, in the order acted on (the kiosk starts its staff alert there)."""
    events = list(turn.events)
    first: list[int] = [i for i, event in enumerate(events) if isinstance(event, HeardEvent)]
    instruction_at = None
    alarm = next((i for i, event in enumerate(events) if isinstance(event, EmergencyEvent)), None)
    if alarm is not None:
        instruction_at = next((j for j in range(alarm + 1, len(events)) if isinstance(events[j], SayEvent)), None)
        first += [alarm] + ([instruction_at] if instruction_at is not None else [])
    order = first + [i for i in range(len(events)) if i not in first]
    for command in turn.voice:  # before speaking: "slower" is answered in the slower voice
        channel.adjust(command)
    heard_shown = turn.heard is not None
    for i in order:
        event = events[i]
        if on_event:
            on_event(event)
        if isinstance(event, HeardEvent):
            channel.show_heard(event.text)
        elif isinstance(event, EmergencyEvent) and not heard_shown and event.heard:
            channel.show_heard(event.heard)
        elif isinstance(event, SayEvent):
            if i == instruction_at:
                channel.say_emergency(event.text)
            else:
                channel.say(event.text)


@dataclass(frozen=True)
class ConversationOptions:
    """How the loop behaves beyond what the session decides."""

    max_listens: int = 150
    """A backstop: after this many listens the session is stopped (the session has its own, smaller bound;
    this one only guards against a session that never ends)."""
    listen_timeout_s: float | None = None
    """Seconds without speech that count as silence; None: the listener's endpointing configuration."""


def converse(triage: Triage, turn: Turn, channel: Channel, options: ConversationOptions = ConversationOptions(),
             *, on_event: Callable[[Seen], None] | None = None,
             let_go: Callable[[Heard], bool] | None = None) -> str:
    """Listen and answer until the conversation ends, after `turn` (already presented).

    Returns how it ended: "completed", "stopped" (the backstop, or a turn that asked nothing) or "idle"
    (`let_go(heard)` said the person has gone: the caller says goodbye). `on_event` sees every event as it
    is acted on, and Listening/Listened markers (for the benchmark)."""
    listens = 0
    listen = turn.listen
    while not triage.ended:
        if listen is None:
            logger.warning("the conversation neither ended nor asked anything; stopping it")
            present(triage.stop(), channel, on_event)
            return "stopped"
        if listens >= options.max_listens:
            logger.warning("stopping a conversation after %d listens", listens)
            present(triage.stop(), channel, on_event)
            return "stopped"
        listens += 1
        if on_event:
            on_event(Listening(listen.question, time.monotonic()))
        plan = listen.plan
        if options.listen_timeout_s is not None:
            plan = dataclasses.replace(plan, timeout_s=options.listen_timeout_s)
        heard = channel.listen(plan)
        if on_event:
            on_event(Listened(heard, time.monotonic()))
        if let_go is not None and let_go(heard):
            return "idle"
        answer = triage.hear(heard)
        if answer is None:
            continue  # a key without a meaning: the question stands
        listen = answer.listen
        present(answer, channel, on_event)
    return "completed"
