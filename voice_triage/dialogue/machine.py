"""The conversation's states and transitions, as data, with the machines built from them.

The conversation (the session is its model):

    consent -> open (tell me about the pain, in your own words)
            -> screening (chest pain and breathlessness first, then the urgent red flags)
            -> questions (adaptive: only what can still change the result)
            -> closing ("anything else you want to tell me about the pain?") -> ended (summary)

"begin" and "restart" ask the open question and "close" asks "anything else?" (their `after` callbacks); "close"
happens once per session (its condition); "go_back" returns to the phase of the answer taken back ("go back"),
as a transition like any other.

The check (a sub-dialogue inside any phase; dialogue.session.Check is its model):

    idle -> heard    "did I hear you right?" (an answer heard unclearly, or an emergency the recognizer doubts)
         -> mention  "you mentioned ... is that right?" (a red flag said out of turn)
         -> askback  "do you have that yourself, right now?" (an emergency that may be someone else's, past, or
                     said in words that may mean it and may not); anything but a clear no is an emergency
    any  -> idle     settled (answered, taken back, or the conversation ended)

A new check may interrupt one under way (an ask-back heard while confirming an answer).
"""
from __future__ import annotations

from transitions import Machine

PHASES = ["consent", "open", "screening", "questions", "closing"]
"""Where the conversation is; the `state` of every listen event."""
STATES = [*PHASES, "ended"]
TALKING = ["open", "screening", "questions", "closing"]
"""The phases after consent: an answer recorded in one of them can be taken back to it."""


def _to(phase: str):
    """The condition of "go_back" to `phase`: the answer taken back was recorded there."""
    def condition(target: str) -> bool:
        return target == phase
    condition.__name__ = f"back_to_{phase}"
    return condition


TRANSITIONS = [
    {"trigger": "begin", "source": "consent", "dest": "open", "after": "_ask_open"},
    {"trigger": "describe", "source": "open", "dest": "screening"},
    {"trigger": "investigate", "source": "screening", "dest": "questions"},
    {"trigger": "close", "source": ["screening", "questions"], "dest": "closing", "unless": "asked_more",
     "after": "_ask_more"},
    {"trigger": "restart", "source": TALKING, "dest": "open", "after": "_ask_open"},
    {"trigger": "finish", "source": PHASES, "dest": "ended"},
    *({"trigger": "go_back", "source": TALKING, "dest": phase, "conditions": [_to(phase)]} for phase in TALKING),
]
"""The conversation as data (transitions reads it as is): which trigger moves it where, and when."""

CHECKS = ["idle", "heard", "mention", "askback"]
"""The check's states: nothing being checked, or why something is."""
CHECK_TRANSITIONS = [
    {"trigger": "confirm_heard", "source": "*", "dest": "heard"},
    {"trigger": "confirm_mention", "source": "*", "dest": "mention"},
    {"trigger": "ask_back", "source": "*", "dest": "askback"},
    {"trigger": "settle", "source": "*", "dest": "idle"},
]
"""The check as data."""


def build_machine(model: object) -> Machine:
    """The conversation's machine on `model` (which has `state`, `asked_more`, `_ask_open` and `_ask_more`)."""
    return Machine(model=model, states=STATES, transitions=TRANSITIONS, initial="consent",
                   auto_transitions=False, model_attribute="state")


def build_check_machine(model: object) -> Machine:
    """The check's machine on `model` (its `state`)."""
    return Machine(model=model, states=CHECKS, transitions=CHECK_TRANSITIONS, initial="idle",
                   auto_transitions=False, model_attribute="state")
