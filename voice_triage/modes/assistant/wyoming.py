"""`voice-triage serve --wyoming URI`: the triage as a Wyoming `handle` service (Home Assistant, satellites).

A client (Home Assistant's Wyoming integration, our own Home Assistant agent in custom_components/, any
Wyoming client) sends a `transcript` event; the reply is a `handled` event whose text is everything the
assistant says in turn (the emergency instruction first, the next question last) and whose context says
whether the conversation has ended, the red flag raised and the disposition. `not-handled` answers an
utterance that is not for the triage, or one more conversation than `max_conversations`. Replies are built as
plain events (`reply`, `error`), not through wyoming's dataclasses, so that what is written is the same under
every wyoming this package allows (>= 1.5.4, Home Assistant 2025.4's pin, whose dataclasses drop fields that
later versions keep: its `Transcript.event()` drops the context).

The conversation is `context.conversation_id` when the client sends one (Home Assistant opens a connection
per utterance), otherwise the connection itself (forgotten when it closes): a client whose wyoming is older
than 1.7 and that builds its transcript with `Transcript(text, context=...).event()` (Home Assistant 2025.4's
own Wyoming integration) sends no context, so each of its utterances stands alone. `describe` gets the service's
`info`; `ping` a `pong`. Anything else, a malformed or oversized event, or an event of a kind this server does
not offer, gets an `error` event; a malformed one then closes the connection (the stream cannot be trusted).
Nothing said is logged or kept once its conversation ends or expires.
"""
from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import signal
from dataclasses import dataclass
from urllib.parse import urlparse

from wyoming.asr import Transcript
from wyoming.event import Event, async_write_event
from wyoming.info import Attribution, Describe, HandleModel, HandleProgram, Info
from wyoming.ping import Ping

from voice_triage import __version__
from voice_triage.errors import VoiceTriageError
from voice_triage.modes import EXIT_INTERRUPTED, EXIT_OK
from voice_triage.modes.assistant.conversations import MAX_TRANSCRIPT, Conversations

logger = logging.getLogger(__name__)

URL = "https://github.com/voice-triage/voice-triage"
DESCRIPTION = ("Talks a person through leg pain that comes with walking, and says at once to call emergency "
               "services on chest pain or trouble breathing. Not a diagnosis.")


class ServeError(VoiceTriageError):
    """The server cannot start: a wrong address, or a port already taken."""


class BadEvent(Exception):
    """An event that cannot be read; the connection is closed after saying why."""


@dataclass(frozen=True)
class ServerLimits:
    """What one client may send and hold."""

    max_line: int = 64 * 1024
    """Bytes of an event's header line."""
    max_data: int = 64 * 1024
    """Bytes of an event's data part (a transcript's text and context)."""
    max_payload: int = 1024 * 1024
    """Bytes of an event's binary payload (this server takes none, but reads past it)."""
    max_connections: int = 256
    """Open connections at once; one more is told the server is busy and closed."""
    idle_connection_s: float = 600.0
    """A connection that sends nothing for this long is closed."""
    event_s: float = 10.0
    """Once an event's first byte has come, the rest of it (header, data, payload) must come within this: a
    client holding half a header (slow-loris) holds a connection this long, not `idle_connection_s`."""
    max_per_address: int = 128
    """Open connections from one client address at once (TCP); one more is told the server is busy. Half of
    `max_connections`: one address (a flood, or a slow-loris within `event_s`) leaves the other half to others,
    and Home Assistant, which opens a connection per utterance from one address, has room for 128 at once."""
    max_conversation_id: int = 200
    """Characters of a conversation id."""


def parse_uri(uri: str) -> tuple[str, str, int]:
    """("tcp", host, port) or ("unix", path, 0) for a Wyoming address, or a ServeError saying what is wrong."""
    parsed = urlparse(uri)
    if parsed.scheme == "unix" and parsed.path:
        return "unix", parsed.path, 0
    if parsed.scheme == "tcp":
        try:
            port = parsed.port
        except ValueError:
            port = None
        if parsed.hostname and port is not None:
            return "tcp", parsed.hostname, port
    raise ServeError(f"{uri!r} is not a Wyoming address: use tcp://HOST:PORT (for example "
                     "tcp://127.0.0.1:10700; port 0 picks a free one) or unix:///path/to/socket")


def info() -> Info:
    """What `describe` answers: one handle program, English."""
    attribution = Attribution(name="voice-triage", url=URL)
    model = HandleModel(name="leg-pain-after-walking", attribution=attribution, installed=True,
                        description="Leg pain that comes with walking: questions, red flags, what to do next",
                        version=__version__, languages=["en"])
    return Info(handle=[HandleProgram(name="voice-triage", attribution=attribution, installed=True,
                                      description=DESCRIPTION, version=__version__, models=[model])])


PAYLOAD_CHUNK = 64 * 1024
"""A payload (this server takes none) is read past in pieces of this many bytes, never held whole."""


