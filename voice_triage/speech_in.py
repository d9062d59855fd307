"""Speech in for the session: one utterance of audio -> recognizer (with the question's grammar) -> Turn.

Used by `--io jsonl` for {"audio": PATH} lines; the microphone path of the live loop uses the same
grammar choice and the same emergency check on partial results. Speech libraries are imported
here only when the first audio arrives.
"""
from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from typing import Any

from voice_triage.dialogue.session import Session, Turn

log = logging.getLogger(__name__)


def grammar_for(session: Session) -> list[str] | None:
    """The phrase list to listen for now; None (free decoding) for the open question."""
    return None if session.question == "open" else session.grammar()


@dataclass
class Ears:
    """A recognizer kept for a whole session, with the grammar it was last given."""

    recognizer: Any
    """The Recognizer (voice_triage.recognition)."""
    why: str = ""
    """Which engine was chosen and why, said once."""
    grammar_key: tuple | None = field(default=None)
    """The phrases currently compiled into the recognizer (None: not set yet)."""

    def tune(self, session: Session) -> None:
        """Give the recognizer the grammar of the session's current question (only when it changed)."""
        phrases = grammar_for(session)
        key = ("free",) if phrases is None else tuple(phrases)
        if key != self.grammar_key:
            missing = self.recognizer.set_grammar(phrases)
            if missing:
                log.warning("words not in the %s model, left out of the grammar: %s", self.recognizer.engine,
                            ", ".join(sorted(missing)[:20]))
            self.grammar_key = key


CONFIRM_BELOW = {"pocketsphinx": 0.35}
"""Per engine: answers heard with less confidence than this are confirmed ("did I hear you right?")."""


def build_ears(asr: str = "auto", vosk_model: str | None = None) -> Ears:
    from voice_triage.recognition import build_recognizer

    recognizer, why = build_recognizer(asr, vosk_model)
    return Ears(recognizer, why)


def turn_from(session: Session, result) -> Turn:
    """The session's reply to a recognition result (None: silence)."""
    if result is None:
        return session.silence()
    if result.understood and result.text:
        return session.hear(result.text, confidence=result.confidence)
    return session.not_understood(heard=result.heard or result.text)


def recognize_file(path: str, session: Session, settings, state: dict) -> Turn:
    """One WAV file through the same recognizer, grammar and endpointing as the microphone."""
    from voice_triage.audio.endpoint import listen
    from voice_triage.audio.sources import WavFileSource

    ears = state.get("ears")
    if ears is None:
        ears = state["ears"] = build_ears(settings.asr, settings.vosk_model)
        print(f"voice-triage: {ears.why}", file=sys.stderr, flush=True)
    source = WavFileSource(path)
    if session.confirm_below is None:
        session.confirm_below = CONFIRM_BELOW.get(ears.recognizer.engine)
    ears.tune(session)
    result = listen(source, ears.recognizer, trailing_silence_ms=settings.trailing_silence_ms,
                    timeout_s=settings.listen_timeout_s, on_partial=lambda text: session.emergency_in(text) is not None)
    return turn_from(session, result)
