"""One parser per content file: each takes that file's parsed data and returns the domain types
(content/model.py), or a ContentError naming the file and the key; `content_from_data` puts them together.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from voice_triage.content.model import (ANSWER_MEANINGS, ASSERTIONS, COMMANDS, EMERGENCY_REASONS, META_QUESTIONS,
                                        SPEECH_KEYS, Content, ContextRules, Disposition, DispositionRule,
                                        EmergencyLexicon, Feature, Kind, Pattern, PhraseSet, Polarity, Question,
                                        Target, Trigger)
from voice_triage.content.symptoms import parse_symptoms
from voice_triage.content.templates import expand
from voice_triage.errors import ContentError

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
    resolution = w.mapping(data.get("resolution") or {}, "resolution")
    over = {key: _any_of(w, resolution.get(key), f"resolution.{key}") for key in ("resolved", "recurred")}
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
        over["resolved"],
        over["recurred"],
    )


def _any_of(w: "_Where", patterns: Any, key: str) -> re.Pattern | None:
    """One pattern matching any of a list of regular expressions (None for none)."""
    if patterns is None:
        return None
    if not isinstance(patterns, list) or not all(isinstance(p, str) and p for p in patterns):
        raise w.fail(key, "expected a list of regular expressions")
    for i, p in enumerate(patterns):
        w.regex(p, f"{key}[{i}]")
    return re.compile("|".join(f"(?:{p})" for p in patterns))


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
    corrections = answers_data.get("corrections") or []
    if not isinstance(corrections, list) or not all(isinstance(x, str) and x.strip() for x in corrections):
        raise wa.fail("corrections", "expected a list of words")
    keys = _keys(parts["keys"])
    return Content(features, pattern_ids, questions, speech, patterns, rules, screening, answers, consent_yes,
                   consent_listen, tuple(sorted({tuple(x.split()) for x in lead_ins}, key=len, reverse=True)),
                   tuple(listen_leads), keys, commands, before, after, emergency, symptoms, cues, context, dict(FILES),
                   tuple(sorted({tuple(x.split()) for x in corrections}, key=len, reverse=True)))


def _keys(data: Any) -> Mapping[str, str]:
    w = _Where(FILES["keys"])
    keys = w.mapping(data, "(top)")
    out: dict[str, str] = {}
    for key, said in keys.items():
        if not isinstance(key, str) or len(key) != 1 or not isinstance(said, str) or not said.strip():
            raise w.fail(str(key), "expected one character and the words it stands for")
        out[key.lower()] = said
    return out
