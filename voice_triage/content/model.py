"""The clinical content's domain types: features, questions, patterns, rules, phrase sets, the lexicons, and
`Content` that holds them all. dialogue/ and understanding/ import them from here; content/parse.py builds them
from the files' data and content/loader.py reads the files.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Mapping

from voice_triage.content.symptoms import SymptomLexicon

ANSWER_MEANINGS = ("yes", "no", "unsure")
COMMANDS = ("repeat", "help", "why", "back", "start_over", "stop", "slower", "faster", "louder", "quieter", "wait",
            "skip")
META_QUESTIONS = ("consent", "open", "confirm", "more")
ASSERTIONS = ("negated", "possible", "historical", "hypothetical", "other")
"""The ConText categories a trigger can give a mention (a mention with none is affirmed)."""
EMERGENCY_REASONS = ("chest_pain", "breathlessness")
SPEECH_KEYS = (
    "greeting", "consent_declined", "consent_assumed", "emergency", "emergency_why", "emergency_repeat", "unsure_red_flag",
    "acknowledge_free_speech", "not_understood", "not_understood_open", "silence", "wait", "help_answers", "back",
    "back_at_start", "start_over", "voice_slower", "voice_faster", "voice_louder", "voice_quieter", "stopped",
    "too_many_silences", "too_many_failures", "ended_early", "ended_early_urgent", "points_to", "points_to_also",
    "points_to_nothing", "red_flag_sign", "unsure_flags", "action_dvt", "action_critical_limb_ischemia",
    "action_urgent", "action_see_doctor", "action_self_care", "self_care_course", "safety_net", "not_a_diagnosis",
    "goodbye",
)


class Kind(str, Enum):
    """What a feature is for."""

    RED_FLAG = "red_flag"
    PATTERN = "pattern"


class Disposition(str, Enum):
    """What the person should do, most serious first."""

    EMERGENCY = "emergency"
    URGENT = "urgent"
    SEE_DOCTOR = "see_doctor"
    SELF_CARE = "self_care"
    INCOMPLETE = "incomplete"


class Answer(str, Enum):
    """An answer to a yes/no question."""

    YES = "yes"
    NO = "no"
    UNSURE = "unsure"


@dataclass(frozen=True)
class Feature:
    """One feature of the catalog (rules/features.json, a copy of shared/eval/features.json)."""

    id: str
    """The feature id used in listen events and answers."""
    kind: Kind
    """A red flag or a distinguishing (pattern) feature."""
    meaning: str
    """What the feature means, for a clinician."""
    source: str
    """The paragraphs it rests on, e.g. "P6 P7"."""


@dataclass(frozen=True)
class Question:
    """How one question is spoken."""

    id: str
    """The feature id, or a meta question (consent, open, confirm)."""
    ask: str
    """The first wording."""
    simpler: str
    """The shorter wording used to reprompt."""
    help: str
    """One sentence of help."""
    reason: str
    """How a "yes" is named in the summary (empty for meta questions)."""
    source: str
    """The paragraphs it rests on."""
    why: str = ""
    """One sentence on why the question matters, said when the person asks "why do you ask?"."""
    askback: str = ""
    """For the emergency features: the question asked when a mention may not be the person's own or
    not current ("my wife has chest pain"): "Do you have chest pain or tightness yourself, right now?"."""
    askback_said: str = ""
    """For the emergency features: the question asked when what was said may be the symptom and may not be
    ("my heart is racing", "pressure in the middle of my ..."), with {quote} for the words said back."""


@dataclass(frozen=True)
class Pattern:
    """One cause the answers can point to, with the evidence that scores it."""

    id: str
    """The pattern id of the catalog."""
    name: str
    """How the summary names it."""
    disposition: Disposition
    """What a person with this pattern should do."""
    source: str
    """The paragraphs it rests on."""
    threshold: float
    """The score from which the pattern is supported."""
    weights: Mapping[str, Mapping[str, float]]
    """feature id -> answer -> weight."""


@dataclass(frozen=True)
class DispositionRule:
    """One rule from answers and patterns to a disposition; the first that holds wins."""

    id: str
    """A name for the rule."""
    then: Disposition
    """The disposition it gives."""
    features: tuple[str, ...]
    """For an any_feature rule: the features it looks at."""
    answers: tuple[str, ...]
    """For an any_feature rule: the answers that make it hold."""
    supported: Disposition | None
    """For a supported_pattern rule: the disposition of a supported pattern that makes it hold."""
    always: bool
    """The rule always holds (the last one)."""
    source: str
    """The paragraphs it rests on."""
    min_support: int = 0
    """For a supported_pattern rule: the pattern needs at least this many features answered yes that
    count for it."""
    red_flags_no: bool = False
    """The rule holds only when every red flag was answered no."""


@dataclass(frozen=True)
class PhraseSet:
    """The phrases of one meaning (an answer or a command)."""

    exact: frozenset[str]
    """The utterance is exactly one of these."""
    lead: tuple[str, ...]
    """The utterance starts with one of these, longest first."""
    listen: tuple[str, ...] = ()
    """What the recognizers listen for (each is also in `exact`)."""


class Polarity(str, Enum):
    """What a mention says when it is affirmed."""

    PRESENT = "present"
    """The feature is there ("my chest hurts")."""
    ABSENT = "absent"
    """The feature is not there ("my breathing is fine", "both legs")."""


@dataclass(frozen=True)
class Target:
    """One way a feature is mentioned: a regular expression over a normalised clause."""

    feature: str
    """The feature id (for the emergency check: chest_pain or breathlessness)."""
    pattern: re.Pattern
    """What the mention looks like."""
    polarity: Polarity
    """What it says when affirmed."""
    kind: str
    """symptom, term or normal (emergency.yaml); cue or asked (features.yaml)."""
    flips: bool = False
    """A negated mention says the opposite ("i am not breathing well" is a mention of
    breathlessness); otherwise a negated absent-mention says nothing."""
    asked_only: bool = False
    """Counts only as the answer to this feature's own question ("some tightness" at the chest question)."""
    unless: re.Pattern | None = None
    """A clause that matches this is not read for this mention."""


