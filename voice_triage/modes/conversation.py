"""The one conversation loop every voice mode runs: present a turn, listen with the plan, feed the session.

    plan_for(session)      the dialogue's `listen` event -> a ListeningPlan for recognition
    reply(session, heard)  what was heard -> the session's Turn, the emergency first
    present(turn, channel) show and speak a turn: the emergency instruction before anything else
    converse(...)          the loop of the three until the session ends

The live loop, the demo and the kiosk call `converse` with their Channel; `--io jsonl` calls `plan_for`
and `reply` for each {"audio": PATH} line. The kiosk adds only waking, idle reset, the staff alert and
device back-off around it.
"""
from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

from voice_triage.dialogue.policy import DEFAULT, DialoguePolicy
from voice_triage.dialogue.session import Session, Turn
from voice_triage.recognition.base import UNKNOWN, Recognition
from voice_triage.recognition.config import Thresholds
from voice_triage.recognition.plan import ListeningPlan

logger = logging.getLogger(__name__)


class HeardKind(StrEnum):
    """What came back from listening once."""

    SPEECH = "speech"
    """Something was said: `recognition` is what the recognizer made of it (maybe not understood)."""
    SILENCE = "silence"
    """Nothing was said before the listen timeout."""
    KEY = "key"
    """A key was pressed (`key`)."""


@dataclass(frozen=True)
class Heard:
    """The outcome of one listen."""

    kind: HeardKind
    recognition: Recognition | None = None
    """SPEECH: the recognizer's whole result."""
    key: str = ""
    """KEY: the key pressed."""

    @classmethod
    def from_recognition(cls, result: Recognition | None) -> "Heard":
        return cls(HeardKind.SILENCE) if result is None else cls(HeardKind.SPEECH, result)

    @property
    def text(self) -> str:
        """What was heard, in words ("" for silence; the key for a key)."""
        if self.kind is HeardKind.KEY:
            return self.key
        result = self.recognition
        if result is None:
            return ""
        if result.understood and result.text and not result.partial:
            return result.text
        return " ".join((result.heard or result.text).replace(UNKNOWN, " ").split())


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


def plan_for(session: Session, timeout_s: float | None = None) -> ListeningPlan:
    """The listening plan of the session's current question: its phrases (free speech at the open question),
    and the emergency phrases to decode once more from the same audio (recognition.listener says when)."""
    free = session.question == "open"
    return ListeningPlan(
        question=session.question,
        phrases=None if free else tuple(session.grammar()),
        leads=() if free else session.content.listen_leads,
        # not while confirming: a doubtful emergency there cannot be asked back, so it would be an alarm
        recheck=() if session.confirming else tuple(session.content.emergency.phrases),
        watch=session.judge,
        context=session.asked,
        timeout_s=timeout_s,
    )


def session_policy(thresholds: Thresholds, base: DialoguePolicy = DEFAULT) -> DialoguePolicy:
    """The dialogue policy of a voice session: answers are confirmed below the recognizer's own threshold
    (recognition.config: the engine's, or --confirm-below)."""
    return dataclasses.replace(base, confirm_below=thresholds.confirm_below)


def reply(session: Session, heard: Heard, thresholds: Thresholds | None = None,
          keys: Mapping[str, str] | None = None) -> Turn | None:
    """The session's reply to what was heard; None for a key that means nothing (the question stands).

    A partial result that stopped listening holds an emergency: the session hears it as said. An answer
    the question's phrases missed but free decoding heard ("yeah" for "yes") is offered at the engine's
    `free_text_confidence`, so it is confirmed."""
    if heard.kind is HeardKind.SILENCE:
        return session.silence()
    if heard.kind is HeardKind.KEY:
        said = (keys or {}).get(heard.key.lower()) if len(heard.key) == 1 else None
        return None if said is None else session.hear(said)
    result = heard.recognition
    assert result is not None
    if result.partial:
        logger.info("emergency heard in a partial result: %r", heard.text)
        return session.hear(heard.text)
    result = session.judge.decide(result, session.question, thresholds)
    if result.understood and result.text:
        return session.hear(result.text, confidence=result.confidence, doubtful=result.doubtful)
    if result.free_text and session.question not in ("open", "more"):
        meaning = session.interpreter.interpret(result.free_text, session.question)
        if meaning.is_answer:
            sure = thresholds.free_text_confidence if thresholds is not None else None
            return session.hear(result.free_text, confidence=sure)
    return session.not_understood(heard=heard.text)


