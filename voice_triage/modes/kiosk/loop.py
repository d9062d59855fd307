"""The kiosk: one triage session after another, for whoever walks up, without a minder.

    wait quietly (an invitation now and then) -> a wake phrase or a key -> a new Triage
    -> questions (voice or keys) -> the end, an idle goodbye, or an apology -> wait again

Each session gets a new Triage (voice_triage.dialogue.triage) and nothing of the previous one: the screen is cleared,
the voice is reset (unless the owner lets adjustments persist) and the kiosk keeps only counters.
An emergency starts the staff alert in the background before the instruction is spoken. An
unexpected error inside a session is logged and the person hears a short apology with the
safety-net advice. A lost audio device is reopened with back-off, for as long as it takes: the
kiosk never exits by itself (only ``stop``, ``max_sessions`` or Ctrl-C end it).
"""
from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from voice_triage.dialogue.events import EmergencyEvent, Heard, HeardEvent, HeardKind, SayEvent, Turn
from voice_triage.dialogue.policy import DialoguePolicy
from voice_triage.dialogue.triage import Triage
from voice_triage.errors import AudioDeviceError, NoSuchDeviceError
from voice_triage.modes.conversation import ConversationOptions, Listened, Listening, Seen, converse, present
from voice_triage.modes.keys import START
from voice_triage.modes.kiosk.alert import StaffAlert
from voice_triage.modes.kiosk.channel import Channel, Clock, Shown, SystemClock
from voice_triage.modes.kiosk.config import KioskConfig
from voice_triage.modes.kiosk.sessionlog import SessionLog, SessionRecord
from voice_triage.content.model import Content
from voice_triage.content.loader import load_content

logger = logging.getLogger(__name__)

ChannelFactory = Callable[[], Channel]
"""Opens the kiosk's channel (devices, recognizer, voice); raises AudioDeviceError when a device is missing."""


@dataclass(frozen=True)
class KioskOptions:
    """Bounds and pacing that are not the owner's business (tests set them; the CLI keeps the defaults)."""

    max_sessions: int | None = None
    """Stop after this many sessions (tests); None: never."""
    max_listens: int = 200
    """A backstop per session: after this many listens the session is stopped (the session has its own bound)."""
    backoff_initial: float = 1.0
    """Seconds before the first retry of a lost device (or after an error while waiting)."""
    backoff_max: float = 60.0
    """The longest wait between two retries."""
    reopen_after_errors: int = 3
    """After this many sessions in a row end in an unexpected error, the channel is closed and reopened."""


@dataclass
class KioskReport:
    """Counters only: what the kiosk did since it started (nothing about any person)."""

    sessions: int = 0
    """Sessions started."""
    ended: int = 0
    """Sessions that reached an end (every session does, one way or another)."""
    endings: Counter = field(default_factory=Counter)
    """Sessions by how they ended: completed, idle, error, device, interrupted."""
    dispositions: Counter = field(default_factory=Counter)
    """Sessions by disposition."""
    emergencies: int = 0
    """Sessions in which an emergency was heard."""
    alerts: int = 0
    """Staff alerts started."""
    invitations: int = 0
    """Invitations spoken while waiting."""
    device_losses: int = 0
    """Times the audio device was lost (while waiting or in a session)."""
    reopen_failures: int = 0
    """Failed attempts to (re)open the audio device."""
    waiting_errors: int = 0
    """Unexpected errors outside a session, e.g. while waiting for someone (logged; the kiosk waited and went on)."""
    interrupted: bool = False
    """True when Ctrl-C ended the kiosk."""


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """"1 session", "2 sessions": a count for a message."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


@dataclass
class _Visit:
    """One person's session, while it lasts; dropped as soon as it has ended."""

    session: Triage
    """This person's own conversation (never shared)."""
    started: float
    """Monotonic start time."""
    started_wall: float
    """Epoch start time, for the session log."""
    waited: float
    """Seconds the kiosk had been waiting before this session."""
    emergency: bool = False
    """Whether an emergency was heard."""
    transcript: list[str] = field(default_factory=list)
    """What was heard; filled only when the session log's transcripts are switched on."""


class _Stopped(Exception):
    """The kiosk was asked to stop while waiting."""


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("'", ""))


