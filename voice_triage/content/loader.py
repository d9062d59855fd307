"""The clinical content, loaded from data and checked before a session may use it.

Layers, as in hassil: ``load_content(root)`` reads the files of a checkout (rules/, prompts/,
grammars/), ``content_from_texts`` takes their texts (tests pass strings), ``content_from_data``
takes the parsed mappings. Any mistake is a ``ContentError`` naming the file and the key.
"""
from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass, field
from enum import Enum
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Mapping

from voice_triage.errors import ContentError
from voice_triage.content.symptoms import SymptomLexicon, parse_symptoms
from voice_triage.content.templates import expand

ROOT_ENV = "VOICE_TRIAGE_CONTENT"
SOURCE_RE = re.compile(r"^(P[1-9])( P[1-9])*$")
FILES = {
    "catalog": "rules/features.json",
    "rules": "rules/triage.yaml",
    "questions": "prompts/questions.yaml",
    "speech": "prompts/speech.yaml",
    "answers": "grammars/answers.yaml",
    "commands": "grammars/commands.yaml",
    "emergency": "grammars/emergency.yaml",
    "symptoms": "grammars/symptoms.yaml",
    "cues": "grammars/features.yaml",
    "context": "grammars/context.yaml",
    "keys": "grammars/keys.yaml",
}
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

    @property
    def red_flags(self) -> tuple[str, ...]:
        return tuple(f for f, feat in self.features.items() if feat.kind is Kind.RED_FLAG)

    @property
    def pattern_features(self) -> tuple[str, ...]:
        return tuple(f for f, feat in self.features.items() if feat.kind is Kind.PATTERN)


# ------------------------------------------------------------------ helpers


class _Where:
    """Builds error messages that name the file and the key."""

    def __init__(self, file: str):
        self.file = file

    def fail(self, key: str, problem: str) -> ContentError:
        return ContentError(f"{self.file}: {key}: {problem}")

    def mapping(self, data: Any, key: str) -> Mapping[str, Any]:
        if not isinstance(data, Mapping):
            raise self.fail(key, f"expected a mapping, found {type(data).__name__}")
        return data

    def text(self, data: Mapping[str, Any], name: str, key: str) -> str:
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{key}.{name}", "missing or empty text")
        return value.strip()

    def source(self, data: Mapping[str, Any], key: str, allow_none: bool = False) -> str:
        value = data.get("source")
        if allow_none and value == "-":
            return "-"
        if not isinstance(value, str) or not SOURCE_RE.match(value.strip()):
            raise self.fail(f"{key}.source", f"must cite paragraphs P1-P9 (like 'P6 P7'), found {value!r}")
        return value.strip()

    def regex(self, pattern: Any, key: str) -> re.Pattern:
        if not isinstance(pattern, str):
            raise self.fail(key, f"expected a regular expression, found {type(pattern).__name__}")
        try:
            return re.compile(pattern)
        except re.error as exc:
            raise self.fail(key, f"bad regular expression: {exc}") from None

    def regexes(self, patterns: Any, key: str) -> tuple[re.Pattern, ...]:
        if patterns is None:
            return ()
        if not isinstance(patterns, list):
            raise self.fail(key, "expected a list of regular expressions")
        return tuple(self.regex(p, f"{key}[{i}]") for i, p in enumerate(patterns))

    def phrases(self, templates: Any, key: str) -> list[str]:
        if templates is None:
            return []
        if not isinstance(templates, list) or not all(isinstance(t, str) for t in templates):
            raise self.fail(key, "expected a list of phrase templates")
        out: list[str] = []
        for i, template in enumerate(templates):
            try:
                out.extend(expand(template))
            except ContentError as exc:
                raise self.fail(f"{key}[{i}]", str(exc)) from None
        return out


# ------------------------------------------------------------------ parts


