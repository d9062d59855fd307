"""The spoken summary: what the answers may be a sign of and why, what to do and how soon, when to
get help sooner, and that it is not a diagnosis. Every sentence is in prompts/speech.yaml with the
paragraph it rests on.

An urgent summary leads with the red flag that made it urgent and what it may be a sign of: a clot
sign (P9) gets "immediate medical evaluation", a leg short of blood (P8) is time-critical; a red
flag the person was not sure of is named as needing a check today.
"""
from __future__ import annotations

from voice_triage.content import rules
from voice_triage.content.model import EMERGENCY_REASONS, Content, Disposition, Kind

MAX_REASONS = 3
URGENT_ORDER = ("dvt", "critical_limb_ischemia")
"""Which sign leads when there are several: a clot can travel to the lungs (P9)."""


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _reasons(content: Content, answers: dict[str, str], pattern_id: str) -> list[str]:
    """The "yes" answers that count for the pattern, strongest first."""
    weights = content.patterns[pattern_id].weights
    given = [(w.get("yes", 0.0), f) for f, w in weights.items() if answers.get(f) == "yes" and w.get("yes", 0.0) > 0]
    return [content.questions[f].reason for _, f in sorted(given, key=lambda x: -x[0])][:MAX_REASONS]


def _sign_of(content: Content, flag: str) -> str | None:
    """The urgent pattern a red flag counts for most."""
    best = max(((p.weights[flag].get("yes", 0.0), pid) for pid, p in content.patterns.items()
                if p.disposition is Disposition.URGENT and flag in p.weights), default=None)
    return best[1] if best else None


def _urgent(content: Content, answers: dict[str, str]) -> list[str]:
    speech = content.speech
    flags = [f for f in content.screening if f not in EMERGENCY_REASONS]
    groups: dict[str, list[str]] = {}
    for flag in flags:
        if answers.get(flag) == "yes":
            pattern = _sign_of(content, flag)
            if pattern:
                groups.setdefault(pattern, []).append(flag)
    order = sorted(groups, key=lambda p: URGENT_ORDER.index(p) if p in URGENT_ORDER else len(URGENT_ORDER))
    out = [speech["red_flag_sign"].format(reasons=_join([content.questions[f].reason for f in groups[p]]),
                                          pattern=content.patterns[p].name) for p in order]
    unsure = [content.questions[f].reason for f in flags if answers.get(f) == "unsure"]
    if unsure:
        out.append(speech["unsure_flags"].format(reasons=_join(unsure[:MAX_REASONS])))
    key = f"action_{order[0]}" if order else "action_urgent"
    out.append(speech.get(key, speech["action_urgent"]))
    return out


def summarize(content: Content, answers: dict[str, str], disposition: Disposition) -> list[str]:
    """The sentences of the summary, in the order they are spoken."""
    speech = content.speech
    out: list[str] = []
    if disposition is Disposition.URGENT:
        out += _urgent(content, answers)
    else:
        ranked = rules.ranked(content, answers)
        if ranked:
            reasons = _reasons(content, answers, ranked[0])
            if reasons:
                out.append(speech["points_to"].format(pattern=content.patterns[ranked[0]].name, reasons=_join(reasons)))
            if len(ranked) > 1:
                out.append(speech["points_to_also"].format(pattern=content.patterns[ranked[1]].name))
        if not out:
            out.append(speech["points_to_nothing"])
        unsure = [content.questions[f].reason for f, v in answers.items()
                  if v == "unsure" and content.features[f].kind is Kind.RED_FLAG]
        if unsure:
            out.append(speech["unsure_flags"].format(reasons=_join(unsure[:MAX_REASONS])))
        if disposition is Disposition.SELF_CARE:
            out.append(speech["action_self_care"])
            if ranked and ranked[0] == "muscle_soreness":
                out.append(speech["self_care_course"])
        else:
            out.append(speech["action_see_doctor"])
    out.append(speech["safety_net"])
    out.append(speech["not_a_diagnosis"])
    out.append(speech["goodbye"])
    return out