def wake_match(text: str, phrases: tuple[str, ...]) -> bool:
    """Whether `text` contains one of the wake `phrases` as whole words ("hello there" wakes on "hello")."""
    heard = _words(text)
    for phrase in phrases:
        wanted = _words(phrase)
        n = len(wanted)
        if n and any(heard[i:i + n] == wanted for i in range(len(heard) - n + 1)):
            return True
    return False


class Kiosk:
    """The endless loop of sessions; see :func:`run_kiosk`."""

    def __init__(self, config: KioskConfig, channel_factory: ChannelFactory, clock: Clock, *,
                 content: Content | None = None, session_factory: Callable[[], Triage] | None = None,
                 alert: StaffAlert | None = None, session_log: SessionLog | None = None,
                 options: KioskOptions = KioskOptions(), stop: threading.Event | None = None,
                 on_session_end: Callable[[SessionRecord], None] | None = None):
        self.config = config
        self.channel_factory = channel_factory
        self.clock = clock
        self.content = content or load_content()
        policy = DialoguePolicy(confirm_below=config.recognizer.confirm_below)
        self.session_factory = session_factory or (lambda: Triage(self.content, policy=policy))
        self.alert = alert or StaffAlert(config.alert)
        self.session_log = session_log or SessionLog(config.logging)
        self.options = options
        self.stop = stop or threading.Event()
        self.on_session_end = on_session_end
        self.report = KioskReport()
        self._channel: Channel | None = None
        self._errors_in_a_row = 0
        self._trouble_delay = options.backoff_initial
        self._waiting_since = 0.0
        self._last_invitation = 0.0

    # ------------------------------------------------------------------ the loop

    def _done(self) -> bool:
        limit = self.options.max_sessions
        return self.stop.is_set() or (limit is not None and self.report.sessions >= limit)

    def run(self) -> KioskReport:
        """Run sessions until stopped; never raises for a device, a crash in a session or Ctrl-C."""
        first_open = True
        try:
            logger.info("kiosk started with %s", self.config.source)
            while not self._done():
                if self._channel is None:
                    self._channel = self._open(first_open)
                    first_open = False
                    if self._channel is None:
                        break
                    self._waiting_since = self._last_invitation = self.clock.now()
                try:
                    session, first = self._wait_for_person(self._channel)
                    self._serve(self._channel, session, first)
                except AudioDeviceError as exc:
                    self.report.device_losses += 1
                    logger.warning("audio device lost; reopening it in %g s: %s", self._trouble_delay, exc)
                    self._close()
                    self._pause_after_trouble()  # a device that fails again at once is not reopened in a hot loop
                except _Stopped:
                    break
                except Exception:  # outside any session (making a Triage, writing its record): log, wait, go on
                    self.report.waiting_errors += 1
                    logger.exception("unexpected error between sessions; going on in %g s", self._trouble_delay)
                    self._pause_after_trouble()
                if self._errors_in_a_row >= self.options.reopen_after_errors:
                    logger.warning("%s in a row failed; reopening the audio devices",
                                   counted(self._errors_in_a_row, "session"))
                    self._errors_in_a_row = 0
                    self._close()
        except KeyboardInterrupt:
            logger.info("kiosk interrupted")
            self.report.interrupted = True
        finally:
            self._close()
        logger.info("kiosk stopped after %s", counted(self.report.sessions, "session"))
        return self.report

    def _pause_after_trouble(self) -> None:
        self.clock.sleep(self._trouble_delay)
        self._trouble_delay = min(self._trouble_delay * 2, self.options.backoff_max)

    def _open(self, first: bool) -> Channel | None:
        """Open the channel, retrying a missing device with back-off until it works or the kiosk is stopped."""
        delay = self.options.backoff_initial
        while not self.stop.is_set():
            try:
                return self.channel_factory()
            except NoSuchDeviceError:
                raise  # a device name that matches nothing is a mistake to fix, not a device to wait for
            except AudioDeviceError as exc:
                self.report.reopen_failures += 1
                logger.warning("audio device not available; trying again in %g s: %s", delay, exc)
            except Exception as exc:
                if first:
                    raise  # a mistake at start-up (a model, a voice) is the owner's to fix: say so at once
                self.report.reopen_failures += 1
                logger.exception("the audio devices could not be reopened; trying again in %g s: %s", delay, exc)
            if self.stop.is_set():
                break
            self.clock.sleep(delay)
            delay = min(delay * 2, self.options.backoff_max)
        return None

    def _close(self) -> None:
        channel, self._channel = self._channel, None
        if channel is None:
            return
        try:
            channel.close()
        except Exception as exc:  # a vanished device may fail to close too; nothing more to do
            logger.debug("closing the channel: %s", exc)

    # ------------------------------------------------------------------ between sessions

    def _wait_for_person(self, channel: Channel) -> tuple[Triage, Heard | None]:
        """Wait quietly for a wake phrase, a key or an emergency; returns a new Triage (and an emergency heard)."""
        session = self.session_factory()
        wake = self.config.wake
        delay = self.options.backoff_initial
        while True:
            if self.stop.is_set():
                raise _Stopped()
            if not channel.healthy():
                raise AudioDeviceError("the voice or a device degraded; reopening before the next person")
            try:
                timeout = self.config.endpoint.timeout_s
                if wake.invitation_interval > 0:
                    due = self._last_invitation + wake.invitation_interval - self.clock.now()
                    if due <= 0:
                        self._last_invitation = self.clock.now()
                        self.report.invitations += 1
                        channel.say(wake.invitation)
                        due = wake.invitation_interval
                    timeout = max(1.0, min(timeout, due))  # listen no longer than until the next invitation
                heard = channel.listen(session.wake_plan(wake.phrases, wake.invitation, timeout))
            except AudioDeviceError:
                raise
            except Exception:
                self.report.waiting_errors += 1
                logger.exception("unexpected error while waiting; waiting %g s and going on", delay)
                self.clock.sleep(delay)
                delay = min(delay * 2, self.options.backoff_max)
                continue
            delay = self.options.backoff_initial
            if heard.kind is HeardKind.KEY and (wake.any_key or heard.key == START):
                return session, None
            said = session.emergency_in(heard)
            if said is not None:
                return session, Heard.text_of(said)
            if heard.kind is HeardKind.SPEECH and wake_match(heard.text, wake.phrases):
                return session, None

    # ------------------------------------------------------------------ one session

    def _serve(self, channel: Channel, session: Triage, first: Heard | None) -> None:
        """One person's session, from greeting to goodbye, whatever happens in it."""
        now = self.clock.now()
        visit = _Visit(session, now, self.clock.wall(), now - self._waiting_since)
        self.report.sessions += 1
        ending = "completed"
        try:
            channel.new_person(reset_voice=not self.config.voice.persist_adjustments)
            turn = session.hear(first) if first is not None else session.start()
            self._present(channel, turn, visit)
            ending = self._converse(channel, visit, turn)
            self._errors_in_a_row = 0
            self._trouble_delay = self.options.backoff_initial
        except AudioDeviceError as exc:
            ending = "device"
            logger.warning("audio device lost in a session: %s", exc)
            self._finish_badly(channel, visit, self.config.texts.device_lost)
            raise
        except KeyboardInterrupt:
            ending = "interrupted"
            self._finish_badly(channel, visit, None)
            raise
        except Exception:
            ending = "error"
            self._errors_in_a_row += 1
            logger.exception("unexpected error in a session; apologising and starting again")
            self._finish_badly(channel, visit, self.config.texts.apology)
        finally:
            self._record(visit, ending)
            if isinstance(channel, Shown):
                channel.session_ended()
            self._waiting_since = self._last_invitation = self.clock.now()

    def _converse(self, channel: Channel, visit: _Visit, turn: Turn) -> str:
        """Listen and answer until the session ends; returns how it ended (completed or idle)."""
        idle_after = self.config.timeouts.idle
        last_activity = [self.clock.now()]

        def let_go(heard: Heard) -> bool:
            """The person has walked away: no answer (speech or key) for the idle timeout."""
            now = self.clock.now()
            if heard.kind is not HeardKind.SILENCE:
                last_activity[0] = now
                return False
            return now - last_activity[0] >= idle_after

        options = ConversationOptions(max_listens=self.options.max_listens,
                                      listen_timeout_s=self.config.endpoint.timeout_s)
        ending = converse(visit.session, turn, channel, options,
                          on_event=lambda e: self._on_event(e, visit, channel), let_go=let_go)
        if ending == "idle":
            self._idle_goodbye(channel, visit)
            return "idle"
        return "completed"

    def _present(self, channel: Channel, turn: Turn, visit: _Visit) -> None:
        """Show and speak one turn as every voice mode does (the staff alert starts before the instruction)."""
        present(turn, channel, lambda event: self._on_event(event, visit, channel))

    def _on_event(self, event: Seen, visit: _Visit, channel: Channel) -> None:
        """Each event just before it is acted on: an emergency starts the staff alert; a screen shows it; the
        transcript (opt-in)."""
        if isinstance(channel, Shown) and not isinstance(event, (SayEvent, Listening, Listened)):
            channel.observe(event)
        if isinstance(event, EmergencyEvent):
            visit.emergency = True
            self._raise_alert(event.reason)
        if self.config.logging.transcripts:
            if isinstance(event, HeardEvent):
                visit.transcript.append(event.text)
            elif isinstance(event, EmergencyEvent):
                visit.transcript.append(event.heard)

    def _raise_alert(self, reason: str) -> None:
        """Start the staff alert; whatever goes wrong here must not delay the spoken instruction."""
        try:
            if self.alert.fire(reason, self.clock.wall()) is not None:
                self.report.alerts += 1
        except Exception:
            logger.exception("the staff alert could not be started")

    def _idle_goodbye(self, channel: Channel, visit: _Visit) -> None:
        """The person has walked away: a short goodbye with the safety-net advice."""
        logger.info("session let go after %g s without an answer", self.config.timeouts.idle)
        visit.session.stop()  # ends the session (incomplete); its own long goodbye is not spoken
        texts = self.config.texts
        for text in (texts.idle_goodbye, self.content.speech["safety_net"], texts.goodbye):
            channel.say(text)

    def _finish_badly(self, channel: Channel, visit: _Visit, first: str | None) -> None:
        """End a session that cannot go on: `first` (an apology), the safety-net advice, goodbye; never raises."""
        try:
            if not visit.session.ended:
                visit.session.stop()
        except Exception:
            logger.exception("the session could not be stopped cleanly")
        sentences = ([first] if first else []) + [self.content.speech["safety_net"], self.config.texts.goodbye]
        for text in sentences:
            try:
                channel.say(text)
            except Exception as exc:  # the voice may be what failed: the log and the captions are all there is
                logger.warning("could not say %r: %s", text[:40], exc)
                break

    def _record(self, visit: _Visit, ending: str) -> None:
        session = visit.session
        disposition = session.result.disposition.value if session.result is not None else "incomplete"
        self.report.ended += 1
        self.report.endings[ending] += 1
        self.report.dispositions[disposition] += 1
        self.report.emergencies += visit.emergency
        record = SessionRecord(started=visit.started_wall, ending=ending, disposition=disposition,
                               emergency=visit.emergency, turns=session.inputs,
                               duration_s=self.clock.now() - visit.started, waited_s=visit.waited,
                               transcript=visit.transcript)
        self.session_log.write(record)
        if self.on_session_end is not None:
            self.on_session_end(record)


def run_kiosk(config: KioskConfig, channel_factory: ChannelFactory, clock: Clock | None = None, *,
              content: Content | None = None, session_factory: Callable[[], Triage] | None = None,
              alert: StaffAlert | None = None, session_log: SessionLog | None = None,
              options: KioskOptions = KioskOptions(), stop: threading.Event | None = None,
              on_session_end: Callable[[SessionRecord], None] | None = None) -> KioskReport:
    """Run the kiosk: sessions one after another until `stop` is set, `options.max_sessions` or Ctrl-C.

    `channel_factory()` opens the devices (reopened with back-off whenever one is lost); `clock`
    paces everything (the system clock unless given). `session_factory` makes a new Triage for
    each person. `on_session_end` sees each session's SessionRecord (tests). Returns the counters.
    """
    kiosk = Kiosk(config, channel_factory, clock or SystemClock(), content=content,
                  session_factory=session_factory, alert=alert, session_log=session_log, options=options,
                  stop=stop, on_session_end=on_session_end)
    return kiosk.run()
