"""The emergency check (P9): chest pain or breathing trouble, mentioned in any words.

It runs first on every utterance in every state. It works clause by clause, so "no chest pain,
just a cramp" is a denial and "no, but I'm short of breath" is a mention; an uncertain mention
("maybe some chest pain") counts as a mention.
"""
from __future__ import annotations

from voice_triage.protocol.content import EmergencyLexicon
from voice_triage.understanding.normalize import normalize


class EmergencyDetector:
    """Finds a mention of chest pain or breathlessness in normalised text."""

    def __init__(self, lexicon: EmergencyLexicon):
        self.lexicon = lexicon
        self._whole = tuple(f" {normalize(m)} " for m in lexicon.mentions)

    def check_partial(self, text: str) -> str | None:
        """The check for a partial recognition result, said while the person is still speaking.

        A single word is not enough here: "my chest" may go on "... is fine". The partial must hold
        a whole emergency phrase ("my chest feels tight", "can't breathe"); the final result of the
        same utterance still gets the full check.
        """
        norm = normalize(text)
        reason = self.check(norm, normalized=True)
        if reason is None:
            return None
        padded = f" {norm} "
        if any(m in padded for m in self._whole) or any(p.search(norm) for p in self.lexicon.symptoms[reason]):
            return reason
        return None

    def clauses(self, norm: str) -> list[str]:
        """`norm` cut into clauses at "but", "and", commas, "just" and the like."""
        return [c.strip() for c in self.lexicon.clause_breaks.split(norm) if c and c.strip()]

    def check(self, text: str, *, normalized: bool = False) -> str | None:
        """The reason ("chest_pain" or "breathlessness") `text` mentions, or None."""
        norm = text if normalized else normalize(text)
        if not norm:
            return None
        for clause in self.clauses(norm):
            for reason in self.lexicon.terms:
                if self._mentions(clause, reason):
                    return reason
        return None

    def named(self, text: str, *, normalized: bool = False) -> set[str]:
        """The reasons `text` names at all, as a mention or a denial."""
        norm = text if normalized else normalize(text)
        return {reason for clause in self.clauses(norm) for reason, terms in self.lexicon.terms.items()
                if any(t.search(clause) for t in terms)}

    def denied(self, text: str, *, normalized: bool = False) -> set[str]:
        """The reasons `text` names only to deny them ("no chest pain", "my breathing is fine")."""
        norm = text if normalized else normalize(text)
        return {reason for reason in self.named(norm, normalized=True) if self.check(norm, normalized=True) != reason}

    def _mentions(self, clause: str, reason: str) -> bool:
        lex = self.lexicon
        if any(p.search(clause) for p in lex.symptoms[reason]):
            return True
        for term in lex.terms[reason]:
            for match in term.finditer(clause):
                if lex.uncertain.search(clause):
                    return True
                if lex.negation.search(clause, 0, match.start()):
                    continue
                if lex.fine.search(clause, match.end()):
                    continue
                if reason == "breathlessness" and lex.fine_also.search(clause):
                    continue
                return True
        return False