def _json(raw: bytes, what: str):
    """`raw` parsed as JSON, or BadEvent: not JSON, not UTF-8, nested deeper than Python's recursion allows
    (RecursionError) or a number of more digits than Python converts (ValueError, 4,300 digits)."""
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise BadEvent(f"{what} that is not JSON this server reads (nesting, number size or encoding)") from None


async def read_event(reader: asyncio.StreamReader, limits: ServerLimits) -> Event | None:
    """One Wyoming event (header line, optional data, optional payload) within `limits`: it may be waited for
    `idle_connection_s`, and once begun must be whole within `event_s`. None at the end of the stream; BadEvent
    for anything else."""
    try:
        first = await asyncio.wait_for(reader.read(1), limits.idle_connection_s)
    except asyncio.TimeoutError:
        return None
    if not first:
        return None
    try:
        return await asyncio.wait_for(_rest_of_event(first, reader, limits), limits.event_s)
    except asyncio.TimeoutError:
        raise BadEvent(f"an event not whole within {limits.event_s:g} s of its first byte") from None


async def _rest_of_event(first: bytes, reader: asyncio.StreamReader, limits: ServerLimits) -> Event | None:
    try:
        line = first + (b"" if first == b"\n" else await reader.readline())
    except (ValueError, asyncio.LimitOverrunError):
        raise BadEvent(f"an event header longer than {limits.max_line} bytes") from None
    if not line.endswith(b"\n"):
        return None  # the client went away in the middle of a line
    header = _json(line, "an event header")
    if not isinstance(header, dict) or not isinstance(header.get("type"), str):
        raise BadEvent("an event header without a type")
    data = header.get("data") or {}
    if not isinstance(data, dict):
        raise BadEvent("event data that is not a JSON object")
    data_length = _length(header, "data_length", limits.max_data)
    if data_length:
        try:
            raw = await reader.readexactly(data_length)
        except asyncio.IncompleteReadError:
            return None
        more = _json(raw, "event data")
        if not isinstance(more, dict):
            raise BadEvent("event data that is not a JSON object")
        data.update(more)
    payload_length = _length(header, "payload_length", limits.max_payload)
    while payload_length:  # read past, not kept: 250 clients each sending most of 1 MiB hold no 250 MiB
        try:
            payload_length -= len(await reader.readexactly(min(payload_length, PAYLOAD_CHUNK)))
        except asyncio.IncompleteReadError:
            return None
    return Event(type=header["type"], data=data)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def reply(kind: str, text: str, context: dict) -> Event:
    """A `handled` or `not-handled` event: `text` and `context` in its data, whatever wyoming is installed."""
    return Event(type=kind, data={"text": text, "context": context})


def error(text: str, code: str) -> Event:
    """An `error` event with `text` and `code`."""
    return Event(type="error", data={"text": text, "code": code})


def _length(header: dict, key: str, most: int) -> int:
    value = header.get(key)
    if value is None:
        return 0
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise BadEvent(f"a {key} that is not a whole number of bytes")
    if value > most:
        raise BadEvent(f"a {key} of {value} bytes (at most {most})")
    return value