@dataclass(frozen=True)
class Trigger:
    """A ConText trigger term group (grammars/context.yaml)."""

    category: str
    """negated, possible, historical, hypothetical or other."""
    direction: str
    """forward, backward or both."""
    scope: int
    """How many words from the trigger a mention may start (forward) or end (backward)."""
    at_end: bool = False
    """Only when the trigger is the last thing in its clause."""
    applies_to: re.Pattern | None = None
    """Only mentions whose words match this."""


@dataclass(frozen=True)
class ContextRules:
    """Clauses and assertion rules (grammars/context.yaml)."""

    markers: tuple[tuple[str, ...], ...]
    """Phrases that always begin a new clause."""
    joiners: tuple[tuple[str, ...], ...]
    """Phrases that begin a new clause when a new statement follows them."""
    statement_starts: frozenset[str]
    """Words that begin a new statement."""
    answer_words: tuple[tuple[str, ...], ...]
    """Bare answer words that may be followed by a new statement."""
    max_words: int
    """Clauses longer than this are read in windows of this many words."""
    statement_break: re.Pattern
    """A subject and its verb that begin a new statement in the middle of a clause."""
    binders: frozenset[str]
    """Words before a statement_break that bind it to what came before (no cut)."""
    flip_scope: int
    """How many words may stand between a negation and a healthy state it turns into a mention."""
    flip_breaks: frozenset[str]
    """Words that keep a negation from reaching a healthy state."""
    triggers: Mapping[tuple[str, ...], tuple[Trigger, ...]]
    """Trigger phrase (as words) -> the trigger groups it belongs to."""
    pseudo: frozenset[tuple[str, ...]]
    """Phrases that block a trigger at the same place."""
    terminators: Mapping[str, frozenset[tuple[str, ...]]]
    """Category (or "all") -> phrases that end a trigger's scope."""
    resolved: re.Pattern | None = None
    """A clause that says a symptom mentioned before it is over ("but it's gone now", "all cleared up")."""
    recurred: re.Pattern | None = None
    """A clause that says it came back ("it's come back now"): the mention stays current."""

    @functools.cached_property
    def longest(self) -> int:
        """The most words any trigger, pseudo-trigger or terminator has."""
        phrases = list(self.triggers) + list(self.pseudo) + [p for ps in self.terminators.values() for p in ps]
        return max((len(p) for p in phrases), default=1)