def _catalog(data: Any) -> tuple[dict[str, Feature], tuple[str, ...], dict[str, str]]:
    w = _Where(FILES["catalog"])
    data = w.mapping(data, "(top)")
    features: dict[str, Feature] = {}
    for i, item in enumerate(data.get("features") or []):
        item = w.mapping(item, f"features[{i}]")
        fid = item.get("id")
        if not isinstance(fid, str) or fid in features:
            raise w.fail(f"features[{i}].id", f"missing or repeated id {fid!r}")
        try:
            kind = Kind(item.get("kind"))
        except ValueError:
            raise w.fail(f"features[{i}].kind", f"unknown kind {item.get('kind')!r}") from None
        features[fid] = Feature(fid, kind, str(item.get("meaning", "")), w.source(item, f"features[{i}]"))
    if not features:
        raise w.fail("features", "no features")
    patterns: dict[str, str] = {}
    for i, item in enumerate(data.get("patterns") or []):
        item = w.mapping(item, f"patterns[{i}]")
        try:
            patterns[str(item["id"])] = Disposition(item.get("disposition")).value
        except (KeyError, ValueError):
            raise w.fail(f"patterns[{i}]", "needs an id and a known disposition") from None
    return features, tuple(patterns), patterns


def _questions(data: Any, features: Mapping[str, Feature]) -> dict[str, Question]:
    w = _Where(FILES["questions"])
    data = w.mapping(data, "(top)")
    qs = w.mapping(data.get("questions"), "questions")
    meta = w.mapping(data.get("meta"), "meta")
    out: dict[str, Question] = {}
    for fid, q in qs.items():
        if fid not in features:
            raise w.fail(f"questions.{fid}", "not a feature id of the catalog")
        q = w.mapping(q, f"questions.{fid}")
        key = f"questions.{fid}"
        askback = w.text(q, "askback", key) if fid in EMERGENCY_REASONS else ""
        said = w.text(q, "askback_said", key) if fid in EMERGENCY_REASONS else ""
        if said and "{quote}" not in said:
            raise w.fail(f"{key}.askback_said", "must say the words back: put {quote} where they go")
        out[fid] = Question(fid, w.text(q, "ask", key), w.text(q, "simpler", key), w.text(q, "help", key),
                            w.text(q, "reason", key), w.source(q, key), w.text(q, "why", key), askback, said)
    for fid in features:
        if fid not in out:
            raise w.fail(f"questions.{fid}", "the feature has no question")
    for mid in META_QUESTIONS:
        if mid not in meta:
            raise w.fail(f"meta.{mid}", "missing meta question")
        q = w.mapping(meta[mid], f"meta.{mid}")
        key = f"meta.{mid}"
        out[mid] = Question(mid, w.text(q, "ask", key), w.text(q, "simpler", key), w.text(q, "help", key), "",
                            w.source(q, key), w.text(q, "why", key))
    return out


def _speech(data: Any) -> dict[str, str]:
    w = _Where(FILES["speech"])
    data = w.mapping(data, "(top)")
    out = {}
    for key in SPEECH_KEYS:
        if key not in data:
            raise w.fail(key, "missing sentence")
        entry = w.mapping(data[key], key)
        w.source(entry, key, allow_none=True)
        out[key] = w.text(entry, "text", key)
    for key in data:
        if key not in SPEECH_KEYS:
            raise w.fail(key, "not a sentence the assistant uses")
    return out


