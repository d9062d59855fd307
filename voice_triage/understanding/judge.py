"""The one room that decides whether what was heard is an emergency.

Recognition hands over everything it heard as data (voice_triage.recognition.base.Recognition): the first
decoding of the answer (a question's grammar, or free decoding), the decoding of the same audio with the
emergency phrases (a grammar, or Whisper's prompt) in `alternatives`, what free decoding of the same audio
wrote (`second_opinion`, `free_text`), and a partial result that stopped listening. The listener decodes and
finds where answers end; it decides nothing. This judge decides, with the symptom model (symptoms.py) and the
interpreter, and with the recognizer's own thresholds:

  - which hypothesis is the one the person said: an emergency that only the emergency decoding heard wins over
    the first decoding's words, unless the first decoding heard a clear answer and the emergency is unsupported;
  - whether an emergency heard is sure enough to raise the alarm at once, or `doubtful` (then the dialogue asks
    "did you say ...?"): an emergency phrase that free decoding of the same audio does not support, one
    emergency word alone heard unclearly, an expected answer a free decoder put in place of an emergency word.

While the listener decodes it may ask two things, and only these (the `EmergencyWatch` of its plan): does a
partial result already hold a whole symptom (stop listening: `stops`), and does a text name the chest or
breathing at all (is a second decoding worth its time: `names`).
"""
from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from voice_triage.recognition.base import Recognition, normalise_phrase
from voice_triage.understanding.interpret import EMERGENCY, Interpreter

if TYPE_CHECKING:
    from voice_triage.recognition.config import Thresholds


class Judge:
    """Decides on emergencies from what was heard; one per session (no state of its own)."""

    def __init__(self, interpreter: Interpreter):
        self.interpreter = interpreter
        self.detector = interpreter.emergency

    # ------------------------------------------------------------------ asked while decoding (EmergencyWatch)

    def stops(self, partial: str) -> bool:
        """A partial result holds a finding at a site ("my chest feels tight"): stop listening at once."""
        return bool(partial) and self.detector.check_partial(partial) is not None

    def names(self, text: str) -> bool:
        """`text` names the chest or breathing at all, even to deny it."""
        return bool(self.detector.named(text))

    # ------------------------------------------------------------------ texts

    def emergency(self, text: str) -> str | None:
        """The emergency `text` states (chest_pain or breathlessness) in any clause, or None."""
        return self.detector.check(text)

    def emergency_at(self, text: str, question: str) -> bool:
        """`text` is an emergency said at `question` ("not pain as such, more a tight feeling" at the chest
        question)."""
        return self.interpreter.interpret(text, question).intent is EMERGENCY

    def _answers(self, text: str, question: str) -> bool:
        """`text` is a plain answer or command at `question`, naming nothing of the chest or breathing."""
        meaning = self.interpreter.interpret(text, question)
        return (meaning.is_answer or meaning.is_command) and not meaning.mentions

    # ------------------------------------------------------------------ the decision

    def decide(self, result: Recognition, question: str, thresholds: Thresholds | None = None) -> Recognition:
        """The hypothesis to hear, marked `doubtful` where its emergency must be asked back first. `thresholds`:
        the engine's (default: those the listener stamped on the result)."""
        thresholds = thresholds or result.thresholds
        if result.partial or thresholds is None:
            return result
        if not result.alternatives:
            return self._cross_checked(result, thresholds)
        first = result
        if self._over_emergency_word(first):
            first = self._emergency_word_kept(first)
        second = self._cross_checked(result.alternatives[0], thresholds)
        sure = thresholds.confirm_below or 0.0
        alarmed = first.understood and self.emergency(first.text) is not None
        if second.understood and second.confidence >= sure and (
                self.emergency(second.text) is not None or self.emergency_at(second.text, question)):
            if second.doubtful and not alarmed and first.understood and self._answers(first.text, question):
                # a clear answer ("Yes, it does.") over a second decoding's unsupported emergency ("Yes, with
                # breath."): the answer stands
                return first
            return second
        if alarmed and sure and second.understood and second.confidence >= sure and self.names(second.text):
            # free decoding heard an emergency ("my breathing is signed") where the emergency decoding clearly
            # heard a denial ("my breathing is fine"): ask back rather than raise the alarm or drop it
            return dataclasses.replace(first, doubtful=True)
        return first

    def _over_emergency_word(self, result: Recognition) -> bool:
        """A free decoder put an expected answer in place of what it wrote, and that named chest or breathing
        ("yes" for "Breath." in noise)."""
        return (result.biased and result.understood and bool(result.heard)
                and normalise_phrase(result.heard) != normalise_phrase(result.text) and self.names(result.heard))

    @staticmethod
    def _emergency_word_kept(result: Recognition) -> Recognition:
        """Never an answer over an emergency word, and not an alarm either: the person is asked."""
        return dataclasses.replace(result, text=result.heard, doubtful=True)

    def _bare_emergency_word(self, result: Recognition, thresholds: Thresholds) -> bool:
        """Free decoding heard one emergency word alone ("Breathe.", "Chest.") and not clearly: the likeliest
        shape of a mishearing (real people saying "bed" in 10 dB noise), so the person is asked."""
        return (result.biased and result.understood and not result.partial and bool(thresholds.confirm_below)
                and result.confidence < thresholds.emergency_sure
                and len(normalise_phrase(result.text).split()) == 1 and self.emergency(result.text) is not None)

    def _cross_checked(self, result: Recognition, thresholds: Thresholds) -> Recognition:
        """An emergency phrase from a grammar raises the alarm at once only when it is heard clearly
        (`Thresholds.emergency_sure`) or free decoding of the same audio also names chest or breathing;
        otherwise it is `doubtful`, and the dialogue asks "did you say ...?"."""
        if self._over_emergency_word(result):
            return self._emergency_word_kept(result)
        if self._bare_emergency_word(result, thresholds):
            return dataclasses.replace(result, doubtful=True)
        second = result.second_opinion
        if (second is None or not result.understood or result.partial or not thresholds.confirm_below
                or result.confidence >= thresholds.emergency_sure or self.emergency(result.text) is None
                or self.names(second)):
            return result
        return dataclasses.replace(result, doubtful=True)

