"""The JSON-lines protocol's edge (docs/protocol.md): typed events out as the protocol's objects.

The only place an event becomes a dict; `--io jsonl` writes these, one per line, and any other front end that
speaks the protocol (a socket) uses the same function.
"""
from __future__ import annotations

from typing import Any

from voice_triage.dialogue.events import EmergencyEvent, EndEvent, Event, HeardEvent, ListenEvent, SayEvent


def to_wire(event: Event) -> dict[str, Any]:
    """`event` as the protocol writes it: fields in the protocol's order, optional ones only when set."""
    if isinstance(event, SayEvent):
        return {"event": "say", "text": event.text}
    if isinstance(event, ListenEvent):
        out: dict[str, Any] = {"event": "listen", "question": event.question, "state": event.state}
        if event.feature is not None:
            out.update(feature=event.feature, value=event.value)
        return out
    if isinstance(event, HeardEvent):
        out = {"event": "heard", "text": event.text, "intent": str(event.intent)}
        if event.confidence is not None:
            out["confidence"] = event.confidence
        if event.feature is not None:
            out.update(feature=event.feature, value=str(event.value))
        if event.reason is not None:
            out["reason"] = event.reason
        return out
    if isinstance(event, EmergencyEvent):
        return {"event": "emergency", "reason": event.reason, "heard": event.heard}
    if isinstance(event, EndEvent):
        return {"event": "end", "disposition": event.disposition.value, "patterns": list(event.patterns),
                "answers": {feature: str(value) for feature, value in event.answers.items()}}
    raise TypeError(f"not a protocol event: {event!r}")