def _rules(data: Any, features: Mapping[str, Feature], catalog_patterns: Mapping[str, str]):
    w = _Where(FILES["rules"])
    data = w.mapping(data, "(top)")
    patterns: dict[str, Pattern] = {}
    for pid, p in w.mapping(data.get("patterns"), "patterns").items():
        key = f"patterns.{pid}"
        if pid not in catalog_patterns:
            raise w.fail(key, "not a pattern id of the catalog")
        p = w.mapping(p, key)
        try:
            disposition = Disposition(p.get("disposition"))
        except ValueError:
            raise w.fail(f"{key}.disposition", f"unknown disposition {p.get('disposition')!r}") from None
        if disposition.value != catalog_patterns[pid]:
            raise w.fail(f"{key}.disposition", f"the catalog says {catalog_patterns[pid]}")
        threshold = p.get("threshold")
        if not isinstance(threshold, (int, float)):
            raise w.fail(f"{key}.threshold", "must be a number")
        weights: dict[str, dict[str, float]] = {}
        for fid, ev in w.mapping(p.get("evidence"), f"{key}.evidence").items():
            ekey = f"{key}.evidence.{fid}"
            if fid not in features:
                raise w.fail(ekey, "unknown feature id")
            ev = w.mapping(ev, ekey)
            w.source(ev, ekey)
            wts = {}
            for ans, value in ev.items():
                if ans == "source":
                    continue
                if ans not in ANSWER_MEANINGS or not isinstance(value, (int, float)):
                    raise w.fail(f"{ekey}.{ans}", "weights are numbers for yes, no or unsure")
                wts[ans] = float(value)
            weights[fid] = wts
        patterns[pid] = Pattern(pid, w.text(p, "name", key), disposition, w.source(p, key), float(threshold), weights)
    for pid in catalog_patterns:
        if pid not in patterns:
            raise w.fail(f"patterns.{pid}", "the catalog's pattern has no rule")
    rules = []
    items = data.get("dispositions")
    if not isinstance(items, list) or not items:
        raise w.fail("dispositions", "expected a list of rules")
    for i, r in enumerate(items):
        key = f"dispositions[{i}]"
        r = w.mapping(r, key)
        try:
            then = Disposition(r.get("then"))
        except ValueError:
            raise w.fail(f"{key}.then", f"unknown disposition {r.get('then')!r}") from None
        when = w.mapping(r.get("when"), f"{key}.when")
        feats = tuple(when.get("any_feature") or ())
        for fid in feats:
            if fid not in features:
                raise w.fail(f"{key}.when.any_feature", f"unknown feature id {fid!r}")
        answers = tuple(when.get("is") or ())
        if feats and (not answers or any(a not in ANSWER_MEANINGS for a in answers)):
            raise w.fail(f"{key}.when.is", "list the answers (yes, no, unsure) that make the rule hold")
        supported = None
        if "supported_pattern" in when:
            try:
                supported = Disposition(when["supported_pattern"])
            except ValueError:
                raise w.fail(f"{key}.when.supported_pattern", "unknown disposition") from None
        always = bool(when.get("always"))
        if not (feats or supported or always):
            raise w.fail(f"{key}.when", "needs any_feature, supported_pattern or always")
        min_support = when.get("min_support", 0)
        if not isinstance(min_support, int) or min_support < 0:
            raise w.fail(f"{key}.when.min_support", "must be a whole number")
        red_no = when.get("red_flags", None)
        if red_no not in (None, "no"):
            raise w.fail(f"{key}.when.red_flags", "the only condition on red flags is 'no' (every red flag answered no)")
        rules.append(DispositionRule(str(r.get("id", key)), then, feats, answers, supported, always, w.source(r, key),
                                     min_support, red_no == "no"))
    if not rules[-1].always:
        raise w.fail(f"dispositions[{len(rules) - 1}]", "the last rule must be 'always: true'")
    screening = tuple(data.get("screening") or ())
    red = [f for f, feat in features.items() if feat.kind is Kind.RED_FLAG]
    if sorted(screening) != sorted(red):
        raise w.fail("screening", f"must list every red flag once: {', '.join(red)}")
    if screening[:2] != EMERGENCY_REASONS:
        raise w.fail("screening", "chest_pain and breathlessness must come first")
    return patterns, tuple(rules), screening


def _phrase_sets(data: Mapping[str, Any], names: tuple[str, ...], w: _Where) -> dict[str, PhraseSet]:
    out = {}
    for name in names:
        if name not in data:
            raise w.fail(name, "missing")
        entry = w.mapping(data[name], name)
        exact = w.phrases(entry.get("exact"), f"{name}.exact")
        lead = w.phrases(entry.get("lead"), f"{name}.lead")
        if not exact:
            raise w.fail(f"{name}.exact", "no phrases")
        listen = w.phrases(entry.get("listen"), f"{name}.listen")
        for phrase in listen:
            if phrase not in exact:
                raise w.fail(f"{name}.listen", f"{phrase!r} is not one of the {name} phrases under exact")
        out[name] = PhraseSet(frozenset(exact), tuple(sorted(set(lead), key=lambda p: -len(p.split()))),
                              tuple(dict.fromkeys(listen)))
    return out


