"""What to listen for once: the hand-off from the dialogue's `listen` event to recognition.

Light on purpose (no speech or audio library): the text modes import it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


def _never(text: str) -> bool:
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
    prompted decoding, not of free decoding alone)."""
    is_emergency: Callable[[str], bool] = _never
    """Whether a whole result is an emergency."""
    emergency_here: Callable[[str], bool] = _never
    """Whether text is an emergency said in answer to this question ("not pain as such, more a tight
    feeling" at "do you have chest pain?"): what a second, prompted decoding is judged by."""
    names_emergency: Callable[[str], bool] = _never
    """Whether text names chest or breathing at all (even denied): the cross-check of an emergency."""
    stop_on_partial: Callable[[str], bool] = _never
    """Whether a partial result already holds an emergency: listening stops at once."""
    context: str = ""
    """What the person was just asked, in words: Whisper reads it as the text before the answer (a "no" after
    a question is "No.", not "Now.")."""
    timeout_s: float | None = None
    """Seconds without speech that count as silence; None: the endpointing configuration's."""
