"""The live voice loop: greet, listen, understand, answer out loud, until the session ends.

Half duplex: the microphone is open only while the assistant listens. Each question opens a fresh
source (``source_factory``) after the assistant has finished speaking and closes it before the
assistant speaks again, so nothing the assistant says is ever fed to the recognizer, and nothing
captured meanwhile is left over to process.

While the person speaks, partial hypotheses are checked for an emergency; one found stops the
listening at once and the emergency instruction is spoken first, at full volume, twice.

Ctrl-C, or a microphone that closes or vanishes, ends the session cleanly: a goodbye with the
safety-net advice is shown and, where the voice still works, spoken.
"""
from __future__ import annotations

import contextlib
import functools
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, ContextManager, Iterator

from voice_triage.dialogue.session import Session, Turn
from voice_triage.errors import AudioDeviceError
from voice_triage.modes import EXIT_DEVICE, EXIT_INTERRUPTED, EXIT_OK
from voice_triage.speech.output import SpeechOutput
from voice_triage.speech.settings import VoiceCommand
from voice_triage.speech_in import Ears, turn_from

logger = logging.getLogger(__name__)

SourceFactory = Callable[[dict], ContextManager[Any]]
"""Opens the microphone (or a stand-in) for one question; given that question's ``listen`` event."""
ListenFunction = Callable[..., Any]
"""``listen(source, recognizer, on_partial=...) -> Recognition | None`` (voice_triage.recognition.endpoint.listen)."""


@dataclass(frozen=True)
class LiveOptions:
    """How the live loop behaves beyond what the session decides."""

    max_listens: int = 150
    """A backstop: after this many questions the loop stops even if the session has not ended
    (the session has its own, smaller bound; this one only guards against a session that never ends)."""
    partial_emergency: bool = True
    """Check the recognizer's partial hypotheses for an emergency while the person is still speaking."""
    heard_label: str = "You"
    """How captions name the person (the demo says "Patient")."""


@dataclass
class LiveResult:
    """What happened in one live session (for tests, the demo and the benchmark)."""

    exit_code: int = EXIT_OK
    """0 when the session ended, 1 when the microphone failed, 130 after Ctrl-C."""
    end: dict | None = None
    """The session's ``end`` event, if it reached one."""
    events: list[dict] = field(default_factory=list)
    """Every protocol event of the session, in order."""
    listens: int = 0
    """How many times the loop listened."""


def present(turn: Turn, speech: SpeechOutput, on_event: Callable[[dict], None] | None = None,
            heard_label: str = "You") -> None:
    """Show and speak one turn: what was heard, voice changes, the emergency instruction first, the rest.

    The emergency instruction is the first ``say`` after the ``emergency`` event; it is spoken
    before every other sentence of the turn, at full volume, and repeated once. `on_event` sees
    each event just before it is acted on, in the order acted on.
    """
    events = list(turn.events)
    kinds = [event.get("event") for event in events]
    first: list[int] = [i for i, kind in enumerate(kinds) if kind == "heard"]
    instruction_at = None
    if "emergency" in kinds:
        alarm = kinds.index("emergency")
        instruction_at = next((j for j in range(alarm + 1, len(events)) if kinds[j] == "say"), None)
        first += [alarm] + ([instruction_at] if instruction_at is not None else [])
    order = first + [i for i in range(len(events)) if i not in first]
    for command in turn.voice:  # before speaking: "slower" is answered in the slower voice
        try:
            speech.adjust(VoiceCommand(command))
        except ValueError:
            logger.warning("unknown voice adjustment %r ignored", command)
    for i in order:
        event = events[i]
        if on_event:
            on_event(event)
        if kinds[i] == "heard":
            speech.captions.person(str(event.get("text", "")), heard_label)
        elif kinds[i] == "say":
            if i == instruction_at:
                speech.say_emergency(str(event["text"]))
            else:
                speech.say(str(event["text"]))


def _cut_short(session: Session | None, speech: SpeechOutput, record: Callable[[dict], None],
               heard_label: str) -> None:
    """End a session early (Ctrl-C, a closed microphone): the session's own goodbye with safety-net advice.

    A second Ctrl-C while it is spoken silences the voice; the rest is still shown as captions.
    """
    if session is None:
        return
    turn = session.stop()
    before = len(speech.spoken)
    try:
        present(turn, speech, record, heard_label)
    except KeyboardInterrupt:
        speech.captions.notice("Interrupted again; not speaking the rest.")
        for text in turn.says[len(speech.spoken) - before:]:
            speech.captions.assistant(text)