def _check_unique(sets: Mapping[str, tuple[str, PhraseSet]]) -> None:
    """A phrase may mean one thing only."""
    owner: dict[str, tuple[str, str]] = {}
    for meaning, (file, ps) in sets.items():
        for phrase in sorted(ps.exact):
            if phrase in owner and owner[phrase][1] != meaning:
                ofile, omeaning = owner[phrase]
                raise ContentError(f"{file}: {meaning}: the phrase {phrase!r} is also claimed by "
                                   f"{omeaning} in {ofile}")
            owner[phrase] = (file, meaning)


def _cues(data: Any, features: Mapping[str, Feature]) -> dict[str, tuple[Target, ...]]:
    w = _Where(FILES["cues"])
    data = w.mapping(w.mapping(data, "(top)").get("features"), "features")
    out: dict[str, tuple[Target, ...]] = {}
    for fid, entry in data.items():
        key = f"features.{fid}"
        if fid not in features:
            raise w.fail(key, "unknown feature id")
        entry = w.mapping(entry, key)
        w.source(entry, key)
        asked = w.mapping(entry.get("when_asked") or {}, f"{key}.when_asked")
        unless = w.regex(entry["unless"], f"{key}.unless") if "unless" in entry else None
        asked_unless = w.regex(asked["unless"], f"{key}.when_asked.unless") if "unless" in asked else None
        targets = [Target(fid, rx, Polarity.PRESENT, "cue", unless=unless)
                   for rx in w.regexes(entry.get("yes"), f"{key}.yes")]
        targets += [Target(fid, rx, Polarity.ABSENT, "cue", unless=unless)
                    for rx in w.regexes(entry.get("no"), f"{key}.no")]
        targets += [Target(fid, rx, Polarity.PRESENT, "asked", asked_only=True, unless=asked_unless)
                    for rx in w.regexes(asked.get("yes"), f"{key}.when_asked.yes")]
        targets += [Target(fid, rx, Polarity.ABSENT, "asked", asked_only=True, unless=asked_unless)
                    for rx in w.regexes(asked.get("no"), f"{key}.when_asked.no")]
        out[fid] = tuple(targets)
    return out


def _emergency(data: Any) -> EmergencyLexicon:
    w = _Where(FILES["emergency"])
    data = w.mapping(data, "(top)")
    w.source(data, "(top)")
    lists = []
    for key in ("phrases", "denials", "lookalikes"):
        items = data.get(key)
        if not isinstance(items, list) or not all(isinstance(p, str) for p in items):
            raise w.fail(key, "expected a list of phrases")
        lists.append(tuple(items))
    return EmergencyLexicon(*lists)


def _words(w: _Where, templates: Any, key: str) -> list[tuple[str, ...]]:
    return [tuple(p.split()) for p in w.phrases(templates, key)]


def _count(w: _Where, value: Any, key: str) -> int:
    if not isinstance(value, int) or value < 0:
        raise w.fail(key, "must be a whole number")
    return value


