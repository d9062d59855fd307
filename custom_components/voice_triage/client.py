"""One utterance to the voice-triage Wyoming server, and its reply.

The events are built and read here as plain `Event`s, not through wyoming's dataclasses: Home Assistant 2025.4
pins wyoming 1.5.4 (its `wyoming` integration's manifest), whose `Transcript.event()` drops the context, and
with it the conversation id (every answer would begin anew), and whose `from_event` methods assert on an event
without data. What goes on the wire is the same in every wyoming version."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from wyoming.client import AsyncTcpClient
from wyoming.event import Event

from .const import SERVICE_NAME, TIMEOUT


class TriageUnavailable(Exception):
    """The server did not answer, or answered with something else."""


@dataclass
class TriageReply:
    """The server's reply: what to say, whether it was for the triage, and its context."""

    text: str
    handled: bool
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def ended(self) -> bool:
        return bool(self.context.get("ended", True))

    @property
    def emergency(self) -> str | None:
        return self.context.get("emergency")


async def _exchange(host: str, port: int, request: Event, answers: tuple[str, ...]) -> Event:
    """Send `request` on a new connection; the first event back whose type is one of `answers` (an `error`
    event, a closed connection, a refused one or no answer in TIMEOUT seconds: TriageUnavailable)."""
    try:
        async with asyncio.timeout(TIMEOUT), AsyncTcpClient(host, port) as client:
            await client.write_event(request)
            while True:
                event = await client.read_event()
                if event is None:
                    raise TriageUnavailable("the connection closed")
                if event.type in answers:
                    return event
                if event.type == "error":
                    raise TriageUnavailable(str((event.data or {}).get("text") or "the server answered an error"))
    except (OSError, TimeoutError) as err:
        raise TriageUnavailable(str(err) or type(err).__name__) from err


async def describe(host: str, port: int) -> dict[str, Any]:
    """The server's `info` data; TriageUnavailable when it cannot be had or is not voice-triage. Read as plain
    data: wyoming 1.5.4's `Info.from_event` asserts on an `info` without data (another server's), which would
    reach the person adding the integration as an error instead of "cannot connect"."""
    event = await _exchange(host, port, Event(type="describe"), ("info",))
    data = event.data if isinstance(event.data, dict) else {}
    handle = data.get("handle")
    programs = handle if isinstance(handle, list) else []
    if not any(isinstance(program, dict) and program.get("name") == SERVICE_NAME for program in programs):
        raise TriageUnavailable("not a voice-triage server")
    return data


async def converse(host: str, port: int, text: str, conversation_id: str) -> TriageReply:
    """Send one utterance of conversation `conversation_id`; the reply."""
    request = Event(type="transcript", data={"text": text, "context": {"conversation_id": conversation_id}})
    event = await _exchange(host, port, request, ("handled", "not-handled"))
    data = event.data or {}
    context = data.get("context")
    return TriageReply(str(data.get("text") or ""), event.type == "handled",
                       context if isinstance(context, dict) else {})
