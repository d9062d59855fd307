"""The emergency check (P9): chest pain or breathing trouble, mentioned in any words.

It runs first on every utterance in every state, on every clause (clauses.py). What each clause says about the
chest and breathing is the symptom model's (symptoms.py: a finding at a site, asserted by the person), read
with ConText (context.py): "no chest pain, just a cramp" is a denial, "no, but I'm short of breath" and "I'm
not breathing well" are mentions, "maybe some chest pain" counts as one, "my wife has chest pain" is someone
else's and "my heart is racing" doubtful (both asked back by the dialogue, not an alarm).
"""
from __future__ import annotations

import dataclasses

from voice_triage.content.model import EMERGENCY_REASONS, Content, Target
from voice_triage.understanding import policy
from voice_triage.understanding.clauses import ClauseSplitter
from voice_triage.understanding.context import Assertion, ContextReader, Mention
from voice_triage.understanding.symptoms import SymptomReader


class EmergencyDetector:
    """Finds mentions of chest pain or breathlessness, and what each asserts."""

    def __init__(self, content: Content, splitter: ClauseSplitter, reader: ContextReader):
        self.splitter = splitter
        self.reader = reader
        self.symptoms = SymptomReader(content.symptoms, reader)
        self._asked: dict[str, tuple[Target, ...]] = {
            r: tuple(t for t in content.cues.get(r, ()) if t.asked_only) for r in EMERGENCY_REASONS}

    def mentions_in(self, clauses: list[str], asked: str | None = None) -> list[Mention]:
        """Every emergency mention of the clauses; at the chest-pain or breathing question also the
        words that answer it ("some tightness", "a bit puffed")."""
        found = self.symptoms.mentions(clauses)
        extra = self._asked.get(asked or "", ())
        if extra:
            found += [m for i, clause in enumerate(clauses) for m in self.reader.mentions(clause, extra, index=i)]
        return self.over(found, clauses)

    def over(self, found: list[Mention], clauses: list[str]) -> list[Mention]:
        """A symptom a later clause says is over ("i had a tight chest last week, but it's gone now") is past:
        historical, so asked back, not alarmed on (grammars/context.yaml, resolution). It stays current when a
        clause after the resolution says it came back, or mentions it again as now."""
        rules = self.reader.rules
        if rules.resolved is None or not found:
            return found
        ends = [i for i, clause in enumerate(clauses) if rules.resolved.search(clause)]
        if not ends:
            return found
        back = [i for i, clause in enumerate(clauses) if rules.recurred is not None and rules.recurred.search(clause)]
        out = []
        for m in found:
            if (m.feature in EMERGENCY_REASONS and m.value in ("yes", "unsure")
                    and m.assertion in (Assertion.AFFIRMED, Assertion.POSSIBLE)):
                end = next((i for i in ends if i > m.clause), None)
                again = end is not None and (
                    any(i >= end for i in back)
                    or any(o.feature == m.feature and o.clause > end and o.value in ("yes", "unsure") for o in found))
                if end is not None and not again:
                    m = dataclasses.replace(m, assertion=Assertion.HISTORICAL)
            out.append(m)
        return out

    def mentions(self, text: str) -> list[Mention]:
        return self.mentions_in(self.splitter.split(text))

    def check(self, text: str) -> str | None:
        """The reason ("chest_pain" or "breathlessness") `text` affirms or hedges, or None."""
        return policy.emergency(self.mentions(text))

    def check_partial(self, text: str) -> str | None:
        """The check for a partial recognition result, said while the person is still speaking.

        A site alone is not enough here: "my chest" may go on "... is fine". The partial must hold a finding
        at a site ("my chest feels tight", "can't breathe"); the final result of the same utterance still gets
        the full check.
        """
        return policy.emergency(m for m in self.mentions(text) if m.kind == "symptom")

    def named(self, text: str) -> set[str]:
        """The reasons `text` names at all, as a mention or a denial."""
        return {m.feature for m in self.mentions(text)}

    def denied(self, text: str) -> set[str]:
        """The reasons `text` names only to deny them ("no chest pain", "my breathing is fine")."""
        found = self.mentions(text)
        return {m.feature for m in found if m.value == "no"} - {m.feature for m in found if m.value != "no"}
