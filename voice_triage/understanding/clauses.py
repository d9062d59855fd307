"""Cutting what a person said into clauses, before anything else is read from it.

People correct and add as they speak: "No. My chest hurts now.", "no, but it wakes me at night",
"not pain exactly, more a tightness in my chest", "no my chest hurts". Each clause is read on its
own: the answer to the question comes from the clause that answers it, and every clause is scanned
for mentions (grammars/context.yaml says where clauses begin).

Cuts, in order:
  1. punctuation, when the text has it (typed text, recognizers that punctuate);
  2. discourse markers that always begin a clause ("but", "though", "actually", "wait" ...);
  3. joiners ("and", "so", "now" ...) when a new statement follows them ("yes and my chest hurts",
     not "no chest pain and no breathlessness");
  4. a bare answer word followed by a new statement ("no my chest hurts" -> "no" | "my chest hurts").
A piece that is as a whole an answer or command phrase ("now and then", "hold on a second") is
never cut. Everything here is linear in the number of words.
"""
from __future__ import annotations

import re
from typing import Collection, Iterable

from voice_triage.content.model import ContextRules
from voice_triage.understanding.normalize import normalize

_PUNCTUATION = re.compile(r"(?:[.!?;:,\u2026\u2014\u2013]|--|\s-\s)+")
"""Where punctuation cuts: full stops, commas, semicolons, colons, dashes, ellipses."""
NOUN_BEFORE = frozenset({"my", "the", "his", "her", "your", "our", "their", "a", "an"})
"""After one of these a marker word is a noun, and cuts nothing."""
VERBS_AFTER_JUST = frozenset({"will", "would", "can", "could", "does", "do", "did", "is", "was", "keeps", "keep",
                              "not", "gets", "get", "feels", "feel", "hurts", "aches", "stopped", "started", "went",
                              "goes", "sits", "stays", "came", "comes", "won't", "can't", "does not"})
"""After "just", these make it an adverb of what follows, not the start of a new clause."""
COPULAS = frozenset({"is", "am", "are", "was", "were", "be", "been", "feels", "felt", "seems", "looks", "have", "has",
                     "had"})
"""Before "just", these make it an adverb of what follows ("it is just the calf", "i am just tired", "i have just
felt her feet"): a clause cut there would leave "it is", "i am" or "i have" alone, which reads as a yes."""
PAIRED = frozenset({"between", "both"})
"""Words whose "and" follows soon after: it joins two parts of one phrase, and cuts nothing."""
MAX_ANSWER_WORDS = 8
"""The most words of a whole answer phrase looked for at the start of a clause."""


def _match_at(words: list[str], i: int, phrases: Iterable[tuple[str, ...]]) -> int:
    """The number of words of the longest phrase of `phrases` that starts at words[i] (0: none)."""
    best = 0
    for phrase in phrases:
        n = len(phrase)
        if n > best and tuple(words[i:i + n]) == phrase:
            best = n
    return best


FRAGMENT_STARTS = frozenset({"in", "at", "on", "during", "after", "before", "when", "while", "by"})
"""A piece that begins with one of these and holds no more than three words ("in bed", "at night") says where or
when, and belongs with the statement after it."""


def _fragment(piece: str) -> bool:
    words = piece.split()
    return len(words) <= 3 and words[0] in FRAGMENT_STARTS