class WyomingServer:
    """The handle service over TCP or a unix socket, on one asyncio loop."""

    def __init__(self, conversations: Conversations, uri: str, limits: ServerLimits | None = None):
        self.conversations = conversations
        self.kind, self.host, self.port = parse_uri(uri)
        self.limits = limits or ServerLimits()
        self._server: asyncio.AbstractServer | None = None
        self._connections = 0
        self._by_address: dict[str, int] = {}
        self._writers: set[asyncio.StreamWriter] = set()
        """Open connections, closed when the server stops (Python 3.12+ waits for them all to end)."""
        self._tasks: set[asyncio.Task] = set()
        """The connections' tasks, each let end on its own when the server stops: asyncio.run would cancel them,
        and Python 3.11's stream callback then logs the cancellation as an error with two tracebacks."""
        self._numbers = itertools.count(1)
        self.handled = 0
        self.errors = 0

    @property
    def uri(self) -> str:
        if self.kind == "unix":
            return f"unix://{self.host}"
        host = f"[{self.host}]" if ":" in self.host else self.host  # tcp://[::]:10700, not tcp://:::10700
        return f"tcp://{host}:{self.port}"

    async def start(self) -> None:
        try:
            if self.kind == "unix":
                self._server = await asyncio.start_unix_server(self._client, self.host, limit=self.limits.max_line)
            else:
                self._server = await asyncio.start_server(self._client, self.host, self.port,
                                                          limit=self.limits.max_line)
        except OSError as exc:
            raise ServeError(f"cannot listen on {self.uri}: {exc.strerror or exc}") from None
        if self.kind == "tcp":
            self.port = self._server.sockets[0].getsockname()[1]

    async def serve(self, stop: asyncio.Event) -> None:
        """Serve until `stop` is set, forgetting idle conversations as it goes."""
        assert self._server is not None
        sweep = min(30.0, self.conversations.idle_s / 2)
        async with self._server:
            while not stop.is_set():
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=sweep)
                self.conversations.expire()
            self._server.close()
            for writer in list(self._writers):  # an idle client must not keep a stopping server (3.12+)
                writer.close()
            if self._tasks:  # each sees its connection closed and ends (well within a second)
                await asyncio.wait(set(self._tasks), timeout=5.0)
        if self.kind == "unix":
            with contextlib.suppress(OSError):
                os.unlink(self.host)
        logger.info("stopped: %d utterances handled, %d conversations begun, %d refused, %d expired",
                    self.handled, self.conversations.begun, self.conversations.refused, self.conversations.expired)

    # ------------------------------------------------------------------ one connection

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        number = next(self._numbers)
        own_id = f"connection-{number}"
        peer = writer.get_extra_info("peername")
        address = peer[0] if isinstance(peer, tuple) and peer else ""
        self._connections += 1
        self._by_address[address] = self._by_address.get(address, 0) + 1
        self._writers.add(writer)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            if self._connections > self.limits.max_connections or (
                    address and self._by_address[address] > self.limits.max_per_address):
                await async_write_event(error("The server is busy; try again shortly.", "busy"), writer)
                return
            while True:
                try:
                    event = await read_event(reader, self.limits)
                except BadEvent as exc:
                    self.errors += 1
                    logger.info("connection %d sent %s; closing it", number, exc)
                    await async_write_event(error(f"Not a Wyoming event: {exc}.", "bad-event"), writer)
                    return
                if event is None:
                    return
                answer = await self._answer(event, own_id)
                if answer is not None:
                    await async_write_event(answer, writer)
        except (ConnectionError, OSError):
            logger.debug("connection %d lost", number)
        finally:
            self._connections -= 1
            self._by_address[address] -= 1
            if not self._by_address[address]:
                del self._by_address[address]
            self._writers.discard(writer)
            self._tasks.discard(task)
            if self.conversations.forget(own_id):
                logger.info("connection %d closed mid-conversation; its conversation is forgotten", number)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _answer(self, event: Event, own_id: str) -> Event | None:
        if Describe.is_type(event.type):
            return info().event()
        if Ping.is_type(event.type):
            return Event(type="pong", data={"text": event.data.get("text")})
        if not Transcript.is_type(event.type):
            self.errors += 1
            return error(f"This service handles transcripts only, not {event.type[:40]!r}.", "not-supported")
        text = event.data.get("text")
        context = event.data.get("context") or {}
        cid = context.get("conversation_id") if isinstance(context, dict) else None
        if not isinstance(text, str) or (cid is not None and not isinstance(cid, str)):
            self.errors += 1
            return error("A transcript needs text (and a conversation_id that is text).", "bad-transcript")
        if not _encodable(text) or (cid is not None and not _encodable(cid)):
            # a lone surrogate ("\\ud800") is valid JSON but no UTF-8: checked before a triage begins, not
            # found when the reply cannot be written
            self.errors += 1
            return error("A transcript's text and conversation_id must be Unicode text.", "bad-transcript")
        if cid is not None and not 0 < len(cid) <= self.limits.max_conversation_id:
            self.errors += 1
            return error(f"A conversation_id must be 1 to {self.limits.max_conversation_id} characters.",
                         "bad-transcript")
        cid = cid or own_id
        # On the loop itself: a turn takes about a millisecond (an over-long transcript's emergency windows a few
        # tens), and worker threads would each grow their own malloc arena (RSS crept 35 -> 104 MiB over 1,500
        # conversations with the default executor; 70 and flat without it).
        said = self.conversations.reply(cid, text[:MAX_TRANSCRIPT + 1])
        self.handled += 1
        out = {**said.context(), "conversation_id": cid}
        return reply("handled" if said.handled else "not-handled", said.text, out)


def run_server(conversations: Conversations, uri: str, limits: ServerLimits | None = None,
               announce=None, zeroconf: str | None = None) -> int:
    """Serve until SIGTERM or SIGINT; `announce(uri)` is called once it listens; with `zeroconf` (an instance
    name) the service is also announced on the local network (discovery.py) and withdrawn when it stops. 0 after
    SIGTERM (a service manager's stop), 130 after SIGINT (Ctrl-C), as every other mode."""
    stopped_by: list[int] = []

    async def main() -> None:
        server = WyomingServer(conversations, uri, limits)
        announcer = None
        if zeroconf is not None:
            from voice_triage.modes.assistant.discovery import Announcer

            announcer = Announcer(zeroconf, server.kind, server.host)  # a loopback address: said before listening
        await server.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def stopping(sig: int) -> None:
            stopped_by.append(sig)
            stop.set()

        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stopping, sig)
        if announce is not None:
            announce(server.uri)
        if announcer is not None:
            await announcer.start(server.port)
        try:
            await server.serve(stop)
        finally:
            if announcer is not None:
                await announcer.stop()

    asyncio.run(main())
    return EXIT_INTERRUPTED if signal.SIGINT in stopped_by[:1] else EXIT_OK
