"""The conversation's states and transitions, as data, with the machine built from them.

    consent -> open (tell me about the pain, in your own words)
            -> screening (chest pain and breathlessness first, then the urgent red flags)
            -> questions (adaptive: only what can still change the result)
            -> closing ("anything else you want to tell me about the pain?") -> ended (summary)

Entering "open" asks the open question and entering "closing" asks "anything else?" (`on_enter_` callbacks
of the session); "close" happens once per session (its condition); "go back" sets a state without a
transition, so nothing is asked twice.
"""
from __future__ import annotations

from transitions import Machine

STATES = ["consent", "open", "screening", "questions", "closing", "ended"]
TRANSITIONS = [
    {"trigger": "begin", "source": "consent", "dest": "open"},
    {"trigger": "describe", "source": "open", "dest": "screening"},
    {"trigger": "investigate", "source": "screening", "dest": "questions"},
    {"trigger": "close", "source": ["screening", "questions"], "dest": "closing", "unless": "asked_more"},
    {"trigger": "restart", "source": ["open", "screening", "questions", "closing"], "dest": "open"},
    {"trigger": "finish", "source": ["consent", "open", "screening", "questions", "closing"], "dest": "ended"},
]
"""The machine as data (transitions reads it as is): which trigger moves the conversation where, and when."""


def build_machine(model: object) -> Machine:
    """The state machine on `model` (which has the triggers, `state`, `asked_more` and the on_enter_ callbacks)."""
    return Machine(model=model, states=STATES, transitions=TRANSITIONS, initial="consent",
                   auto_transitions=False, model_attribute="state")