def _context(data: Any) -> ContextRules:
    w = _Where(FILES["context"])
    data = w.mapping(data, "(top)")
    clauses = w.mapping(data.get("clauses"), "clauses")
    max_words = clauses.get("max_words")
    if not isinstance(max_words, int) or max_words < 10:
        raise w.fail("clauses.max_words", "must be a whole number of at least 10")
    triggers: dict[tuple[str, ...], list[Trigger]] = {}
    groups = w.mapping(data.get("triggers"), "triggers")
    for category, items in groups.items():
        if category not in ASSERTIONS:
            raise w.fail(f"triggers.{category}", f"not a ConText category ({', '.join(ASSERTIONS)})")
        if not isinstance(items, list):
            raise w.fail(f"triggers.{category}", "expected a list of trigger groups")
        for i, item in enumerate(items):
            key = f"triggers.{category}[{i}]"
            item = w.mapping(item, key)
            direction = item.get("direction")
            if direction not in ("forward", "backward", "both"):
                raise w.fail(f"{key}.direction", "must be forward, backward or both")
            scope = item.get("scope")
            if not isinstance(scope, int) or scope < 1:
                raise w.fail(f"{key}.scope", "must be a whole number of words, at least 1")
            applies = w.regex(item["applies_to"], f"{key}.applies_to") if "applies_to" in item else None
            trigger = Trigger(category, direction, scope, bool(item.get("at_end")), applies)
            for words in _words(w, item.get("phrases"), f"{key}.phrases"):
                triggers.setdefault(words, []).append(trigger)
    terminators = {cat: frozenset(_words(w, items, f"terminators.{cat}"))
                   for cat, items in w.mapping(data.get("terminators") or {}, "terminators").items()}
    for cat in terminators:
        if cat != "all" and cat not in ASSERTIONS:
            raise w.fail(f"terminators.{cat}", "not a ConText category or all")
    return ContextRules(
        tuple(_words(w, clauses.get("markers"), "clauses.markers")),
        tuple(_words(w, clauses.get("joiners"), "clauses.joiners")),
        frozenset(word for words in _words(w, clauses.get("statement_starts"), "clauses.statement_starts")
                  for word in words),
        tuple(_words(w, clauses.get("answer_words"), "clauses.answer_words")),
        max_words,
        w.regex(clauses.get("statement_break"), "clauses.statement_break"),
        frozenset(str(b) for b in clauses.get("binders") or ()),
        _count(w, data.get("flip_scope"), "flip_scope"),
        frozenset(str(x) for x in data.get("flip_breaks") or ()),
        {words: tuple(ts) for words, ts in triggers.items()},
        frozenset(_words(w, data.get("pseudo"), "pseudo")),
        terminators,
    )


def content_from_data(parts: Mapping[str, Any]) -> Content:
    """Build and validate the content from parsed files (keys as in FILES)."""
    for part, file in FILES.items():
        if part not in parts or parts[part] is None:
            raise ContentError(f"{file}: (top): the file is missing or empty")
    features, pattern_ids, catalog_patterns = _catalog(parts["catalog"])
    questions = _questions(parts["questions"], features)
    speech = _speech(parts["speech"])
    patterns, rules, screening = _rules(parts["rules"], features, catalog_patterns)
    wa, wc = _Where(FILES["answers"]), _Where(FILES["commands"])
    answers_data = wa.mapping(parts["answers"], "(top)")
    answers = _phrase_sets(answers_data, ANSWER_MEANINGS, wa)
    consent = wa.mapping(answers_data.get("consent_yes") or {}, "consent_yes")
    consent_yes = frozenset(wa.phrases(consent.get("exact"), "consent_yes.exact"))
    consent_listen = tuple(wa.phrases(consent.get("listen"), "consent_yes.listen"))
    for phrase in consent_listen:
        if phrase not in consent_yes:
            raise wa.fail("consent_yes.listen", f"{phrase!r} is not one of the consent_yes phrases under exact")
    commands_data = wc.mapping(parts["commands"], "(top)")
    commands = _phrase_sets(commands_data, COMMANDS, wc)
    polite = wc.mapping(commands_data.get("polite") or {}, "polite")
    before = tuple(sorted((str(p) for p in polite.get("before") or ()), key=lambda p: -len(p)))
    after = tuple(sorted((str(p) for p in polite.get("after") or ()), key=lambda p: -len(p)))
    everything = {m: (FILES["answers"], ps) for m, ps in answers.items()}
    everything.update({m: (FILES["commands"], ps) for m, ps in commands.items()})
    everything["consent_yes"] = (FILES["answers"], PhraseSet(consent_yes - answers["yes"].exact, ()))
    _check_unique(everything)
    cues = _cues(parts["cues"], features)
    emergency = _emergency(parts["emergency"])
    symptoms = parse_symptoms(parts["symptoms"])
    context = _context(parts["context"])
    lead_ins = answers_data.get("lead_ins") or []
    if not isinstance(lead_ins, list) or not all(isinstance(x, str) for x in lead_ins):
        raise wa.fail("lead_ins", "expected a list of words")
    listen_leads = answers_data.get("listen_lead_ins") or []
    if not isinstance(listen_leads, list) or not all(isinstance(x, str) and x in lead_ins for x in listen_leads):
        raise wa.fail("listen_lead_ins", "expected a list of words, each one of lead_ins")
    keys = _keys(parts["keys"])
    return Content(features, pattern_ids, questions, speech, patterns, rules, screening, answers, consent_yes,
                   consent_listen, tuple(sorted({tuple(x.split()) for x in lead_ins}, key=len, reverse=True)),
                   tuple(listen_leads), keys, commands, before, after, emergency, symptoms, cues, context, dict(FILES))


