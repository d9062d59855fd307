"""What to listen for at each question: the dialogue builds its ListeningPlan from its own state.

The plan travels in the `listen` event (dialogue.events.ListenEvent), so a front end hands it to recognition as
it is and never reaches into the session to make one.
"""
from __future__ import annotations

from voice_triage.content.model import Content
from voice_triage.dialogue.grammar import Grammar
from voice_triage.recognition.plan import EmergencyWatch, ListeningPlan


def listening_plan(grammar: Grammar, watch: EmergencyWatch, question: str, asked: str, *,
                   confirming: bool = False) -> ListeningPlan:
    """The plan at `question` (asked in the words `asked`): its phrases (free speech at the open question), the
    emergency phrases to decode once more from the same audio (not while confirming: a doubtful emergency there
    cannot be asked back, so it would be an alarm), and the emergency judge to ask while decoding."""
    free = question == "open"
    content = grammar.content
    return ListeningPlan(
        question=question,
        phrases=None if free else grammar.at(question),
        leads=() if free else content.listen_leads,
        recheck=() if confirming else tuple(content.emergency.phrases),
        watch=watch,
        context=asked,
    )


def wake_plan(content: Content, watch: EmergencyWatch, wake_phrases: tuple[str, ...], invitation: str,
              timeout_s: float | None) -> ListeningPlan:
    """Between a kiosk's sessions: the wake phrases and the emergency phrases, with what the kiosk invites
    people to say (spoken or on its sign) as the context."""
    grammar = tuple(dict.fromkeys(wake_phrases + tuple(content.emergency.phrases)))
    return ListeningPlan("wake", grammar, watch=watch, timeout_s=timeout_s, context=invitation)