def present(turn: Turn, channel: Channel, on_event: Callable[[dict], None] | None = None) -> None:
    """Show and speak one turn: what was heard, voice changes, the emergency instruction first, the rest.

    The emergency instruction is the first `say` after the `emergency` event; it is spoken before every
    other sentence of the turn (at full volume; the voice repeats it). `on_event` sees each event just
    before it is acted on, in the order acted on (the kiosk starts its staff alert there)."""
    events = list(turn.events)
    kinds = [event.get("event") for event in events]
    first: list[int] = [i for i, kind in enumerate(kinds) if kind == "heard"]
    instruction_at = None
    if "emergency" in kinds:
        alarm = kinds.index("emergency")
        instruction_at = next((j for j in range(alarm + 1, len(events)) if kinds[j] == "say"), None)
        first += [alarm] + ([instruction_at] if instruction_at is not None else [])
    order = first + [i for i in range(len(events)) if i not in first]
    for command in turn.voice:  # before speaking: "slower" is answered in the slower voice
        channel.adjust(command)
    for i in order:
        event = events[i]
        if on_event:
            on_event(event)
        if kinds[i] == "heard":
            channel.show_heard(str(event.get("text", "")))
        elif kinds[i] == "emergency" and "heard" not in kinds and event.get("heard"):
            channel.show_heard(str(event["heard"]))
        elif kinds[i] == "say":
            if i == instruction_at:
                channel.say_emergency(str(event["text"]))
            else:
                channel.say(str(event["text"]))


@dataclass(frozen=True)
class ConversationOptions:
    """How the loop behaves beyond what the session decides."""

    max_listens: int = 150
    """A backstop: after this many listens the session is stopped (the session has its own, smaller bound;
    this one only guards against a session that never ends)."""
    keys: Mapping[str, str] | None = None
    """The keyboard fallback: each key and what the session hears for it (grammars/keys.yaml)."""
    thresholds: Thresholds | None = None
    """The recognizer's thresholds (`free_text_confidence`)."""
    listen_timeout_s: float | None = None
    """Seconds without speech that count as silence; None: the listener's endpointing configuration."""


def converse(session: Session, turn: Turn, channel: Channel, options: ConversationOptions = ConversationOptions(),
             *, on_event: Callable[[dict], None] | None = None,
             let_go: Callable[[Heard], bool] | None = None) -> str:
    """Listen and answer until the session ends, after `turn` (already presented).

    Returns how it ended: "completed", "stopped" (the backstop, or a session that asked nothing) or "idle"
    (`let_go(heard)` said the person has gone: the caller says goodbye). `on_event` sees every event as it
    is acted on, and ``_listening``/``_heard`` markers (for the benchmark)."""
    listens = 0
    while not session.ended:
        if turn.listen is None:
            logger.warning("the session neither ended nor asked anything; stopping it")
            present(session.stop(), channel, on_event)
            return "stopped"
        if listens >= options.max_listens:
            logger.warning("stopping a session after %d listens", listens)
            present(session.stop(), channel, on_event)
            return "stopped"
        listens += 1
        if on_event:
            on_event({"event": "_listening", "question": session.question, "at": time.monotonic()})
        heard = channel.listen(plan_for(session, options.listen_timeout_s))
        if on_event:
            on_event({"event": "_heard", "text": heard.text, "kind": heard.kind.value,
                      "partial": bool(heard.recognition and heard.recognition.partial), "at": time.monotonic()})
        if let_go is not None and let_go(heard):
            return "idle"
        answer = reply(session, heard, options.thresholds, options.keys)
        if answer is None:
            continue  # a key without a meaning: the question stands
        turn = answer
        present(turn, channel, on_event)
    return "completed"
