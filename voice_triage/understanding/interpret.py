"""From what a person said to what it means at the question being asked.

    text -> clauses (clauses.py) -> per clause: answer words, mentions and what each asserts
    (context.py) -> one meaning, by the risk-first policy (policy.py)

Order is fixed: the emergency check first (every clause), then commands, then mentions that may not
be the person's own or current (asked back), then the answer to the question, then features
mentioned in free speech. Anything else is "not understood".

Why our own ConText and not medspaCy's: measured on this machine (medspaCy 1.3.1 on spaCy 3.7.5),
importing and loading its ConText pipeline takes 2.5 s against a start-up budget of 0.4 s for the
whole program, it brings 283 MB of packages, and with its default (clinical-note) rules it read 8 of
15 spoken test sentences wrongly ("I'm not breathing well" as a denial, "my chest doesn't hurt" as
a mention, "no, my left leg is a bit swollen though" as a denial, "I had a heart attack two years
ago" as current). The algorithm itself is small; its rules, tuned to spoken first-person English,
are data in grammars/context.yaml.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from voice_triage.content.model import COMMANDS, EMERGENCY_REASONS, Content, Kind
from voice_triage.understanding import policy
from voice_triage.understanding.clauses import ClauseSplitter
from voice_triage.understanding.context import ContextReader, Mention
from voice_triage.understanding.emergency import EmergencyDetector

class Intent(StrEnum):
    """What an utterance does at the question asked (the `intent` of a heard event)."""

    EMERGENCY = "emergency"
    """Chest pain or breathlessness, affirmed or hedged: the emergency instruction at once."""
    ASK_BACK = "ask_back"
    """An emergency mention that may not be the person's own or current: asked back once."""
    YES = "yes"
    NO = "no"
    UNSURE = "unsure"
    FREE = "free"
    """Free speech that answers nothing directly but mentions features."""
    NOT_UNDERSTOOD = "not_understood"
    REPEAT = "repeat"
    HELP = "help"
    WHY = "why"
    BACK = "back"
    START_OVER = "start_over"
    STOP = "stop"
    SLOWER = "slower"
    FASTER = "faster"
    LOUDER = "louder"
    QUIETER = "quieter"
    WAIT = "wait"
    SKIP = "skip"


EMERGENCY, ASK_BACK, FREE, NOT_UNDERSTOOD = Intent.EMERGENCY, Intent.ASK_BACK, Intent.FREE, Intent.NOT_UNDERSTOOD
ANSWERS = (Intent.YES, Intent.NO, Intent.UNSURE)
MAX_CHARS = 2000
"""Longer input is cut to this many characters before it is read (understanding stays linear and
quick; the heard event carries at most this much)."""
NEGATIONS = frozenset({"no", "not", "never", "none", "nothing", "neither", "nor", "without"})
MAX_LEAD = 6
"""The most words an answer's lead phrase has ("yes it does, every time")."""


@dataclass(frozen=True)
class Meaning:
    """What one utterance means."""

    intent: Intent
    """What the utterance does (an answer, a command, free speech, an emergency ...)."""
    text: str
    """The normalised utterance (its clauses joined)."""
    reason: str | None = None
    """For an emergency or an ask-back: chest_pain or breathlessness."""
    features: dict[str, str] = field(default_factory=dict)
    """Features mentioned in free speech: feature id -> yes, no or unsure."""
    clauses: tuple[str, ...] = ()
    """The clauses the utterance was cut into."""
    mentions: tuple[Mention, ...] = ()
    """Every mention found, emergency reasons first, with what it asserts."""
    quote: str = ""
    """For an ask-back of something that may be an emergency and may not ("my heart is racing"): the clause
    that said it, to say back to the person."""
    confirm: bool = False
    """An answer the judge asks back before it is taken ("I think you said ... Is that right?"): the rules and
    the reader read it differently at a red flag, or only the reader read it (judge.py)."""

    @property
    def is_answer(self) -> bool:
        return self.intent in ANSWERS

    @property
    def is_command(self) -> bool:
        return self.intent.value in COMMANDS


def question_kind(content: Content, feature: str | None) -> str:
    """emergency, red_flag, pattern or meta: which part of the policy answers it."""
    if feature in EMERGENCY_REASONS:
        return "emergency"
    if feature in content.features:
        return "red_flag" if content.features[feature].kind is Kind.RED_FLAG else "pattern"
    return "meta"


