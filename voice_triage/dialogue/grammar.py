"""The phrases a recognizer should listen for at each question (compiled per engine in recognition/).

A small grammar decodes faster and confuses less: each meaning lists the phrases to listen for
(`listen:` in grammars/answers.yaml and grammars/commands.yaml); the emergency phrases are in every
question's grammar, so "I can't breathe" is heard at a yes/no question.
"""
from __future__ import annotations

from voice_triage.content.model import Content
from voice_triage.understanding.normalize import spoken_forms


class Grammar:
    """The phrases of each question of one content, worked out once: every question but the consent one listens
    for the same answers, commands and emergency phrases (see `phrases_for`), so a conversation works them out at
    most twice instead of at every question it asks (about 0.9 ms each)."""

    def __init__(self, content: Content):
        self.content = content
        self._sets: dict[bool, tuple[str, ...]] = {}

    def at(self, question: str) -> tuple[str, ...]:
        """What `phrases_for(content, question)` gives."""
        consent = question == "consent"
        if consent not in self._sets:
            self._sets[consent] = tuple(phrases_for(self.content, question))
        return self._sets[consent]


def phrases_for(content: Content, question: str) -> list[str]:
    """Answers, commands and emergency phrases to listen for at `question`, as people say them."""
    phrases: dict[str, None] = {}

    def add(items) -> None:
        for item in items:
            for form in spoken_forms(item):
                phrases[form] = None

    for meaning in ("yes", "no", "unsure"):
        add(content.answers[meaning].listen)
    if question == "consent":
        add(content.consent_listen)
    for ps in content.commands.values():
        add(ps.listen)
    add(content.emergency.phrases)
    return list(phrases)