def _keys(data: Any) -> Mapping[str, str]:
    w = _Where(FILES["keys"])
    keys = w.mapping(data, "(top)")
    out: dict[str, str] = {}
    for key, said in keys.items():
        if not isinstance(key, str) or len(key) != 1 or not isinstance(said, str) or not said.strip():
            raise w.fail(str(key), "expected one character and the words it stands for")
        out[key.lower()] = said
    return out


def _parse(part: str, text: str) -> Any:
    return _parse_file(FILES[part], text)


def _parse_file(file: str, text: str) -> Any:
    if file.endswith(".json"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ContentError(f"{file}: line {exc.lineno}: not valid JSON: {exc.msg}") from None
    loader = _yaml_loader()
    import yaml

    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(top)"
        raise ContentError(f"{file}: {where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None


@functools.lru_cache(maxsize=1)
def _yaml_loader():
    """A safe YAML loader for which yes and no are words, not booleans (only true/false are)."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc, valid-type]
        pass

    Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    bool_rx = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
    Loader.add_implicit_resolver("tag:yaml.org,2002:bool", bool_rx, list("tTfF"))
    return Loader


def content_from_texts(texts: Mapping[str, str]) -> Content:
    """Build the content from the files' texts (keys as in FILES)."""
    return content_from_data({part: _parse(part, text) for part, text in texts.items()})


def default_root() -> Traversable:
    """Where the content files are: $VOICE_TRIAGE_CONTENT; else the copy shipped inside the installed
    package (voice_triage/content/prompts/ ...); else the checkout this package sits in."""
    env = os.environ.get(ROOT_ENV)
    if env:
        return Path(env)
    packaged = resources.files(__package__)
    if packaged.joinpath("prompts").is_dir():
        return packaged
    return Path(__file__).resolve().parents[2]


@functools.lru_cache(maxsize=4)
def load_content(root: str | Path | Traversable | None = None) -> Content:
    """Read and validate the content files below `root` (a folder or a package's resources)."""
    base = Path(root) if isinstance(root, str) else root if root is not None else default_root()
    texts = {part: _read(base, file) for part, file in FILES.items()}
    return content_from_texts(texts)


def _read(base: Path | Traversable, file: str) -> str:
    """The text of one content file, or a one-line ContentError naming it."""
    path = base.joinpath(*file.split("/"))
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ContentError(f"{file}: (top): the file is missing (looked in {base})") from None
    except UnicodeDecodeError as exc:
        raise ContentError(f"{file}: (top): not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None
    except OSError as exc:
        raise ContentError(f"{file}: (top): cannot be read: {exc.strerror}") from None


def load_data(file: str, root: str | Path | Traversable | None = None) -> Any:
    """One more content file (not part of `Content`, e.g. the demo's patients), parsed, from the same place
    as the rest; errors are the same one-line ContentError."""
    base = Path(root) if isinstance(root, str) else root if root is not None else default_root()
    return _parse_file(file, _read(base, file))
