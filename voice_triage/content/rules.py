"""The triage rules at work: pattern scores, the disposition, and which question to ask next.

The rules themselves are data (rules/triage.yaml); this module only applies them.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from voice_triage.content.model import Content, Disposition, DispositionRule, Pattern

Answers = Mapping[str, str]


def score(pattern: Pattern, answers: Answers) -> float:
    """The pattern's score from the answers given (unknown answers add nothing)."""
    return sum(w.get(answers[f], 0.0) for f, w in pattern.weights.items() if f in answers)


def bounds(pattern: Pattern, answers: Answers, open_features: Iterable[str]) -> tuple[float, float]:
    """The lowest and highest score the pattern can still reach if `open_features` are answered."""
    lo = hi = score(pattern, answers)
    for f in open_features:
        w = pattern.weights.get(f)
        if w:
            values = [w.get("yes", 0.0), w.get("no", 0.0), w.get("unsure", 0.0)]
            lo += min(values)
            hi += max(values)
    return lo, hi


def ranked(content: Content, answers: Answers) -> list[str]:
    """Supported patterns, most likely first (ties in the rules file's order)."""
    order = list(content.patterns)
    scored = [(score(p, answers), -order.index(pid), pid) for pid, p in content.patterns.items()]
    return [pid for s, _, pid in sorted(scored, reverse=True) if s >= content.patterns[pid].threshold]


def support(pattern: Pattern, answers: Answers) -> int:
    """How many features answered yes count for the pattern."""
    return sum(1 for f, w in pattern.weights.items() if answers.get(f) == "yes" and w.get("yes", 0.0) > 0)


def _holds(content: Content, rule: DispositionRule, answers: Answers, supported: list[str]) -> bool:
    if rule.red_flags_no and any(answers.get(f) != "no" for f in content.red_flags):
        return False
    if rule.always:
        return True
    if rule.features and any(answers.get(f) in rule.answers for f in rule.features):
        return True
    return rule.supported is not None and any(
        content.patterns[pid].disposition is rule.supported and support(content.patterns[pid], answers) >= rule.min_support
        for pid in supported)


def fired_rule(content: Content, answers: Answers) -> DispositionRule:
    """The disposition rule that decides: the first that holds (the last one always does; checked on load)."""
    supported = ranked(content, answers)
    for rule in content.rules:
        if _holds(content, rule, answers, supported):
            return rule
    return content.rules[-1]


def disposition(content: Content, answers: Answers) -> Disposition:
    """The disposition of the first rule that holds."""
    return fired_rule(content, answers).then


def _min_support(content: Content) -> dict[Disposition, int]:
    """Disposition -> how many supporting features its pattern rule needs (self-care: two)."""
    return {r.supported: r.min_support for r in content.rules if r.supported is not None and r.min_support}


def _open_support(pattern: Pattern, open_features: Iterable[str]) -> int:
    return sum(1 for f in open_features if pattern.weights.get(f, {}).get("yes", 0.0) > 0)


def _possible(content: Content, answers: Answers, open_features: list[str]) -> dict[str, tuple[float, float]]:
    return {pid: bounds(p, answers, open_features) for pid, p in content.patterns.items()}


def settled(content: Content, answers: Answers, open_features: list[str]) -> bool:
    """True when no answer to `open_features` can change the disposition or the leading pattern."""
    if not open_features:
        return True
    b = _possible(content, answers, open_features)
    pats = content.patterns
    # the disposition, from the pattern rules (red flags are all asked before these questions)
    need = _min_support(content)
    could = {pid for pid in pats if b[pid][1] >= pats[pid].threshold
             and support(pats[pid], answers) + _open_support(pats[pid], open_features) >= need.get(pats[pid].disposition, 0)}
    surely = {pid for pid in pats if b[pid][0] >= pats[pid].threshold
              and support(pats[pid], answers) >= need.get(pats[pid].disposition, 0)}
    outcomes = set()
    if any(pats[p].disposition is Disposition.SEE_DOCTOR for p in could):
        outcomes.add(Disposition.SEE_DOCTOR)
    if not any(pats[p].disposition is Disposition.SEE_DOCTOR for p in surely):
        if any(pats[p].disposition is Disposition.SELF_CARE for p in could):
            outcomes.add(Disposition.SELF_CARE)
        if not any(pats[p].disposition is Disposition.SELF_CARE for p in surely):
            outcomes.add(Disposition.SEE_DOCTOR)
    if len(outcomes) > 1:
        return False
    # the leading pattern
    if not could:
        return True
    leader = max(surely, key=lambda p: b[p][0], default=None)
    if leader is None:
        return False
    return all(b[p][1] < b[leader][0] for p in could if p != leader)


def next_question(content: Content, answers: Answers, open_features: list[str]) -> str | None:
    """The most useful feature to ask about next, or None when the result is settled."""
    if settled(content, answers, open_features):
        return None
    b = _possible(content, answers, open_features)
    pats = content.patterns
    best_lo = max((lo for lo, _ in b.values()), default=0.0)
    contenders = [pid for pid in pats if b[pid][1] >= pats[pid].threshold and b[pid][1] >= best_lo]
    best, best_value = None, None
    for order, f in enumerate(open_features):
        value = 0.0
        for pid in contenders:
            w = pats[pid].weights.get(f)
            if w:
                spread = max(w.values()) - min(min(w.values()), 0.0)
                value = max(value, spread * 10 + score(pats[pid], answers))
        if value > 0 and (best_value is None or value > best_value):
            best, best_value = f, value
    return best
