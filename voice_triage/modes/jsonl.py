"""`voice-triage --io jsonl`: one session over the JSON-lines protocol (shared/protocol.md).

Standard output carries only protocol events, one JSON object per line, flushed after each; every
message for people goes to standard error. No speech library is imported unless an
{"audio": PATH} line arrives.
"""
from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Callable, Protocol, TextIO

from voice_triage.dialogue.events import Heard, Turn
from voice_triage.dialogue.triage import Triage
from voice_triage.errors import VoiceTriageError
from voice_triage.modes import EXIT_INTERRUPTED, EXIT_OK
from voice_triage.modes.wire import to_wire

if TYPE_CHECKING:
    from voice_triage.dialogue.events import ListenEvent
    from voice_triage.recognition.listener import Listener
    from voice_triage.recognition.plan import ListeningPlan
from voice_triage.understanding.interpret import MAX_CHARS

log = logging.getLogger(__name__)


class AudioAnswers(Protocol):
    """Turns a WAV file into what the person said, through the recognizer the microphone uses."""

    def __call__(self, path: str, triage: Triage, listen: ListeningPlan) -> Turn:
        ...


class WavAnswers:
    """{"audio": PATH} lines heard as the microphone is: the one listener (built at the first such line, so
    a session of text lines loads no speech model), the question's listening plan, the same Triage."""

    def __init__(self, listener_factory: Callable[[], Listener], stderr: TextIO):
        self._factory = listener_factory
        self._listener: Listener | None = None
        self._stderr = stderr

    def __call__(self, path: str, triage: Triage, listen: ListeningPlan) -> Turn:
        if self._listener is None:
            self._listener = self._factory()  # first: it says in one line when the speech extras are missing
            _warn(self._stderr, self._listener.why)
        from voice_triage.audio.sources import WavFileSource

        result = self._listener.listen(WavFileSource(path), listen)
        turn = triage.hear(Heard.from_recognition(result))
        assert turn is not None  # only a key can mean nothing
        return turn


def write_events(turn: Turn, out: TextIO) -> None:
    for event in turn.events:
        out.write(json.dumps(to_wire(event)) + "\n")
    out.flush()


def run_jsonl(session: Triage, stdin: TextIO, stdout: TextIO, stderr: TextIO,
              audio: AudioAnswers | None = None) -> int:
    """Run one session; returns the exit status (0 when the session ended, whatever its outcome)."""
    turn = session.start()
    write_events(turn, stdout)
    listen = turn.listen
    try:
        for number, raw in enumerate(stdin, start=1):
            line = raw.strip()
            if not line:
                continue
            turn = _one_line(session, line, number, stderr, audio, listen)
            write_events(turn, stdout)
            listen = turn.listen or listen
            if session.ended:
                return EXIT_OK
    except KeyboardInterrupt:
        write_events(session.stop(), stdout)  # the session still ends with its end event
        return EXIT_INTERRUPTED
    write_events(session.stop(), stdout)
    return EXIT_OK


def _one_line(session: Triage, line: str, number: int, stderr: TextIO,
              audio: AudioAnswers | None, listen: ListenEvent | None) -> Turn:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        _warn(stderr, f"line {number} is not valid JSON ({exc.msg}); treated as not understood")
        return session.not_understood()
    if not isinstance(obj, dict):
        _warn(stderr, f"line {number} is not a JSON object; treated as not understood")
        return session.not_understood()
    if isinstance(obj.get("text"), str):
        if len(obj["text"]) > MAX_CHARS:
            _warn(stderr, f"line {number}: the text is {len(obj['text'])} characters long; only the first "
                          f"{MAX_CHARS} are read")
        confidence = obj.get("confidence")
        turn = session.hear(Heard.text_of(obj["text"], confidence if isinstance(confidence, (int, float))
                                          and not isinstance(confidence, bool) else None))
        assert turn is not None  # only a key can mean nothing
        return turn
    if obj.get("silence") is True:
        return session.silence()
    if isinstance(obj.get("audio"), str):
        if audio is None or listen is None:
            _warn(stderr, f"line {number}: audio input is not available here; treated as not understood")
            return session.not_understood()
        try:
            return audio(obj["audio"], session, listen.plan)
        except VoiceTriageError as exc:
            _warn(stderr, f"line {number}: {str(exc).rstrip('.')}; treated as not understood")
            return session.not_understood()
    _warn(stderr, f"line {number} has none of text, audio or silence; treated as not understood")
    return session.not_understood()


def _warn(stderr: TextIO, message: str) -> None:
    stderr.write(f"voice-triage: {message}\n")
    stderr.flush()
