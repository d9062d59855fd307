"""Phrase templates: ``(a|b)`` is a choice, ``[x]`` is optional, as in hassil's sentence templates.

``expand("[yes] i (think|believe) so")`` gives every phrase the template stands for, so one list
serves both the recognizers' grammars and the exact-match understanding.
"""
from __future__ import annotations

import itertools

from voice_triage.errors import ContentError

MAX_EXPANSIONS = 5000


def _parse(text: str, pos: int, closer: str | None) -> tuple[list[list[str]], int]:
    """Parse alternatives up to `closer`; returns the list of alternative phrase lists and the end."""
    alternatives: list[list[str]] = []
    sequence: list[list[str]] = [[""]]
    word = ""

    def flush_word() -> None:
        nonlocal word
        if word:
            sequence.append([word])
            word = ""

    while pos < len(text):
        ch = text[pos]
        if ch in "([":
            flush_word()
            inner, pos = _parse(text, pos + 1, ")" if ch == "(" else "]")
            options = [p for alt in inner for p in alt]
            if ch == "[":
                options.append("")
            sequence.append(options)
            continue
        if ch == "|" and closer is not None:
            flush_word()
            alternatives.append(_join(sequence))
            sequence, pos = [[""]], pos + 1
            continue
        if closer is not None and ch == closer:
            flush_word()
            alternatives.append(_join(sequence))
            return alternatives, pos + 1
        if ch in ")]|":
            raise ContentError(f"unbalanced {ch!r} at position {pos} in template {text!r}")
        if ch == " ":
            flush_word()
        else:
            word += ch
        pos += 1
    if closer is not None:
        raise ContentError(f"missing {closer!r} in template {text!r}")
    flush_word()
    alternatives.append(_join(sequence))
    return alternatives, pos


def _join(sequence: list[list[str]]) -> list[str]:
    out = []
    for combo in itertools.product(*sequence):
        phrase = " ".join(part for part in combo if part)
        out.append(phrase)
        if len(out) > MAX_EXPANSIONS:
            raise ContentError(f"template expands to more than {MAX_EXPANSIONS} phrases")
    return out


def expand(template: str) -> list[str]:
    """Every phrase `template` stands for, in order, without duplicates or empty phrases."""
    odd = sorted(set(template) & set("?*+\\{}^$.,"))
    if odd:
        raise ContentError(f"template {template!r} uses {''.join(odd)!r}: templates take only words, (a|b) and [optional]")
    alternatives, _ = _parse(template.strip(), 0, None)
    seen: dict[str, None] = {}
    for alt in alternatives:
        for phrase in alt:
            phrase = " ".join(phrase.split())
            if phrase:
                seen[phrase] = None
    return list(seen)