def run_live(session_factory: Callable[[], Session], recognizer: Any, source_factory: SourceFactory,
             speech: SpeechOutput, *, listen: ListenFunction | None = None, options: LiveOptions = LiveOptions(),
             on_event: Callable[[dict], None] | None = None) -> LiveResult:
    """One hands-free session from greeting to goodbye.

    `recognizer` follows voice_triage.recognition's Recognizer (``set_grammar``, ``recognize``);
    `source_factory(listen_event)` opens the microphone for one answer as a context manager;
    `listen` is voice_triage.recognition.endpoint.listen unless given (``open_speech_in`` makes all three). `on_event` sees every protocol
    event as it is acted on (plus ``_listening``/``_heard`` markers with monotonic times).
    Returns a :class:`LiveResult`; never raises for Ctrl-C or a failed microphone.
    """
    if listen is None:
        from voice_triage.recognition.endpoint import listen as endpoint_listen

        listen = endpoint_listen
    result = LiveResult()

    def record(event: dict) -> None:
        if not event.get("event", "").startswith("_"):
            result.events.append(event)
        if event.get("event") == "end":
            result.end = event
        if on_event:
            on_event(event)

    session: Session | None = None
    ears = Ears(recognizer)
    try:
        session = session_factory()
        turn = session.start()
        present(turn, speech, record, options.heard_label)
        while not session.ended:
            listen_event = next((e for e in reversed(turn.events) if e.get("event") == "listen"), None)
            if listen_event is None:
                logger.warning("the session neither ended nor asked anything; stopping")
                break
            if result.listens >= options.max_listens:
                speech.captions.notice(f"Stopping after {options.max_listens} questions without an end.")
                _cut_short(session, speech, record, options.heard_label)
                break
            result.listens += 1
            turn = _listen_once(session, ears, source_factory, listen, listen_event, options, record)
            present(turn, speech, record, options.heard_label)
        result.exit_code = EXIT_OK
    except KeyboardInterrupt:
        logger.info("interrupted")
        speech.captions.notice("Stopped (Ctrl-C).")
        result.exit_code = EXIT_INTERRUPTED
        _cut_short(session, speech, record, options.heard_label)
    except AudioDeviceError as exc:
        logger.info("microphone: %s", exc)
        speech.captions.notice(f"{exc} The session has to stop.")
        result.exit_code = EXIT_DEVICE
        _cut_short(session, speech, record, options.heard_label)
    return result


def _listen_once(session: Session, ears: Ears, source_factory: SourceFactory, listen: ListenFunction,
                 listen_event: dict, options: LiveOptions, record: Callable[[dict], None]) -> Turn:
    """Open the microphone, listen for one answer, close it, and hand what was heard to the session."""
    alarm: list[str] = []

    def on_partial(text: str) -> bool:
        """True stops decoding: an emergency must not wait for the end of a long sentence."""
        if options.partial_emergency and text and session.emergency_in_partial(text):
            alarm.append(text)
            return True
        return False

    ears.tune(session)
    record({"event": "_listening", "question": listen_event.get("question"), "at": time.monotonic()})
    with source_factory(listen_event) as source:
        result = listen(source, ears, on_partial=on_partial)
    record({"event": "_heard", "text": getattr(result, "text", None), "partial": bool(alarm),
            "at": time.monotonic()})
    if alarm:
        logger.info("emergency heard in a partial result: %r", alarm[-1])
        return session.hear(alarm[-1])
    return turn_from(session, result)


@dataclass(frozen=True)
class SpeechIn:
    """The ears of the live loop: a recognizer, a microphone per question, and the listen function."""

    recognizer: Any
    """The Recognizer (voice_triage.recognition)."""
    source_factory: SourceFactory
    """Opens the microphone for one answer and closes it after (half duplex)."""
    listen: ListenFunction
    """voice_triage.recognition.endpoint.listen with the endpointing settings bound."""
    why: str = ""
    """Which recognizer was chosen and why (to be said once)."""


def microphone(device: int | str | None = None) -> SourceFactory:
    """A source factory that opens the microphone (``--input-device``) for one answer and closes it after."""
    from voice_triage.audio.sources import MicrophoneSource

    @contextlib.contextmanager
    def open_microphone(listen_event: dict) -> Iterator[Any]:
        source = MicrophoneSource(device)
        try:
            yield source
        finally:
            source.close()

    return open_microphone


def open_speech_in(asr: str = "auto", vosk_model: str | None = None, input_device: int | str | None = None,
                   trailing_silence_ms: int | None = None, listen_timeout_s: float | None = None) -> SpeechIn:
    """The real recognizer, microphone and endpointing, as ``--asr``, ``--input-device`` and friends ask.

    Raises ModelError for a broken model and AudioDeviceError when there is no microphone.
    """
    from voice_triage.recognition.endpoint import listen as endpoint_listen
    from voice_triage.audio.sources import MicrophoneSource
    from voice_triage.recognition import build_recognizer

    MicrophoneSource(input_device)  # finds the device (opens nothing): no microphone fails before the greeting
    recognizer, why = build_recognizer(asr, vosk_model)
    factory = microphone(input_device)
    listen = functools.partial(endpoint_listen, trailing_silence_ms=trailing_silence_ms, timeout_s=listen_timeout_s)
    return SpeechIn(recognizer, factory, listen, why)
