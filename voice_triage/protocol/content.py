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
from pathlib import Path
from typing import Any, Mapping

from voice_triage.errors import ContentError
from voice_triage.protocol.templates import expand

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
    "cues": "grammars/features.yaml",
}
ANSWER_MEANINGS = ("yes", "no", "unsure")
COMMANDS = ("repeat", "help", "back", "start_over", "stop", "slower", "faster", "louder", "quieter", "wait", "skip")
META_QUESTIONS = ("consent", "open", "confirm")
EMERGENCY_REASONS = ("chest_pain", "breathlessness")
SPEECH_KEYS = (
    "greeting", "consent_declined", "consent_assumed", "emergency", "emergency_why", "emergency_repeat", "unsure_red_flag",
    "acknowledge_free_speech", "not_understood", "not_understood_open", "silence", "wait", "help_answers", "back",
    "back_at_start", "start_over", "voice_slower", "voice_faster", "voice_louder", "voice_quieter", "stopped",
    "too_many_silences", "too_many_failures", "ended_early", "points_to", "points_to_also", "points_to_nothing",
    "unsure_flags", "action_urgent", "action_see_doctor", "action_self_care", "safety_net", "not_a_diagnosis", "goodbye",
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


@dataclass(frozen=True)
class PhraseSet:
    """The phrases of one meaning (an answer or a command)."""

    exact: frozenset[str]
    """The utterance is exactly one of these."""
    lead: tuple[str, ...]
    """The utterance starts with one of these, longest first."""
    listen: tuple[str, ...] = ()
    """What the recognizers listen for (each is also in `exact`)."""


@dataclass(frozen=True)
class Cues:
    """How one feature is heard in free speech (grammars/features.yaml)."""

    yes: tuple[re.Pattern, ...]
    """Present, unless a negation stands before the match."""
    no: tuple[re.Pattern, ...]
    """Absent (the pattern holds its own negation)."""
    unless: re.Pattern | None
    """A clause that matches this is not read for the feature."""
    asked_yes: tuple[re.Pattern, ...]
    """Extra cues for "present" when this feature's question is the one asked."""
    asked_no: tuple[re.Pattern, ...]
    """Extra cues for "absent" when this feature's question is the one asked."""
    asked_unless: re.Pattern | None
    """A clause that matches this is not read for the asked-only cues."""


@dataclass(frozen=True)
class EmergencyLexicon:
    """The words of the emergency check (grammars/emergency.yaml)."""

    terms: Mapping[str, tuple[re.Pattern, ...]]
    """reason -> patterns naming it."""
    symptoms: Mapping[str, tuple[re.Pattern, ...]]
    """reason -> patterns that are a mention even with a negation inside."""
    negation: re.Pattern
    """A negation word."""
    fine: re.Pattern
    """A "... is fine" statement after a term."""
    fine_also: re.Pattern
    """Other ways to say breathing is fine."""
    uncertain: re.Pattern
    """Words that make a named term a mention whatever else is said."""
    clause_breaks: re.Pattern
    """Where an utterance is cut into clauses."""
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
    commands: Mapping[str, PhraseSet]
    """Command phrases."""
    polite_before: tuple[str, ...]
    """Words taken off the front before matching a command, longest first."""
    polite_after: tuple[str, ...]
    """Words taken off the end before matching a command, longest first."""
    emergency: EmergencyLexicon
    """The emergency check's words."""
    cues: Mapping[str, Cues]
    """Free-speech cues by feature id."""
    cue_unsure: re.Pattern
    """Words before a cue that make the answer unsure."""
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
        out[fid] = Question(fid, w.text(q, "ask", key), w.text(q, "simpler", key), w.text(q, "help", key),
                            w.text(q, "reason", key), w.source(q, key))
    for fid in features:
        if fid not in out:
            raise w.fail(f"questions.{fid}", "the feature has no question")
    for mid in META_QUESTIONS:
        if mid not in meta:
            raise w.fail(f"meta.{mid}", "missing meta question")
        q = w.mapping(meta[mid], f"meta.{mid}")
        key = f"meta.{mid}"
        out[mid] = Question(mid, w.text(q, "ask", key), w.text(q, "simpler", key), w.text(q, "help", key), "",
                            w.source(q, key))
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
        rules.append(DispositionRule(str(r.get("id", key)), then, feats, answers, supported, always, w.source(r, key)))
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


def _cues(data: Any, features: Mapping[str, Feature]) -> tuple[dict[str, Cues], re.Pattern]:
    w = _Where(FILES["cues"])
    unsure = w.regex(w.mapping(data, "(top)").get("unsure"), "unsure")
    data = w.mapping(w.mapping(data, "(top)").get("features"), "features")
    out = {}
    for fid, entry in data.items():
        key = f"features.{fid}"
        if fid not in features:
            raise w.fail(key, "unknown feature id")
        entry = w.mapping(entry, key)
        w.source(entry, key)
        asked = w.mapping(entry.get("when_asked") or {}, f"{key}.when_asked")
        unless = w.regex(entry["unless"], f"{key}.unless") if "unless" in entry else None
        asked_unless = w.regex(asked["unless"], f"{key}.when_asked.unless") if "unless" in asked else None
        out[fid] = Cues(w.regexes(entry.get("yes"), f"{key}.yes"), w.regexes(entry.get("no"), f"{key}.no"), unless,
                        w.regexes(asked.get("yes"), f"{key}.when_asked.yes"),
                        w.regexes(asked.get("no"), f"{key}.when_asked.no"), asked_unless)
    return out, unsure


def _emergency(data: Any) -> EmergencyLexicon:
    w = _Where(FILES["emergency"])
    data = w.mapping(data, "(top)")
    reasons = w.mapping(data.get("reasons"), "reasons")
    if sorted(reasons) != sorted(EMERGENCY_REASONS):
        raise w.fail("reasons", f"must be exactly {', '.join(EMERGENCY_REASONS)}")
    terms, symptoms = {}, {}
    for reason, entry in reasons.items():
        entry = w.mapping(entry, f"reasons.{reason}")
        w.source(entry, f"reasons.{reason}")
        terms[reason] = w.regexes(entry.get("terms"), f"reasons.{reason}.terms")
        symptoms[reason] = w.regexes(entry.get("symptoms"), f"reasons.{reason}.symptoms")
        if not terms[reason]:
            raise w.fail(f"reasons.{reason}.terms", "no terms")
    lists = []
    for key in ("phrases", "denials", "lookalikes"):
        items = data.get(key)
        if not isinstance(items, list) or not all(isinstance(p, str) for p in items):
            raise w.fail(key, "expected a list of phrases")
        lists.append(tuple(items))
    return EmergencyLexicon(
        terms, symptoms, w.regex(data.get("negation"), "negation"), w.regex(data.get("fine"), "fine"),
        w.regex(data.get("fine_also"), "fine_also"), w.regex(data.get("uncertain"), "uncertain"),
        w.regex(data.get("clause_breaks"), "clause_breaks"), *lists)


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
    consent = answers_data.get("consent_yes")
    consent_yes = frozenset(wa.phrases(wa.mapping(consent, "consent_yes").get("exact"), "consent_yes.exact")) \
        if consent is not None else frozenset()
    commands_data = wc.mapping(parts["commands"], "(top)")
    commands = _phrase_sets(commands_data, COMMANDS, wc)
    polite = wc.mapping(commands_data.get("polite") or {}, "polite")
    before = tuple(sorted((str(p) for p in polite.get("before") or ()), key=lambda p: -len(p)))
    after = tuple(sorted((str(p) for p in polite.get("after") or ()), key=lambda p: -len(p)))
    everything = {m: (FILES["answers"], ps) for m, ps in answers.items()}
    everything.update({m: (FILES["commands"], ps) for m, ps in commands.items()})
    everything["consent_yes"] = (FILES["answers"], PhraseSet(consent_yes - answers["yes"].exact, ()))
    _check_unique(everything)
    cues, cue_unsure = _cues(parts["cues"], features)
    emergency = _emergency(parts["emergency"])
    return Content(features, pattern_ids, questions, speech, patterns, rules, screening, answers, consent_yes,
                   commands, before, after, emergency, cues, cue_unsure, dict(FILES))


def _parse(part: str, text: str) -> Any:
    file = FILES[part]
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


def default_root() -> Path:
    """Where the content files are: $VOICE_TRIAGE_CONTENT, else the checkout this package sits in."""
    env = os.environ.get(ROOT_ENV)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2]


@functools.lru_cache(maxsize=4)
def load_content(root: str | Path | None = None) -> Content:
    """Read and validate the content files below `root`."""
    base = Path(root) if root is not None else default_root()
    texts = {}
    for part, file in FILES.items():
        path = base / file
        try:
            texts[part] = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ContentError(f"{file}: (top): the file is missing (looked in {base})") from None
        except OSError as exc:
            raise ContentError(f"{file}: (top): cannot be read: {exc.strerror}") from None
    return content_from_texts(texts)
