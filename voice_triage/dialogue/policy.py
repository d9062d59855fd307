"""The dialogue's policy in one place: when to ask again, when to confirm, when to end early.

Frozen and built once (voice_triage.cli); the session reads it and keeps no number of its own.
"""
from __future__ import annotations

from dataclasses import dataclass


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

    def __post_init__(self) -> None:
        if self.confirm_below is not None and not 0 <= self.confirm_below <= 1:
            raise ValueError(f"confirm_below must be between 0 and 1, not {self.confirm_below}")


DEFAULT = DialoguePolicy()
"""The policy with every default (text mode without --confirm-below)."""
