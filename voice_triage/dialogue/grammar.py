"""The phrases a recognizer should listen for at each question (compiled per engine in recognition/).

A small grammar decodes faster and confuses less: each meaning lists the phrases to listen for
(`listen:` in grammars/answers.yaml and grammars/commands.yaml); the emergency phrases are in every
question's grammar, so "I can't breathe" is heard at a yes/no question.
"""
from __future__ import annotations

from voice_triage.content.model import Content
from voice_triage.understanding.normalize import spoken_forms

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
