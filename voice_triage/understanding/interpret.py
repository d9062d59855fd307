"""From what a person said to what it means at the question being asked.

Order matters and is fixed: the emergency check first, then commands, then the answer to the
question, then features mentioned in free speech. Anything else is "not understood".
"""
from __future__ import annotations

from dataclasses import dataclass, field

from voice_triage.protocol.content import COMMANDS, Content
from voice_triage.understanding.emergency import EmergencyDetector
from voice_triage.understanding.normalize import normalize

EMERGENCY = "emergency"
NOT_UNDERSTOOD = "not_understood"
LEAD_INS = frozenset({"well", "oh", "so", "okay", "ah", "actually", "honestly", "erm", "hmm", "right", "yes", "now",
                      "look", "um", "sir", "doctor", "and", "but"})
"""Words people put before an answer ("well, no"; "oh yes")."""
FREE = "free"
"""Free speech that answers nothing directly but mentions features."""


@dataclass(frozen=True)
class Meaning:
    """What one utterance means."""

    intent: str
    """emergency, yes, no, unsure, a command name, free, or not_understood."""
    text: str
    """The normalised utterance."""
    reason: str | None = None
    """For an emergency: chest_pain or breathlessness."""
    features: dict[str, str] = field(default_factory=dict)
    """Features mentioned in free speech: feature id -> yes, no or unsure."""

    @property
    def is_answer(self) -> bool:
        return self.intent in ("yes", "no", "unsure")

    @property
    def is_command(self) -> bool:
        return self.intent in COMMANDS


class Interpreter:
    """Understands utterances against the content's grammars."""

    def __init__(self, content: Content):
        self.content = content
        self.emergency = EmergencyDetector(content.emergency)

    # -- the parts, usable on their own --------------------------------------------------------

    def command(self, norm: str) -> str | None:
        """The command `norm` is, after polite words are taken off, or None."""
        for candidate in self._polite_variants(norm):
            for name, phrases in self.content.commands.items():
                if candidate in phrases.exact:
                    return name
        return None

    def _polite_variants(self, norm: str) -> list[str]:
        out = [norm]
        changed = True
        current = norm
        while changed:
            changed = False
            for word in self.content.polite_before:
                if current.startswith(word + " "):
                    current = current[len(word) + 1:]
                    changed = True
                    break
            for word in self.content.polite_after:
                if current.endswith(" " + word):
                    current = current[: -len(word) - 1]
                    changed = True
                    break
            if changed and current:
                out.append(current)
        return out

    def answer(self, norm: str, *, consent: bool = False) -> str | None:
        """yes, no or unsure if `norm` is (or starts with) an answer ("well, no" counts)."""
        found = self._answer(norm, consent)
        words = norm.split()
        while found is None and len(words) > 1 and words[0] in LEAD_INS:
            words = words[1:]
            found = self._answer(" ".join(words), consent)
        return found

    def _answer(self, norm: str, consent: bool) -> str | None:
        for meaning, phrases in self.content.answers.items():
            if norm in phrases.exact:
                return meaning
        if consent and norm in self.content.consent_yes:
            return "yes"
        words = norm.split()
        for size in range(len(words) - 1, 0, -1):
            prefix = " ".join(words[:size])
            for meaning, phrases in self.content.answers.items():
                if prefix in phrases.lead:
                    return meaning
        return None

    def features(self, norm: str, asked: str | None = None) -> dict[str, str]:
        """Features that free speech mentions, with yes, no or unsure."""
        found: dict[str, str] = {}
        negation = self.content.emergency.negation
        unsure = self.content.cue_unsure
        for clause in self.emergency.clauses(norm):
            for fid, cues in self.content.cues.items():
                value = None
                if cues.unless is None or not cues.unless.search(clause):
                    value = _read(clause, cues.yes, cues.no, negation, unsure)
                if value is None and fid == asked and (cues.asked_unless is None
                                                       or not cues.asked_unless.search(clause)):
                    value = _read(clause, cues.asked_yes, cues.asked_no, negation, unsure)
                if value is not None and found.get(fid) != "yes":
                    found[fid] = value
        return found

    # -- the whole ------------------------------------------------------------------------------

    def interpret(self, text: str, question: str | None = None) -> Meaning:
        """What `text` means when `question` (a feature id or meta question) was asked."""
        norm = normalize(text)
        if not norm:
            return Meaning(NOT_UNDERSTOOD, norm)
        reason = self.emergency.check(norm, normalized=True)
        if reason:
            return Meaning(EMERGENCY, norm, reason, self.features(norm))
        command = self.command(norm)
        if command:
            return Meaning(command, norm)
        answer = self.answer(norm, consent=question == "consent")
        if answer is None and question in self.content.emergency.terms \
                and question in self.emergency.denied(norm, normalized=True):
            answer = "no"
        features = self.features(norm, asked=question) if question != "consent" else {}
        if answer:
            return Meaning(answer, norm, None, features)
        if question in features:
            return Meaning(features[question], norm, None, features)
        if features or question == "open":
            return Meaning(FREE, norm, None, features)
        return Meaning(NOT_UNDERSTOOD, norm)


def _read(clause: str, yes, no, negation, unsure) -> str | None:
    for pattern in no:
        if pattern.search(clause):
            return "no"
    for pattern in yes:
        match = pattern.search(clause)
        if match:
            if unsure.search(clause, 0, match.start()):
                return "unsure"
            if negation.search(clause, 0, match.start()):
                return "no"
            return "yes"
    return None
