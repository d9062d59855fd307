"""The live voice loop: greet, listen, understand, answer out loud, until the session ends.

The conversation itself is voice_triage.modes.conversation.converse over a VoiceChannel (half duplex:
the microphone is open only while the assistant listens). While the person speaks, partial results are
checked for an emergency; one found stops the listening at once and the emergency instruction is
spoken first, at full volume, twice.

Ctrl-C, or a microphone that closes or vanishes, ends the session cleanly: a goodbye with the
safety-net advice is shown and, where the voice still works, spoken.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from voice_triage.dialogue.events import EndEvent, Event
from voice_triage.dialogue.triage import Triage
from voice_triage.errors import AudioDeviceError
from voice_triage.modes import EXIT_DEVICE, EXIT_INTERRUPTED, EXIT_OK
from voice_triage.modes.conversation import ConversationOptions, Listened, Listening, Seen, converse, present
from voice_triage.modes.voice import VoiceChannel

logger = logging.getLogger(__name__)


@dataclass
class LiveResult:
    """What happened in one live session (for tests, the demo and the benchmark)."""

    exit_code: int = EXIT_OK
    """0 when the session ended, 1 when the microphone failed, 130 after Ctrl-C."""
    end: EndEvent | None = None
    """The session's ``end`` event, if it reached one."""
    events: list[Event] = field(default_factory=list)
    """Every protocol event of the session, in order."""
    listens: int = 0
    """How many times the loop listened."""


def _cut_short(session: Triage | None, channel: VoiceChannel, record: Callable[[Seen], None]) -> None:
    """End a session early (Ctrl-C, a closed microphone): the session's own goodbye with safety-net advice.

    A second Ctrl-C while it is spoken silences the voice; the rest is still shown as captions.
    """
    if session is None:
        return
    turn = session.stop()
    speech = channel.speech
    before = len(speech.spoken)
    try:
        present(turn, channel, record)
    except KeyboardInterrupt:
        speech.captions.notice("Interrupted again; not speaking the rest.")
        for text in turn.says[len(speech.spoken) - before:]:
            speech.captions.assistant(text)


def run_live(session_factory: Callable[[], Triage], channel: VoiceChannel,
             options: ConversationOptions = ConversationOptions(), *,
             on_event: Callable[[Seen], None] | None = None) -> LiveResult:
    """One hands-free session from greeting to goodbye over `channel`.

    `on_event` sees every event as it is acted on (plus the loop's Listening/Listened markers with
    monotonic times). Returns a :class:`LiveResult`; never raises for Ctrl-C or a failed microphone.
    """
    result = LiveResult()

    def record(event: Seen) -> None:
        if isinstance(event, Listening):
            result.listens += 1
        elif not isinstance(event, Listened):
            result.events.append(event)
        if isinstance(event, EndEvent):
            result.end = event
        if on_event:
            on_event(event)

    session: Triage | None = None
    try:
        session = session_factory()
        turn = session.start()
        present(turn, channel, record)
        if converse(session, turn, channel, options, on_event=record) == "stopped":
            channel.speech.captions.notice("The session stopped without an end.")
        result.exit_code = EXIT_OK
    except KeyboardInterrupt:
        logger.info("interrupted")
        channel.speech.captions.notice("Stopped (Ctrl-C).")
        result.exit_code = EXIT_INTERRUPTED
        _cut_short(session, channel, record)
    except AudioDeviceError as exc:
        logger.info("microphone: %s", exc)
        channel.speech.captions.notice(f"{exc} The session has to stop.")
        result.exit_code = EXIT_DEVICE
        _cut_short(session, channel, record)
    return result
