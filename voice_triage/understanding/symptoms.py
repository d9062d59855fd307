"""The symptom model: what a clause says about the chest and breathing (P9), read from its words.

    clause -> spans (senses, symptoms, sites, findings, healthy states) -> frames (a finding at a site)
           -> what each frame asserts (ConText, context.py) -> mentions

An emergency is a finding at a site of the chest or of breathing, asserted by the person. Each finding links
to the nearest site of its clause (at most `window` words away; a finding nearer another part of the body is
about that part). What is not a symptom is read too, so that it is neither an alarm nor ignored:

  symptom   a finding at a site, or a finding that holds its own site ("breathless")
  normal    a site in a healthy state ("my chest is fine"): a denial (a negated one is a symptom)
  doubtful  palpitations, heartache with grief, "asthma" alone, the breast: asked back
  unread    a site nothing in the clause explains ("I'm on heart tablets"), or a finding at a place that is no
            known part of the body ("pressure in the middle of my ..."): asked back
  sense     the chest's skin, a tool chest, a breath of fresh air: nothing

The words are data (grammars/symptoms.yaml). Everything here is linear in the clause's length.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from voice_triage.content.model import Polarity
from voice_triage.content.symptoms import Category, Entry, Strength, SymptomLexicon
from voice_triage.understanding.context import ContextReader, Mention

WHERE_LEADS = frozenset({"it", "is", "its", "mostly", "mainly", "all", "right", "up", "down", "here", "there", "more",
                         "just", "only", "now", "really", "yes", "yeah", "no", "well", "oh", "and", "but", "it's"})
"""What may come before "in my chest" when it says where the pain is."""
COPULAS = frozenset({"is", "are", "was", "were", "feels", "feel", "felt", "seems", "seem", "looks", "look", "been",
                     "gets", "got", "get", "gone", "went", "became", "becomes", "stays", "stayed", "keeps"})
"""Verbs that say what their subject is like: a finding or state after one is about the subject before it."""
ABOUT_THE_PAIN = frozenset({"it", "its", "that", "this", "they", "them", "pain", "ache", "leg", "legs", "walking",
                            "walk", "cramp", "cramps", "sitting", "rest", "resting", "stop", "stopping", "when",
                            "after", "while", "if", "what", "how"})
"""Words that tie a finding to the pain being talked about, or make it a question or a condition."""
LINKING = frozenset({"is", "has", "have", "been", "was", "keeps", "kept", "feels", "felt", "really", "so", "always",
                     "gets", "got", "started", "starts", "still", "very", "quite", "a", "bit", "little", "it", "it's"})
"""Words that may stand between a subject and what is said of it ("my ticker has been hurting")."""
NOT_PARTS = frozenset({"pain", "ache", "walk", "walking", "life", "job", "work", "husband", "wife", "son", "daughter",
                       "doctor", "head", "back", "legs", "leg", "dog", "cat", "shoe", "shoes", "boot", "boots", "mother",
                       "father", "mum", "dad", "friend", "day", "week", "night", "morning", "stick", "knee", "problem",
                       "condition", "situation", "case", "question", "answer", "walks", "stairs", "garden", "back"})
"""Words after "my" that are no part of the body."""
STATE_BLOCKERS = frozenset({"that", "if", "when", "whether", "because", "since", "after", "before"})
"""A healthy state is not about a site on the other side of one of these either ("is it normal that my chest
hurts?"); a finding may be ("it hurts when I breathe")."""
ELLIPSIS_BEFORE = (("so", "does"), ("so", "do"), ("so", "is"), ("so", "are"), ("so", "did"), ("so", "has"),
                   ("same", "with"), ("and", "also"), ("as", "does"), ("as", "is"))
ELLIPSIS_AFTER = frozenset({"too", "also", "aswell"})
"""Words that give a site the finding said of another ("my legs hurt and so does my chest", "my chest too")."""
BLOCKERS = frozenset({"and", "or", "but", "nor", "yet", "whereas", "while"})
"""A finding or a healthy state is not about a site on the other side of one of these ("my chest does not hurt and
breathing is normal")."""
LEADS = frozenset({"and", "but", "so", "then", "oh", "well", "though", "yet", "now", "also", "plus"})
"""Words that may come before the pronoun of a clause that follows on ("and it is fine")."""
PRONOUNS = frozenset({"it", "that", "this", "which", "they", "there"})
"""A clause that begins with one of these may be about the site of the clause before it ("... my heart. It hurts.")."""
LOCATING = frozenset({"in", "on", "across", "around", "behind", "inside", "under", "over", "near", "into", "through",
                      "within", "below", "above", "along", "at"})
DETERMINERS = frozenset({"my", "the", "his", "her", "your", "our", "their"})
ZONES = frozenset({"middle", "centre", "center", "front", "top", "bottom", "side", "area", "region", "part", "left",
                   "right", "upper", "lower", "whole", "of", "around", "my", "the", "just", "right", "very"})
"""Words that may stand between a locating word and the place it names ("in the middle of my ...")."""


@dataclass
class Span:
    """A phrase of the lexicon found in a clause."""

    start: int
    end: int
    entry: Entry

    @property
    def category(self) -> Category:
        return self.entry.category


@dataclass
class Reading:
    """One site (or one symptom, or one unexplained finding) of a clause, with what links to it."""

    reason: str
    kind: str
    """symptom, normal, doubtful or unread."""
    cores: list[tuple[int, int]] = field(default_factory=list)
    flips: bool = False


class SymptomReader:
    """Reads the emergency's mentions from normalised clauses."""

    def __init__(self, lexicon: SymptomLexicon, context: ContextReader):
        self.lexicon = lexicon
        self.context = context
        self._index: dict[str, list[tuple[str, ...]]] = {}
        for phrase in lexicon.phrases:
            self._index.setdefault(phrase[0], []).append(phrase)
        for phrases in self._index.values():
            phrases.sort(key=len, reverse=True)

    # ------------------------------------------------------------------ spans

    def spans(self, words: list[str], clause: str) -> list[Span]:
        """The lexicon's phrases in `words`, longest first at each word, left to right, not overlapping. A sense
        whose `unless` matches the clause is passed over (the words are read as what else they can be)."""
        out: list[Span] = []
        i = 0
        while i < len(words):
            found = None
            for phrase in self._index.get(words[i], ()):
                n = len(phrase)
                if tuple(words[i:i + n]) != phrase:
                    continue
                entry = next((e for e in self.lexicon.phrases[phrase]
                              if not (e.category is Category.SENSE and e.unless is not None and e.unless.search(clause))),
                             None)
                if entry is not None:
                    found = Span(i, i + n, entry)
                    break
            if found is None:
                i += 1
                continue
            out.append(found)
            i = found.end
        return out

    # ------------------------------------------------------------------ one clause

    def readings(self, words: list[str], spans: list[Span], emotional: bool) -> list[Reading]:
        """The readings of one clause (before what they assert)."""
        sites = [s for s in spans if s.category in (Category.SITE, Category.OTHER_SITE)]
        out: list[Reading] = []
        stirred = any(s.category is Category.EMOTION and s.entry.kind == "stirred" for s in spans)
        for s in spans:
            if s.category is Category.SYMPTOM:
                kind = "doubtful" if stirred and s.entry.reason == "breathlessness" else "symptom"
                out.append(Reading(s.entry.reason, kind, [(s.start, s.end)]))
        linked: dict[int, list[Span]] = {}
        """site index (in `sites`) -> the findings and healthy states that link to it."""
        for n, s in enumerate(spans):
            if s.category is Category.HEALTHY and self._modifies(words, spans, n):
                continue  # "a great pain", "has gone funny"
            if s.category not in (Category.FINDING, Category.HEALTHY):
                continue
            k = self._nearest(words, s, sites)
            if k is not None:
                linked.setdefault(k, []).append(s)
                if s.category is Category.FINDING:
                    for j in self._coordinated(words, sites, k):
                        if sites[j].category is Category.SITE and sites[j].entry.reason in s.entry.links:
                            linked.setdefault(j, []).append(s)
                elif sites[k].start < s.start:
                    # "my chest and breathing are fine": a state said after two joined sites is said of both
                    for j in self._coordinated(words, sites, k):
                        if j < k and sites[j].category is Category.SITE:
                            linked.setdefault(j, []).append(s)
            elif s.category is Category.FINDING and self._unknown_place(words, s, spans):
                out.append(Reading("chest_pain", "unread", [(s.start, s.end)]))
            elif s.category is Category.FINDING and self._unknown_subject(words, s, spans):
                out.append(Reading("chest_pain", "unread", [(s.start, s.end)]))
            elif s.category is Category.FINDING and self._floating(words, s, spans):
                out.append(Reading("chest_pain", "floating", [(s.start, s.end)]))
        for k, site in enumerate(sites):
            if site.category is not Category.SITE or linked.get(k) or not self._elliptic(words, site):
                continue
            # "my legs hurt and so does my chest": what is said of the other site is said of this one
            linked[k] = [f for j, found in linked.items() if j != k for f in found
                         if f.category is Category.HEALTHY or site.entry.reason in f.entry.links]
        for k, site in enumerate(sites):
            if site.category is not Category.SITE:
                continue
            reason, strength = site.entry.reason, site.entry.strength
            here = linked.get(k, [])
            findings = [f for f in here if f.category is Category.FINDING and not f.entry.not_symptom]
            skin = any(f.entry.not_symptom for f in here)
            if skin and not findings:
                continue  # acne on the chest
            states = [h for h in here if h.category is Category.HEALTHY and not (findings and h.entry.kind == "manner")]
            cores = [(site.start, site.end)] + [(f.start, f.end) for f in findings]
            state_cores = [(site.start, site.end)] + [(h.start, h.end) for h in states]
            if findings:
                if self._resolved(words, states):
                    out.append(Reading(reason, "normal", state_cores, flips=True))
                    continue
                doubtful = (strength is Strength.DOUBTFUL or all(f.entry.doubtful for f in findings) or skin
                            or (stirred and reason == "breathlessness")
                            or (emotional and self._heart(words, site)) or (states and not self._negated_state(words, states)))
                out.append(Reading(reason, "doubtful" if doubtful else "symptom", cores))
            elif strength in (Strength.WEAK, Strength.HEARD):
                continue
            elif states and self._negated_state(words, states):
                # "breathing is not great", "my chest is not right": a healthy state denied is the symptom
                out.append(Reading(reason, "symptom", state_cores + [(h.start - 1, h.start) for h in states]))
            elif states:
                out.append(Reading(reason, "normal", state_cores, flips=True))
            elif strength is Strength.STRONG and reason == "chest_pain" and self._where_it_is(words, site, spans):
                out.append(Reading(reason, "symptom", cores))  # "it's in my chest": the pain talked about is there
            else:
                out.append(Reading(reason, "doubtful" if strength in (Strength.DOUBTFUL, Strength.CONDITION) else "unread",
                                   cores))
        return out

    @staticmethod
    def _where_it_is(words: list[str], site: Span, spans: list[Span]) -> bool:
        """The site said as the place of the pain being talked about: "in my chest", "it is in my chest", "it's
        behind my breastbone" (a locating word before it, and before that nothing but "it is" or "the pain is")."""
        i = site.start
        while i > 0 and (words[i - 1] in DETERMINERS or words[i - 1] in ZONES):
            i -= 1
        if i == 0 or words[i - 1] not in LOCATING:
            return False
        before = words[:i - 1]
        return len(before) <= 3 and all(w in WHERE_LEADS for w in before) and not any(
            s.start < site.start and s.category in (Category.OTHER_SITE, Category.SENSE) for s in spans)

    def _nearest(self, words: list[str], span: Span, sites: list[Span]) -> int | None:
        """The site a finding or a healthy state is about: the nearest one within the window, with no "and",
        "or" or "but" between them (ties: the chest or breathing, risk first); None when there is none."""
        best = None
        predicate = any(w in COPULAS for w in words[max(0, span.start - 2):span.start])
        for k, site in enumerate(sites):
            lo, hi = (span.end, site.start) if site.start >= span.end else (site.end, span.start)
            gap = hi - lo
            if site.start >= span.end and all(w in DETERMINERS for w in words[lo:hi]):
                gap = 0  # "a cold hand squeezing my heart": what the finding does, it does to the site after it
            blockers = BLOCKERS if span.category is Category.FINDING else BLOCKERS | STATE_BLOCKERS
            if gap < 0 or gap > self.lexicon.window or any(w in blockers for w in words[lo:hi]):
                continue
            if (span.category is Category.FINDING and site.category is Category.SITE
                    and site.entry.reason not in span.entry.links):
                continue
            if site.category is Category.SITE and site.entry.strength is Strength.HEARD and (
                    span.category is not Category.FINDING or span.entry.kind not in ("pain", "pressure")):
                continue
            # said of a subject ("chest is good"), a state is about what stands before it
            after = predicate and site.start >= span.end
            rank = (after, gap, site.category is not Category.SITE)
            if best is None or rank < best[0]:
                best = (rank, k)
        return None if best is None else best[1]

    @staticmethod
    def _elliptic(words: list[str], site: Span) -> bool:
        before = tuple(words[max(0, site.start - 4):site.start])
        after = words[site.end:site.end + 3]
        return (any(before[i:i + 2] == pair for pair in ELLIPSIS_BEFORE for i in range(len(before) - 1))
                or any(w in ELLIPSIS_AFTER for w in after) or " ".join(after[:2]) == "as well")

    @staticmethod
    def _modifies(words: list[str], spans: list[Span], k: int) -> bool:
        """A healthy word right before a finding says how the finding is, not how the site is ("a great pain",
        "has gone funny", "is good and tight")."""
        nxt = spans[k + 1] if k + 1 < len(spans) else None
        return (nxt is not None and nxt.category is Category.FINDING and nxt.start - spans[k].end <= 1
                and not words[spans[k].start] in ("fine", "okay", "alright"))

    @staticmethod
    def _heart(words: list[str], site: Span) -> bool:
        return any(w.startswith("heart") for w in words[site.start:site.end])

    @staticmethod
    def _resolved(words: list[str], states: list[Span]) -> bool:
        """A state that says a symptom has gone ("the chest pain went away", "is gone")."""
        return any(" ".join(words[h.start:h.end]) in RESOLVED for h in states)

    @staticmethod
    def _negated_state(words: list[str], states: list[Span]) -> bool:
        """A healthy state with "not" right before it ("not great"): the ConText pseudo-trigger "not great" keeps
        it from denying anything else, and here it denies the healthy state."""
        return any(h.start > 0 and words[h.start - 1] in ("not", "never") for h in states)

    @staticmethod
    def _coordinated(words: list[str], sites: list[Span], k: int) -> list[int]:
        """Sites joined to site k by "and" / "or" ("chest and arm pain", "my arm and my chest hurt")."""
        out = []
        for j in (k - 1, k + 1):
            if not 0 <= j < len(sites):
                continue
            lo, hi = sorted((sites[j], sites[k]), key=lambda s: s.start)
            between = words[lo.end:hi.start]
            if between and between[0] in ("and", "or") and all(w in DETERMINERS or w in ("and", "or", "left", "right")
                                                                for w in between):
                out.append(j)
        return out

    @staticmethod
    def _unknown_place(words: list[str], finding: Span, spans: list[Span]) -> bool:
        """A pain-like finding located at a place that is no part of the body the model knows ("pressure in the
        middle of my just", said of the chest): nothing may be made of it, so it is asked back."""
        if finding.entry.kind not in ("pain", "pressure", "discomfort") or finding.entry.not_symptom:
            return False
        known = {i for s in spans for i in range(s.start, s.end)}
        i = finding.end
        limit = min(len(words), finding.end + 3)
        while i < limit and words[i] not in LOCATING:
            i += 1
        if i >= limit or i + 1 >= len(words):
            return False
        j = i + 1
        if words[j] not in DETERMINERS:
            return False
        while j < len(words) and (words[j] in ZONES or words[j] in DETERMINERS) and j not in known:
            j += 1
        if j == len(words):
            return words[-1] == "my"  # cut off before the place was named ("a pressure in the middle of my")
        return j not in known and words[j - 1] == "my"

    @staticmethod
    def _unknown_subject(words: list[str], finding: Span, spans: list[Span]) -> bool:
        """A pain said of "my" something the model does not know ("my ticker's been hurting"): a part of the body
        by another name, perhaps the heart; nothing may be made of it, so it is asked back."""
        if finding.entry.kind not in ("pain", "pressure", "discomfort") or finding.entry.not_symptom:
            return False
        known = {i for s in spans for i in range(s.start, s.end)}
        i = finding.start - 1
        while i >= 0 and words[i] in LINKING and i not in known:
            i -= 1
        return i >= 1 and words[i - 1] == "my" and i not in known and words[i] not in ZONES and words[i] not in NOT_PARTS

    @staticmethod
    def _floating(words: list[str], finding: Span, spans: list[Span]) -> bool:
        """A pressure or a discomfort said of no place and of nothing talked about ("no, but there's a pressure",
        "I feel some tightness"): unread. Said of the pain ("it is tight", "the pain is heavy"), it is about the
        leg the conversation is about."""
        if finding.entry.kind not in ("pressure", "discomfort") or finding.entry.not_symptom:
            return False
        if any(s.category in (Category.SITE, Category.OTHER_SITE) or s.entry.not_symptom for s in spans):
            return False
        before = words[:finding.start]
        return (("there" in before or "i" in before) and not any(w in ABOUT_THE_PAIN for w in before)
                and not any(w in ABOUT_THE_PAIN for w in words[finding.end:finding.end + 2]))

    # ------------------------------------------------------------------ a whole utterance

    def mentions(self, clauses: list[str]) -> list[Mention]:
        """The mentions of chest pain and breathlessness of every clause, with what each asserts."""
        out: list[Mention] = []
        parsed = []
        for clause in clauses:
            words = clause.split()
            parsed.append((words, self.spans(words, clause)))
        emotional = any(s.category is Category.EMOTION and s.entry.kind != "stirred" for _, spans in parsed for s in spans)
        previous: list[Reading] = []
        said_before: list[Span] = []
        for index, (words, spans) in enumerate(parsed):
            readings = self.readings(words, spans, emotional)
            if said_before and any(r.kind == "unread" for r in readings):
                # "my calf hurts, and my chest too": what the clause before said is said of this site
                readings = [self._elliptic_reading(r, words, spans, said_before) for r in readings]
            if previous and not readings and self._follows_on(words, spans):
                # "... my heart. It hurts." / "Chest. Fine." / "My chest? No.": this clause says what the site of
                # the clause before is; what was unread there is read now
                readings = self._carried(previous, words, spans)
                if readings:
                    out = [m for m in out if not (m.clause == index - 1 and m.kind in ("unread", "doubtful", "floating"))]
            if readings:
                found, stops = self.context.context_of(words)
                for r in readings:
                    assertion = self.context.assertion_of(words, r.cores, flips=r.flips, found=found, stops=stops,
                                                          text=" ".join(" ".join(words[c[0]:c[1]]) for c in r.cores))
                    polarity = Polarity.ABSENT if r.kind == "normal" else Polarity.PRESENT
                    text = " ".join(words[min(c[0] for c in r.cores):max(c[1] for c in r.cores)])
                    out.append(Mention(r.reason, text, r.kind, polarity, assertion, r.flips, index))
            previous = [r for r in readings if r.kind in ("unread", "doubtful")]
            said_before = [s for s in spans if s.category in (Category.FINDING, Category.HEALTHY)
                           and not s.entry.not_symptom and s.entry.kind != "manner"]
        return out

    def _elliptic_reading(self, reading: Reading, words: list[str], spans: list[Span], said: list[Span]) -> Reading:
        site = next((s for s in spans if s.category is Category.SITE and (s.start, s.end) == reading.cores[0]), None)
        if reading.kind != "unread" or site is None or not self._elliptic(words, site):
            return reading
        if any(f.category is Category.FINDING and reading.reason in f.entry.links for f in said):
            return Reading(reading.reason, "symptom", reading.cores)
        if said and all(s.category is Category.HEALTHY for s in said):
            return Reading(reading.reason, "normal", reading.cores, flips=True)
        return reading

    @staticmethod
    def _follows_on(words: list[str], spans: list[Span]) -> bool:
        """A clause with no site of its own that says something of one: a pronoun and a finding or a healthy
        state ("it hurts", "that is fine"), only those ("fine", "tight"), or a bare denial ("no")."""
        if " ".join(words) in BARE_DENIALS:
            return True
        kinds = {s.category for s in spans}
        if not kinds & {Category.FINDING, Category.HEALTHY} or kinds & {Category.SITE, Category.OTHER_SITE,
                                                                        Category.SYMPTOM}:
            return False
        first = next((w for w in words if w not in LEADS), "")
        return first in PRONOUNS or len(words) <= 3

    def _carried(self, previous: list[Reading], words: list[str], spans: list[Span]) -> list[Reading]:
        if " ".join(words) in BARE_DENIALS:
            return [Reading(r.reason, "normal", [(0, len(words))], flips=True) for r in previous]
        findings = [s for s in spans if s.category is Category.FINDING and not s.entry.not_symptom]
        states = [s for s in spans if s.category is Category.HEALTHY]
        cores = [(s.start, s.end) for s in (findings or states)]
        out = []
        for r in previous:
            usable = [f for f in findings if r.reason in f.entry.links]
            if usable:
                doubtful = r.kind == "doubtful" and all(f.entry.doubtful for f in usable)
                out.append(Reading(r.reason, "doubtful" if doubtful else "symptom", [(f.start, f.end) for f in usable]))
            elif states and not findings:
                out.append(Reading(r.reason, "normal", cores, flips=True))
        return out


BARE_DENIALS = frozenset({"no", "nope", "nah", "no no", "none", "nothing", "not at all", "no not at all"})
"""A clause that only denies: after a clause that names a site, it denies that site ("My chest? No.")."""
RESOLVED = frozenset({"gone", "went away", "goes away", "cleared up", "cleared", "resolved", "settled", "stopped",
                      "passed", "fixed", "sorted"})
"""Healthy states that say a symptom is over (P9 asks about now)."""