@dataclass(frozen=True)
class EmergencyLexicon:
    """What the recognizers listen for at every question for the emergency check (grammars/emergency.yaml).
    What the words mean is the symptom model's (grammars/symptoms.yaml)."""

    mentions: tuple[str, ...]
    """Emergency phrases for the recognizers' grammars."""
    denials: tuple[str, ...]
    """Denials ("no chest pain") for the grammars."""
    lookalikes: tuple[str, ...]
    """Leg-pain phrases that sound like emergency phrases, so a grammar has somewhere else to put them."""

    @property
    def phrases(self) -> tuple[str, ...]:
        """Everything the grammars hold for the emergency check."""
        return self.mentions + self.denials + self.lookalikes


@dataclass(frozen=True)
class Content:
    """Everything a session needs, validated."""

    features: Mapping[str, Feature]
    """The feature catalog, in catalog order."""
    pattern_ids: tuple[str, ...]
    """The pattern ids of the catalog."""
    questions: Mapping[str, Question]
    """Questions by feature id and meta id."""
    speech: Mapping[str, str]
    """Every other sentence, by key."""
    patterns: Mapping[str, Pattern]
    """Scored patterns, in tie-break order."""
    rules: tuple[DispositionRule, ...]
    """Disposition rules, first match wins."""
    screening: tuple[str, ...]
    """Red flags in the order they are asked."""
    answers: Mapping[str, PhraseSet]
    """yes/no/unsure phrases."""
    consent_yes: frozenset[str]
    """Extra ways to agree at the consent question."""
    consent_listen: tuple[str, ...]
    """Of those, what the recognizers listen for at the consent question."""
    lead_ins: tuple[tuple[str, ...], ...]
    """Phrases taken off the front of a clause before it is matched as an answer ("well", "oh"),
    longest first."""
    listen_leads: tuple[str, ...]
    """Of those, the few a recognizer's grammar lets come before a phrase ("wait, my chest feels tight")."""
    keys: Mapping[str, str]
    """The keyboard fallback: each key (lower case) and what the session hears for it."""
    commands: Mapping[str, PhraseSet]
    """Command phrases."""
    polite_before: tuple[str, ...]
    """Words taken off the front before matching a command, longest first."""
    polite_after: tuple[str, ...]
    """Words taken off the end before matching a command, longest first."""
    emergency: EmergencyLexicon
    """The emergency phrases the recognizers listen for."""
    symptoms: SymptomLexicon
    """The symptom model's words: sites, findings, healthy states, senses (grammars/symptoms.yaml)."""
    cues: Mapping[str, tuple[Target, ...]]
    """How each feature is mentioned in free speech, by feature id."""
    context: ContextRules
    """Clauses and assertion rules."""
    sources: Mapping[str, str] = field(default_factory=dict)
    """Which file each part came from (for messages)."""
    corrections: tuple[tuple[str, ...], ...] = ()
    """Phrases that take back what was said before them ("sorry", "i mean", "i misheard"), longest first."""

    @property
    def red_flags(self) -> tuple[str, ...]:
        return tuple(f for f, feat in self.features.items() if feat.kind is Kind.RED_FLAG)

    @property
    def pattern_features(self) -> tuple[str, ...]:
        return tuple(f for f, feat in self.features.items() if feat.kind is Kind.PATTERN)
