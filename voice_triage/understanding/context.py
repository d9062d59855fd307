"""What each mention of a feature asserts: the ConText algorithm on one clause.

ConText (Harkema et al., J Biomed Inform 2009), after NegEx (Chapman et al. 2001): trigger terms
modify the mentions in their scope. Here a mention is affirmed, negated, possible, historical,
hypothetical, or someone else's ("other"). Every trigger, pseudo-trigger, terminator and scope is
data (grammars/context.yaml); the mentions are the targets of grammars/emergency.yaml and
grammars/features.yaml. This module only applies them, in time linear in the clause's length.

Why not medspaCy's ConText: see the module docstring of voice_triage.understanding.interpret.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Iterable, Sequence

from voice_triage.content.model import EMERGENCY_REASONS, ContextRules, Polarity, Target, Trigger


class Assertion(str, Enum):
    """What a mention says about the person, now."""

    AFFIRMED = "affirmed"
    NEGATED = "negated"
    POSSIBLE = "possible"
    HISTORICAL = "historical"
    HYPOTHETICAL = "hypothetical"
    OTHER = "other"


PRECEDENCE = (Assertion.OTHER, Assertion.HYPOTHETICAL, Assertion.HISTORICAL, Assertion.POSSIBLE, Assertion.NEGATED)
"""When several categories apply, the first of these wins. Risk first: a hedged denial ("probably no
chest pain") is possible, not negated; a mention that is not the person's own or not current is
asked back whatever else modifies it."""
INTERJECTIONS = frozenset({"no", "nope", "nah", "naw", "nay"})
"""Answer words that say no to the question: at the start of a clause, before a whole statement of a healthy state
("no no breathing is good", a recognizer's "no, breathing is good" without its comma), they answer the question
and do not turn the statement into its opposite ("not breathing well" still does)."""
VOCATIVES = frozenset({"sah", "sir", "mate", "maam", "madam", "love", "dear", "pet", "hen", "son", "boss", "doc",
                       "doctor", "bro", "man", "honey", "darling", "lad", "lass", "fam", "mister", "miss", "o", "oh"})
"""Words said to the listener after an answer word ("no sah, breath is normal", "nah mate, breathing's fine"): they
do not keep the answer word from being the answer."""
STATEMENT_VERBS = frozenset({"is", "are", "was", "feels", "feel", "seems", "looks", "has", "have"})
NEGATIVE_WORDS = frozenset({"no", "not", "never", "nothing", "none", "nor", "neither", "without", "hardly", "barely"})
"""The words a negation of a healthy state holds ("not breathing well"; not "is fine")."""
NOT_CURRENT = frozenset({Assertion.OTHER, Assertion.HYPOTHETICAL, Assertion.HISTORICAL})
UNTIL = frozenset({"until", "till", "til"})
"""After a denied mention, these make the denial a time ("I don't get chest pain until I walk", "no breathlessness
till now"): the symptom is there, from then on (P9: chest pain or breathlessness with the leg pain)."""
WHEN = (("unless",), ("except", "when"), ("except", "if"), ("only", "when"), ("only", "if"), ("but", "when"),
        ("apart", "from", "when"))
EXERTION = frozenset({"walk", "walks", "walking", "walked", "climb", "climbs", "climbing", "hill", "hills", "stairs",
                      "move", "moving", "exert", "exercise"})
"""... and these, followed by walking, a condition that is the leg pain's own ("no chest pain unless I walk")."""


def _conditional(words: Sequence[str], last: int) -> bool:
    """A denial of the mention ending at `last` is only until or unless the person walks: no denial at all."""
    after = list(words[last:])
    if any(w in UNTIL for w in after):
        return True
    for i in range(len(after)):
        for phrase in WHEN:
            if tuple(after[i:i + len(phrase)]) == phrase and any(
                    w in EXERTION for w in after[i + len(phrase):i + len(phrase) + 4]):
                return True
    return False
_RANK = {"symptom": 2, "normal": 1, "term": 0}
"""Where mentions of one feature overlap, a whole statement of the symptom is read before a healthy
state, and both before a topic word; then the longer first."""


@dataclass(frozen=True)
class Mention:
    """One mention of a feature in one clause, with what it asserts."""

    feature: str
    """The feature id (chest_pain and breathlessness for the emergency check)."""
    text: str
    """The words of the mention."""
    kind: str
    """symptom, term or normal (emergency.yaml); cue or asked (features.yaml)."""
    polarity: Polarity
    """What the words say when affirmed."""
    assertion: Assertion
    """What the context makes of them."""
    flips: bool = False
    """A negated mention says the opposite (see Target.flips)."""
    clause: int = 0
    """Which clause of the utterance it is in."""

    @property
    def value(self) -> str | None:
        """yes, no or unsure for the person now; None when it says nothing about them now."""
        if self.assertion in NOT_CURRENT:
            return None
        present = self.polarity is Polarity.PRESENT
        if self.assertion is Assertion.POSSIBLE:
            return "unsure"
        if self.assertion is Assertion.NEGATED:
            if present:
                return "no"
            return "yes" if self.flips else None
        return "yes" if present else "no"


@dataclass(frozen=True)
class _Found:
    trigger: Trigger
    start: int
    end: int


class ContextReader:
    """Finds the mentions of a clause and what each asserts."""

    def __init__(self, rules: ContextRules):
        self.rules = rules
        self._triggers: dict[str, list[tuple[str, ...]]] = {}
        for phrase in list(rules.triggers) + list(rules.pseudo):
            self._triggers.setdefault(phrase[0], []).append(phrase)
        self._terminators: dict[str, dict[str, list[tuple[str, ...]]]] = {}
        for category, phrases in rules.terminators.items():
            index: dict[str, list[tuple[str, ...]]] = {}
            for phrase in phrases:
                index.setdefault(phrase[0], []).append(phrase)
            self._terminators[category] = index

    # ------------------------------------------------------------------ the parts

    def triggers(self, words: Sequence[str]) -> list[_Found]:
        """The triggers of a clause: the longest match at each word. A pseudo-trigger blocks every
        trigger that starts inside it ("can not stop wheezing" denies nothing); a trigger does not
        ("is not warm or red": both "is not warm" and "not" are found)."""
        found: list[_Found] = []
        blocked_until = 0
        for i in range(len(words)):
            if i < blocked_until:
                continue
            best: tuple[str, ...] | None = None
            for phrase in self._triggers.get(words[i], ()):
                if (best is None or len(phrase) > len(best)) and tuple(words[i:i + len(phrase)]) == phrase:
                    best = phrase
            if best is None:
                continue
            if best in self.rules.pseudo:
                blocked_until = i + len(best)
                continue
            for trigger in self.rules.triggers[best]:
                found.append(_Found(trigger, i, i + len(best)))
        return found

    def _terminator_positions(self, words: Sequence[str]) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for category, index in self._terminators.items():
            spots = []
            for i, word in enumerate(words):
                for phrase in index.get(word, ()):
                    if tuple(words[i:i + len(phrase)]) == phrase:
                        spots.append(i)
                        break
            out[category] = spots
        return out

    def mentions(self, clause: str, targets: Iterable[Target], *, index: int = 0) -> list[Mention]:
        """Every mention of `targets` in `clause` (normalised), with its assertion.

        Where mentions of one feature overlap, the longest is kept ("can not breathe" over
        "breathe", "my breathing is fine" over "breathing")."""
        if not clause:
            return []
        words = clause.split()
        starts = _word_starts(clause)
        spans: dict[str, list[tuple[int, int, Target, str]]] = {}
        for target in targets:
            if target.unless is not None and target.unless.search(clause):
                continue
            for match in target.pattern.finditer(clause):
                if match.end() == match.start():
                    continue
                first = _word_at(starts, match.start())
                last = _word_at(starts, match.end() - 1) + 1
                spans.setdefault(target.feature, []).append((first, last, target, match.group(0)))
        if not spans:
            return []
        found = self.triggers(words)
        stops = self._terminator_positions(words)
        out: list[Mention] = []
        for feature, items in spans.items():
            kept: list[tuple[int, int, Target, str]] = []
            for item in sorted(items, key=lambda s: (-_RANK.get(s[2].kind, 0), -(s[1] - s[0]), s[0])):
                if all(item[1] <= k[0] or item[0] >= k[1] for k in kept):
                    kept.append(item)
            for first, last, target, text in sorted(kept, key=lambda s: s[0]):
                assertion = self._assertion(words, found, stops, first, last, target, text)
                out.append(Mention(feature, text, target.kind, target.polarity, assertion, target.flips, index))
        return out

    def _assertion(self, words: Sequence[str], found: list[_Found], stops: dict[str, list[int]], first: int, last: int,
                   target: Target, text: str) -> Assertion:
        categories: set[str] = set()
        gapped = target.kind in ("cue", "asked") and target.polarity is Polarity.PRESENT
        for f in found:
            t = f.trigger
            if t.applies_to is not None and not t.applies_to.search(text):
                continue
            if t.at_end and f.end != len(words):
                continue
            if f.start < last and f.end > first:
                # a trigger that begins before the mention and reaches into it ("is not red") modifies
                # it; one inside the mention's own words ("can not breathe", "never stops") is part
                # of it, unless it stands in the gap of a free-speech cue ("sitting does not help")
                if f.start < first or (gapped and f.start > first):
                    categories.add(t.category)
                continue
            if f.end <= first and t.direction in ("forward", "both"):
                scope = t.scope
                if target.flips and t.category == "negated":
                    scope = min(scope, self.rules.flip_scope)
                    if any(w in self.rules.flip_breaks for w in words[f.end:first]):
                        continue
                if first - f.end <= scope and not self._stopped(stops, t.category, f.end, first):
                    categories.add(t.category)
            elif f.start >= last and t.direction in ("backward", "both"):
                if target.flips and t.category == "negated":
                    continue  # only a negation before a healthy state makes it a mention
                if f.start - last <= t.scope and not self._stopped(stops, t.category, last, f.start):
                    categories.add(t.category)
        if "negated" in categories and target.feature in EMERGENCY_REASONS and _conditional(words, last):
            categories.discard("negated")  # (of the leg, "it doesn't hurt until I walk" is no rest pain)
        for assertion in PRECEDENCE:
            if assertion.value in categories:
                return assertion
        return Assertion.AFFIRMED

    def assertion_of(self, words: Sequence[str], cores: Sequence[tuple[int, int]], *, flips: bool = False,
                     text: str = "", found: list[_Found] | None = None,
                     stops: dict[str, list[int]] | None = None) -> Assertion:
        """What a mention made of several parts asserts (a finding and its site: "my chest does not hurt").

        `cores` are the word spans of its parts. A trigger inside a part is part of it ("can not breathe",
        "does not feel right"); one in a gap between parts ("my chest does not hurt") or reaching into a part
        from before modifies the whole; one before or after the whole modifies it within its scope, as in
        ConText. `flips`: the mention is a healthy state, which a negation turns into a mention ("i am not
        breathing well"); only a negation close before it does that."""
        found = self.triggers(words) if found is None else found
        stops = self._terminator_positions(words) if stops is None else stops
        first, last = min(c[0] for c in cores), max(c[1] for c in cores)
        categories: set[str] = set()
        for f in found:
            t = f.trigger
            if t.applies_to is not None and not t.applies_to.search(text):
                continue
            if t.at_end and f.end != len(words):
                continue
            if flips and t.category == "negated" and not any(
                    words[i] in NEGATIVE_WORDS and not any(c[0] <= i < c[1] for c in cores) for i in range(f.start, f.end)):
                continue  # "is fine" is a denial of something else, never of the healthy state itself
            if f.start < last and f.end > first:
                inside = any(c[0] <= f.start < c[1] for c in cores)
                if t.category == "other" and f.start > first:
                    continue  # "my lungs feel like they are burning": "they" are the lungs, not someone else
                if not inside:
                    categories.add(t.category)
                continue
            if f.end <= first and t.direction in ("forward", "both"):
                scope = t.scope
                if flips and t.category == "negated":
                    scope = min(scope, self.rules.flip_scope)
                    if any(w in self.rules.flip_breaks for w in words[f.end:first]):
                        continue
                    if (all(w in INTERJECTIONS or w in VOCATIVES for w in words[:first])
                            and any(w in INTERJECTIONS for w in words[:first])
                            and any(w in STATEMENT_VERBS for w in words[first:last])):
                        continue  # "no no breathing is good": the answer, then the statement
                # a terminator before the last part ends the scope too ("someone is sitting on my chest": the
                # chest is mine)
                if first - f.end <= scope and not self._stopped(stops, t.category, f.end, max(c[0] for c in cores)):
                    categories.add(t.category)
            elif f.start >= last and t.direction in ("backward", "both"):
                if flips and t.category == "negated":
                    continue
                if f.start - last <= t.scope and not self._stopped(stops, t.category, last, f.start):
                    categories.add(t.category)
        if "negated" in categories and _conditional(words, last):
            categories.discard("negated")
        for assertion in PRECEDENCE:
            if assertion.value in categories:
                return assertion
        return Assertion.AFFIRMED

    def context_of(self, words: Sequence[str]) -> tuple[list[_Found], dict[str, list[int]]]:
        """The triggers and terminators of a clause, found once for all its mentions."""
        return self.triggers(words), self._terminator_positions(words)

    @staticmethod
    def _stopped(stops: dict[str, list[int]], category: str, lo: int, hi: int) -> bool:
        """A terminator of this category (or of all) stands between word lo and word hi."""
        return any(lo <= i < hi for key in ("all", category) for i in stops.get(key, ()))


def _word_starts(clause: str) -> list[int]:
    starts, pos = [], 0
    for word in clause.split(" "):
        starts.append(pos)
        pos += len(word) + 1
    return starts


def _word_at(starts: list[int], char: int) -> int:
    """The index of the word that holds character `char` (binary search)."""
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= char:
            lo = mid
        else:
            hi = mid - 1
    return lo
