"""What to listen for once: the hand-off from the dialogue's `listen` event to recognition.

Light on purpose (no speech or audio library): the text modes import it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class EmergencyWatch(Protocol):
    """What the listener may ask the emergency judge (voice_triage.understanding.judge) while it decodes. It
    decides nothing with the answers: they say when to stop listening and whether a second decoding is worth
    its time."""

    def stops(self, partial: str) -> bool:
        """A partial result already holds an emergency: listening stops at once."""
        ...

    def names(self, text: str) -> bool:
        """`text` names the chest or breathing at all, even to deny it."""
        ...


class NoWatch:
    """A watch that never stops listening and never names an emergency (a plan made without a dialogue)."""

    def stops(self, partial: str) -> bool:
        return False

    def names(self, text: str) -> bool:
        return False


@dataclass(frozen=True)
class ListeningPlan:
    """What to listen for once: made from the dialogue's `listen` event, read by the `Listener`."""

    question: str
    """The question id (or "wake" between kiosk sessions); for logs and captions."""
    phrases: tuple[str, ...] | None
    """The phrases the question accepts (answers, commands, emergency phrases); None: free speech."""
    leads: tuple[str, ...] = ()
    """Words that may come before a phrase ("wait, my chest feels tight")."""
    recheck: tuple[str, ...] = ()
    """The emergency phrases, decoded once more from the same audio where the recognizer decodes freely (an
    emergency said in answer to "tell me about the pain" is caught with the accuracy of a grammar or of a
    prompted decoding, not of free decoding alone). What came of it travels in `Recognition.alternatives`."""
    watch: EmergencyWatch = field(default_factory=NoWatch)
    """The emergency judge, asked while decoding (see EmergencyWatch)."""
    context: str = ""
    """What the person was just asked, in words: Whisper reads it as the text before the answer (a "no" after
    a question is "No.", not "Now.")."""
    timeout_s: float | None = None
    """Seconds without speech that count as silence; None: the endpointing configuration's."""
