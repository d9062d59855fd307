"""The dialogue's policy in one place: when to ask again, when to confirm, when to end early.

The numbers are frozen and built once (voice_triage.cli); what one conversation has counted so far is its
Tally; every decision that compares the two is a method here, so the session keeps no number and no rule of its
own about them.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Tally:
    """What the policy counts in one conversation."""

    inputs: int = 0
    """Every input, whatever it was."""
    silences: int = 0
    """Silences in a row."""
    failures: int = 0
    """Inputs in a row not understood at the current question."""
    consent_unclear: int = 0
    """Things said at the consent question that were not understood (not unreadable input)."""
    consent_doubted: bool = False
    """A doubtful "no" was heard at the consent question: never begin without a clear yes."""


@dataclass(frozen=True)
class DialoguePolicy:
    """Retries, confirmations and early ends."""

    confirm_below: float | None = None
    """Answers heard less sure than this are confirmed ("did I hear you right?"); None: never. Voice modes
    take the recognizer's own threshold (recognition.config.THRESHOLDS) unless --confirm-below says."""
    emergency_no_sure: float = 0.7
    """A "no" to the chest-pain or breathing question heard less sure than this is asked back ("I think you
    said no. Is that right?"), when the session confirms at all: taking a misheard "yes" as "no" there is a
    missed emergency (seen once in 16 sessions at 10 dB SNR)."""
    max_silences: int = 3
    """Silences in a row after which the session ends."""
    max_failures: int = 6
    """Utterances in a row not understood at one question after which the session ends."""
    consent_tries: int = 3
    """Answers in a row not understood at "shall we begin?" after which the session begins anyway (saying
    so, and that "stop" ends it): someone who keeps talking to the assistant wants to go on, and in a
    noisy room a short "sure" is the hardest answer to hear. Not after a doubtful "no", and not on silence."""
    max_turns: int = 120
    """A hard bound on inputs per session, whatever they are."""

    def doubts(self, confidence: float | None, confirm_below: float | None, *, emergency_no: bool = False) -> bool:
        """An answer heard this sure is confirmed first: below `confirm_below` (the recognizer's, or this policy's
        for typed input), or for a "no" to the chest-pain or breathing question (`emergency_no`) below
        `emergency_no_sure` as well. Never when the session confirms nothing or the confidence is unknown."""
        if confirm_below is None or confidence is None:
            return False
        return confidence < (max(self.emergency_no_sure, confirm_below) if emergency_no else confirm_below)

    def out_of_turns(self, tally: Tally) -> bool:
        return tally.inputs >= self.max_turns

    def ends_on_silence(self, tally: Tally) -> bool:
        return tally.silences >= self.max_silences or self.out_of_turns(tally)

    def ends_on_failures(self, tally: Tally) -> bool:
        return tally.failures >= self.max_failures

    def begins_anyway(self, tally: Tally) -> bool:
        """Someone who keeps talking at "shall we begin?" wants to go on (never after a doubtful no)."""
        return tally.consent_unclear >= self.consent_tries and not tally.consent_doubted

    def __post_init__(self) -> None:
        if self.confirm_below is not None and not 0 <= self.confirm_below <= 1:
            raise ValueError(f"confirm_below must be between 0 and 1, not {self.confirm_below}")


DEFAULT = DialoguePolicy()
"""The policy with every default (text mode without --confirm-below)."""
