"""The risk-first policy: how the readings of an utterance's clauses become one meaning.

Written down in one place, in the order it is applied:

1. **Emergency first.** Chest pain or breathlessness affirmed or possible in any clause, at any
   question, is an emergency at once ("No. My chest hurts now." at a walking question; "maybe a
   little pressure in the chest"). A "yes" or "not sure" to the chest-pain or breathing question is
   one too.
2. **Not the person's own, or not now** ("my wife has chest pain", "I had a heart attack two years
   ago", "what if I get short of breath?"): asked back once ("Do you have chest pain or tightness
   yourself, right now?"); at that question anything but a clear no is an emergency (the dialogue
   applies this, dialogue/session.py).
3. **A red flag said anywhere beats a plain no to it.** At a red-flag question the answer is the
   most serious reading of any clause: yes over not sure over no ("no, but it wakes me at night" is
   rest pain; "no, well it's slightly red" is a red leg). A denial counts only when it governs the
   symptom itself ("no swelling at all", "not warm or red").
4. **Distinguishing (pattern) questions:** people correct themselves forward, so the last clause
   that answers wins ("no... actually yes"; "yes, though not every time").
5. Red flags heard out of turn are never recorded silently: the dialogue confirms them, and "not
   sure" at that confirmation is recorded as unsure, which stays urgent. A session that ends early
   after a red flag answered yes or unsure ends with that disposition and its advice (rules and
   dialogue apply this).
"""
from __future__ import annotations

from typing import Iterable, Sequence

from voice_triage.understanding.context import NOT_CURRENT, Mention

RISK = {"yes": 2, "unsure": 1, "no": 0}
"""How serious an answer is, for red flags and the emergency check."""
ALARMS = frozenset({"symptom", "normal", "asked"})
"""Mentions that raise the alarm when affirmed or hedged: a finding at a site, a healthy state negated ("i am
not breathing well"), the words that answer the chest or breathing question ("some tightness")."""
ASKED_BACK = frozenset({"doubtful", "unread", "floating"})
"""Mentions that are asked back when affirmed or hedged: palpitations, heartache with grief, a site nothing
explains, a finding at a place nobody knows."""


def emergency(mentions: Iterable[Mention]) -> str | None:
    """The first emergency reason affirmed or possible in any clause (mentions of the emergency
    reasons only), or None."""
    for m in mentions:
        if m.kind in ALARMS and m.value in ("yes", "unsure"):
            return m.feature
    return None


def not_current(mentions: Iterable[Mention]) -> str | None:
    """The first emergency reason mentioned as someone else's, historical or hypothetical, or None."""
    for m in mentions:
        if m.assertion in NOT_CURRENT and m.kind != "normal":
            return m.feature
    return None


def doubtful(mentions: Iterable[Mention]) -> Mention | None:
    """The first mention that may be an emergency and may not ("my heart is racing", "I'm on heart tablets",
    "pressure in the middle of my ..."), affirmed or hedged: asked back, or None."""
    for m in mentions:
        if m.kind in ASKED_BACK and m.value in ("yes", "unsure"):
            return m
    return None


def combine(readings: Sequence[tuple[int, int, str]], kind: str) -> str | None:
    """One answer from the readings (clause, order, value) of a question's answer words and mentions.

    kind: "emergency" or "red_flag" take the most serious reading; anything else takes the last."""
    if not readings:
        return None
    if kind in ("emergency", "red_flag"):
        return max((value for _, _, value in readings), key=RISK.__getitem__)
    return max(readings, key=lambda r: (r[0], r[1]))[2]
