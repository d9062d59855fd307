"""The symptom model's words (grammars/symptoms.yaml): sites, findings, healthy states, senses, emotions.

Loaded and checked like every content file; a mistake is a ContentError naming the file and the key. The
reading itself is voice_triage.understanding.symptoms.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Any, Mapping

from voice_triage.content.templates import expand
from voice_triage.errors import ContentError

FILE = "grammars/symptoms.yaml"
REASONS = ("chest_pain", "breathlessness")


class Strength(str, Enum):
    """How a site word stands for the chest or breathing."""

    STRONG = "strong"
    """Named plainly ("chest", "breathing"): a strong site that nothing explains is asked back."""
    WEAK = "weak"
    """Only inside a frame ("air", "wind"; "chess" for chest, written by a recognizer): never asked back alone."""
    DOUBTFUL = "doubtful"
    """Asked back, alone or with a finding ("breast", "heartburn", "chest infection")."""
    HEARD = "heard"
    """What a recognizer wrote for a site ("my chance is tight"): only with a pain or a pressure, never asked back."""
    CONDITION = "condition"
    """A condition ("asthma"): asked back alone, an emergency with a finding ("my asthma is bad")."""


class Category(str, Enum):
    """What a phrase of the lexicon is."""

    SENSE = "sense"
    SYMPTOM = "symptom"
    SITE = "site"
    OTHER_SITE = "other_site"
    FINDING = "finding"
    HEALTHY = "healthy"
    EMOTION = "emotion"


PRIORITY = (Category.SENSE, Category.SYMPTOM, Category.SITE, Category.FINDING, Category.HEALTHY,
            Category.OTHER_SITE, Category.EMOTION)
"""Where phrases of two categories are equally long at one word, the first of these is read."""


@dataclass(frozen=True)
class Entry:
    """What one phrase of the lexicon means."""

    category: Category
    reason: str = ""
    """For sites and symptoms: chest_pain or breathlessness."""
    strength: Strength = Strength.STRONG
    """For sites."""
    kind: str = ""
    """For findings: the finding type (pain, pressure, ...)."""
    links: frozenset[str] = frozenset()
    """For findings: the reasons whose sites the type links to."""
    doubtful: bool = False
    """For findings: a type that is asked back, never an alarm (palpitations)."""
    not_symptom: bool = False
    """For findings: a type that is no symptom at all (acne on the chest)."""
    unless: re.Pattern | None = None
    """For senses: a clause that matches this is read for the symptom instead."""


@dataclass(frozen=True)
class SymptomLexicon:
    """grammars/symptoms.yaml, checked."""

    phrases: Mapping[tuple[str, ...], tuple[Entry, ...]]
    """Every phrase (as words) -> what it can be, in PRIORITY order."""
    window: int
    """The most words between a finding and the site it links to."""
    source: str

    @property
    def longest(self) -> int:
        return max((len(p) for p in self.phrases), default=1)


def _fail(key: str, problem: str) -> ContentError:
    return ContentError(f"{FILE}: {key}: {problem}")


def _phrases(templates: Any, key: str) -> list[tuple[str, ...]]:
    if templates is None:
        return []
    if not isinstance(templates, list) or not all(isinstance(t, str) for t in templates):
        raise _fail(key, "expected a list of phrase templates")
    out = []
    for i, template in enumerate(templates):
        try:
            out.extend(tuple(p.split()) for p in expand(template))
        except ContentError as exc:
            raise _fail(f"{key}[{i}]", str(exc)) from None
    return out


def _mapping(data: Any, key: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise _fail(key, f"expected a mapping, found {type(data).__name__}")
    return data


def parse_symptoms(data: Any) -> SymptomLexicon:
    """Build the lexicon from the parsed file."""
    data = _mapping(data, "(top)")
    table: dict[tuple[str, ...], list[Entry]] = {}

    def add(words: tuple[str, ...], entry: Entry) -> None:
        table.setdefault(words, [])
        if entry not in table[words]:
            table[words].append(entry)

    sites = _mapping(data.get("sites"), "sites")
    if sorted(sites) != sorted(REASONS):
        raise _fail("sites", f"must be exactly {', '.join(REASONS)}")
    for reason, groups in sites.items():
        groups = _mapping(groups, f"sites.{reason}")
        for name, templates in groups.items():
            try:
                strength = Strength(name)
            except ValueError:
                raise _fail(f"sites.{reason}.{name}", f"not one of {', '.join(s.value for s in Strength)}") from None
            for words in _phrases(templates, f"sites.{reason}.{name}"):
                add(words, Entry(Category.SITE, reason, strength))
        if not any(Strength(n) is Strength.STRONG for n in groups):
            raise _fail(f"sites.{reason}.strong", "no strong sites")
    for words in _phrases(data.get("other_sites"), "other_sites"):
        add(words, Entry(Category.OTHER_SITE))
    findings = _mapping(data.get("findings"), "findings")
    for kind, entry in findings.items():
        key = f"findings.{kind}"
        entry = _mapping(entry, key)
        links = entry.get("with")
        if not isinstance(links, list) or not links or any(r not in REASONS for r in links):
            raise _fail(f"{key}.with", f"list the reasons whose sites it links to ({', '.join(REASONS)})")
        phrases = _phrases(entry.get("phrases"), f"{key}.phrases")
        if not phrases:
            raise _fail(f"{key}.phrases", "no phrases")
        for words in phrases:
            add(words, Entry(Category.FINDING, kind=kind, links=frozenset(links), doubtful=bool(entry.get("doubtful")),
                             not_symptom=bool(entry.get("not_symptom"))))
    symptoms = _mapping(data.get("symptoms"), "symptoms")
    for reason, templates in symptoms.items():
        if reason not in REASONS:
            raise _fail(f"symptoms.{reason}", f"not one of {', '.join(REASONS)}")
        for words in _phrases(templates, f"symptoms.{reason}"):
            add(words, Entry(Category.SYMPTOM, reason))
    for words in _phrases(data.get("healthy"), "healthy"):
        add(words, Entry(Category.HEALTHY))
    for name in ("manner", "able"):
        for words in _phrases(data.get(name), name):
            add(words, Entry(Category.HEALTHY, kind="manner"))
    for words in _phrases(data.get("emotions"), "emotions"):
        add(words, Entry(Category.EMOTION))
    for words in _phrases(data.get("stirred"), "stirred"):
        add(words, Entry(Category.EMOTION, kind="stirred"))
    senses = data.get("senses")
    if not isinstance(senses, list):
        raise _fail("senses", "expected a list of {phrases, unless}")
    for i, sense in enumerate(senses):
        sense = _mapping(sense, f"senses[{i}]")
        unless = None
        if "unless" in sense:
            try:
                unless = re.compile(str(sense["unless"]))
            except re.error as exc:
                raise _fail(f"senses[{i}].unless", f"bad regular expression: {exc}") from None
        for words in _phrases(sense.get("phrases"), f"senses[{i}].phrases"):
            add(words, Entry(Category.SENSE, unless=unless))
    window = data.get("window")
    if not isinstance(window, int) or not 1 <= window <= 20:
        raise _fail("window", "must be a whole number of words from 1 to 20")
    source = data.get("source")
    if not isinstance(source, str) or not re.match(r"^(P[1-9])( P[1-9])*$", source):
        raise _fail("source", f"must cite paragraphs P1-P9, found {source!r}")
    order = {c: i for i, c in enumerate(PRIORITY)}
    return SymptomLexicon({w: tuple(sorted(es, key=lambda e: order[e.category])) for w, es in table.items()},
                          window, source)
