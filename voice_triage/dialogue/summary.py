"""The spoken summary: what the answers point to and why, what to do, when to get help sooner."""
from __future__ import annotations

from voice_triage.protocol import rules
from voice_triage.protocol.content import Content, Disposition, Kind

MAX_REASONS = 3


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _reasons(content: Content, answers: dict[str, str], pattern_id: str) -> list[str]:
    """The "yes" answers that count for the pattern, strongest first."""
    weights = content.patterns[pattern_id].weights
    given = [(w.get("yes", 0.0), f) for f, w in weights.items() if answers.get(f) == "yes" and w.get("yes", 0.0) > 0]
    return [content.questions[f].reason for _, f in sorted(given, key=lambda x: -x[0])][:MAX_REASONS]


def summarize(content: Content, answers: dict[str, str], disposition: Disposition) -> list[str]:
    """The sentences of the summary, in the order they are spoken."""
    speech = content.speech
    out: list[str] = []
    ranked = rules.ranked(content, answers)
    if ranked:
        lead = ranked[0]
        reasons = _reasons(content, answers, lead)
        if reasons:
            out.append(speech["points_to"].format(pattern=content.patterns[lead].name, reasons=_join(reasons)))
        if len(ranked) > 1 and disposition is not Disposition.URGENT:
            out.append(speech["points_to_also"].format(pattern=content.patterns[ranked[1]].name))
    if not out and disposition is not Disposition.URGENT:
        out.append(speech["points_to_nothing"])
    unsure = [content.questions[f].reason for f, v in answers.items()
              if v == "unsure" and content.features[f].kind is Kind.RED_FLAG]
    if unsure:
        out.append(speech["unsure_flags"].format(reasons=_join(unsure[:MAX_REASONS])))
    out.append(speech[{Disposition.URGENT: "action_urgent", Disposition.SEE_DOCTOR: "action_see_doctor",
                       Disposition.SELF_CARE: "action_self_care"}.get(disposition, "action_see_doctor")])
    out.append(speech["safety_net"])
    out.append(speech["not_a_diagnosis"])
    out.append(speech["goodbye"])
    return out