class Interpreter:
    """Understands utterances against the content's grammars."""

    def __init__(self, content: Content):
        self.content = content
        whole = set(content.consent_yes)
        for phrases in list(content.answers.values()) + list(content.commands.values()):
            whole |= phrases.exact
        self.splitter = ClauseSplitter(content.context, whole)
        self.reader = ContextReader(content.context)
        self.emergency = EmergencyDetector(content, self.splitter, self.reader)
        self._lead_ins = content.lead_ins
        self._lead_set = frozenset(content.lead_ins)

    # -- the parts, usable on their own --------------------------------------------------------

    def command(self, norm: str) -> Intent | None:
        """The command `norm` is, after polite words are taken off, or None."""
        for candidate in self._polite_variants(norm):
            for name, phrases in self.content.commands.items():
                if candidate in phrases.exact:
                    return Intent(name)
        return None

    def _polite_variants(self, norm: str) -> list[str]:
        out = [norm]
        current = norm
        changed = True
        while changed:
            changed = False
            for word in self.content.polite_before:
                if current.startswith(word + " "):
                    current, changed = current[len(word) + 1:], True
                    break
            for word in self.content.polite_after:
                if current.endswith(" " + word):
                    current, changed = current[: -len(word) - 1], True
                    break
            if changed and current:
                out.append(current)
        return out

    def answer(self, clause: str, *, consent: bool = False) -> str | None:
        """yes, no or unsure if the clause is (or starts with) an answer; lead-in words ("well",
        "oh", "actually") are taken off first."""
        words = clause.split()
        while words:
            found = self._answer(words, consent)
            if found is not None:
                return found
            lead = next((n for n in map(len, self._lead_ins) if tuple(words[:n]) in self._lead_set), 0)
            if not lead:
                return None
            words = words[lead:]
        return None

    def _answer(self, words: list[str], consent: bool) -> str | None:
        norm = " ".join(words)
        for meaning, phrases in self.content.answers.items():
            if norm in phrases.exact:
                return meaning
        if consent and norm in self.content.consent_yes:
            return "yes"
        for size in range(min(len(words) - 1, MAX_LEAD), 0, -1):
            if words[size] in NEGATIONS:
                continue  # "absolutely no chest pain" does not start with a yes
            prefix = " ".join(words[:size])
            for meaning, phrases in self.content.answers.items():
                if prefix in phrases.lead:
                    return meaning
        return None

    def _corrected(self, clauses: list[str], readings: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        """The readings after the last correction that has an answer on each side of it ("yes... sorry, no, I
        misheard": no), or all of them."""
        for i in range(len(clauses) - 1, 0, -1):
            words = tuple(clauses[i].split())
            if any(words[:len(c)] == c for c in self.content.corrections):
                before = [r for r in readings if r[0] < i]
                after = [r for r in readings if r[0] >= i]
                if before and after:
                    return after
        return readings

    def _echoed(self, clauses: list[str]) -> bool:
        """The first clause is a word or two of the question said back ("warm?", "cold feet?") and the next one
        a bare answer."""
        return (len(clauses) >= 2 and len(clauses[0].split()) <= 2 and self.answer(clauses[0]) is None
                and self.answer(clauses[1]) is not None)

    def _quotable(self, clause: str) -> str:
        """The clause as it is said back: without the words that only joined it to the one before ("but ...")."""
        words = clause.split()
        while len(words) > 1 and (tuple(words[:1]) in self._lead_set or words[0] in ("but", "and", "so", "though")):
            words = words[1:]
        return " ".join(words)

    def clauses(self, text: str) -> list[str]:
        """`text` cut into normalised clauses (at most MAX_CHARS characters of it are read)."""
        return self.splitter.split(text[:MAX_CHARS])

    def mentions(self, clauses: list[str], asked: str | None = None) -> list[Mention]:
        """Mentions of the distinguishing features and red flags, clause by clause (the asked
        feature's own cues too)."""
        targets = [t for fid, ts in self.content.cues.items() for t in ts if not t.asked_only or fid == asked]
        out: list[Mention] = []
        for i, clause in enumerate(clauses):
            out.extend(self.reader.mentions(clause, targets, index=i))
        # chest pain or breathing trouble a later clause says is over is past here too, as in the emergency check
        return self.emergency.over(out, clauses)

    def features(self, text: str, asked: str | None = None) -> dict[str, str]:
        """Features that free speech mentions, with yes, no or unsure."""
        return self._features(self.mentions(self.clauses(text), asked))

    def _features(self, mentions: list[Mention]) -> dict[str, str]:
        readings: dict[str, list[tuple[int, int, str]]] = {}
        for order, m in enumerate(mentions):
            if m.value is not None and m.feature not in EMERGENCY_REASONS:
                readings.setdefault(m.feature, []).append((m.clause, order, m.value))
        out = {}
        for fid, items in readings.items():
            value = policy.combine(items, question_kind(self.content, fid))
            if value is not None:
                out[fid] = value
        return out

    # -- the whole ------------------------------------------------------------------------------

    def interpret(self, text: str, question: str | None = None, *, about: str | None = None,
                  ask_back: bool = True) -> Meaning:
        """What `text` means when `question` (a feature id or meta question) was asked; `about` is
        the feature a confirm question is about. `ask_back=False`: what it answers when a mention that may not be
        the person's own or current is not asked back (the judge asks for it when the reader is sure that it is
        no emergency)."""
        clauses = self.clauses(text)
        norm = " ".join(clauses)
        if not clauses:
            return Meaning(NOT_UNDERSTOOD, norm)
        feature = about if question == "confirm" else question
        kind = question_kind(self.content, feature)
        urgent = self.emergency.mentions_in(clauses, asked=feature)
        reason = policy.emergency(urgent)
        if reason:
            return Meaning(EMERGENCY, norm, reason, self._features(self.mentions(clauses)), tuple(clauses),
                           tuple(urgent))
        command = self.command(norm)
        if command:
            return Meaning(command, norm, clauses=tuple(clauses))
        if question != "consent" and ask_back:
            other = policy.not_current(urgent)
            if other:
                return Meaning(ASK_BACK, norm, other, clauses=tuple(clauses), mentions=tuple(urgent))
            # a pressure said of no place is asked back when it comes with an answer to a yes/no question; in a
            # description ("tell me about the pain") it is the leg's
            doubt = policy.doubtful(m for m in urgent if m.kind != "floating" or kind in ("red_flag", "pattern"))
            if doubt is not None:
                return Meaning(ASK_BACK, norm, doubt.feature, clauses=tuple(clauses), mentions=tuple(urgent),
                               quote=self._quotable(clauses[doubt.clause]))
        mentions = self.mentions(clauses, asked=feature) if question != "consent" else []
        # a clause that mentions the asked feature answers by that mention ("definitely no chest
        # pain" is a no, whatever its first word); other clauses by their answer words
        readings = [(m.clause, order, m.value) for order, m in enumerate(urgent + mentions)
                    if m.feature == feature and m.value is not None]
        mentioned = {r[0] for r in readings}
        readings += [(i, -1, a) for i, c in enumerate(clauses)
                     if i not in mentioned and (a := self.answer(c, consent=question == "consent")) is not None]
        # a correction ("yes... sorry, no, I misheard") replaces the answers before it at every yes/no question; at
        # the chest and breathing questions only answers are corrected (a symptom said in any clause was read as an
        # emergency above), and the judge asks back where the reader reads it the other way
        if kind in ("red_flag", "pattern", "emergency"):
            readings = self._corrected(clauses, readings)
        if kind in ("red_flag", "pattern") and self._echoed(clauses):
            # "Warm? No, no, it is not warm": the question's word said back before the answer is no answer itself
            readings = [r for r in readings if r[0] != 0] or readings
        answer = policy.combine(readings, kind)
        features = self._features(mentions)
        everything = tuple(urgent + mentions)
        if kind == "emergency" and answer in ("yes", "unsure"):
            return Meaning(EMERGENCY, norm, feature, features, tuple(clauses), everything)
        if answer:
            return Meaning(Intent(answer), norm, None, features, tuple(clauses), everything)
        if features or question in ("open", "more"):
            return Meaning(FREE, norm, None, features, tuple(clauses), everything)
        return Meaning(NOT_UNDERSTOOD, norm, clauses=tuple(clauses), mentions=everything)