class ClauseSplitter:
    """Cuts raw text into normalised clauses."""

    def __init__(self, rules: ContextRules, whole_phrases: Collection[str] = ()):
        self.rules = rules
        self.whole = frozenset(whole_phrases)
        self._markers = self._index(rules.markers)
        self._joiners = self._index(rules.joiners)
        self._answers = self._index(rules.answer_words)

    @staticmethod
    def _index(phrases: Iterable[tuple[str, ...]]) -> dict[str, list[tuple[str, ...]]]:
        out: dict[str, list[tuple[str, ...]]] = {}
        for phrase in phrases:
            out.setdefault(phrase[0], []).append(phrase)
        return out

    def split(self, text: str) -> list[str]:
        """The clauses of `text`, each normalised (lower case, contractions written out)."""
        clauses: list[str] = []
        for piece in _PUNCTUATION.split(text):
            norm = normalize(piece)
            if not norm:
                continue
            if norm in self.whole:
                clauses.append(norm)
                continue
            for clause in self._cut(norm.split()):
                for part in self._answer_first(clause):
                    clauses.extend(self._statements(part))
        merged: list[str] = []
        for clause in (c for c in clauses if c):
            if merged and _fragment(merged[-1]):
                merged[-1] = f"{merged[-1]} {clause}"  # "in bed, it's quiet" is one statement
            else:
                merged.append(clause)
        return merged

    def _statements(self, clause: str) -> list[str]:
        """Cut where a new statement begins mid-clause ("no chest pain i am short of breath")."""
        out, start = [], 0
        for match in self.rules.statement_break.finditer(clause):
            at = match.start()
            if at <= start:
                continue
            before = clause[start:at].split()
            after = clause[match.end():].split()
            if (before and before[0] in NOUN_BEFORE and len(before) <= 3 and match.group(0).startswith("i ")
                    and after and after[0] in ("is", "was", "are", "comes", "starts", "goes")):
                continue  # "the pressure i get is in my thigh": "i get" tells which pressure; "is" says the rest
            if before and before[-1] not in self.rules.binders:
                out.append(clause[start:at].strip())
                start = at
        out.append(clause[start:].strip())
        return out

    def _starts_statement(self, words: list[str], i: int) -> bool:
        return i < len(words) and (words[i] in self.rules.statement_starts or bool(self._answer_at(words, i)))

    def _answer_at(self, words: list[str], i: int) -> int:
        return _match_at(words, i, self._answers.get(words[i], ())) if i < len(words) else 0

    def _cut(self, words: list[str]) -> list[list[str]]:
        out: list[list[str]] = [[]]
        i = 0
        while i < len(words):
            word = words[i]
            n = _match_at(words, i, self._markers.get(word, ()))
            if n and i and words[i - 1] in NOUN_BEFORE:
                n = 0  # "my just" is a word a recognizer wrote for "my chest", not "just" beginning a clause
            if n and word == "just" and i + 1 < len(words) and words[i + 1] in VERBS_AFTER_JUST:
                n = 0  # "the air just won't go down": "just" before a verb says how, it begins nothing
            if n and word == "just" and i and words[i - 1] in COPULAS:
                n = 0  # "it is just the calf", "i am just exhausted": the rest of the statement, not a new one
            if n and out[-1]:
                out.append([])
            elif not n:
                n = _match_at(words, i, self._joiners.get(word, ()))
                if n and word == "and" and any(w in PAIRED for w in out[-1][-4:]):
                    n = 0  # "between my neck and my belly": the "and" of a pair begins nothing
                if n and word in ("and", "or") and 2 <= len(out[-1]) <= 3 and out[-1][0] in NOUN_BEFORE:
                    n = 0  # "my chest and my calf hurt": two subjects of one statement
                if n and out[-1] and self._starts_statement(words, i + n):
                    out.append([])
                elif not n:
                    n = 1
            out[-1].extend(words[i:i + n])
            i += n
        return out

    def _answer_first(self, words: list[str]) -> list[str]:
        """["no", "my", "chest", "hurts"] -> ["no", "my chest hurts"]; anything else stays whole."""
        whole = " ".join(words)
        if whole in self.whole:
            return [whole]
        i = 0
        while True:
            n = self._answer_at(words, i)
            if not n:
                break
            i += n
        if not i:
            return [whole]  # only a clause that begins with a bare answer word is cut here
        # the longest whole answer phrase at the start ("no it does not", "no i do not think so")
        for size in range(min(len(words) - 1, MAX_ANSWER_WORDS), i, -1):
            if " ".join(words[:size]) in self.whole:
                i = size
                break
        if 0 < i < len(words) and words[i] in self.rules.statement_starts:
            return [" ".join(words[:i]), " ".join(words[i:])]
        return [whole]
