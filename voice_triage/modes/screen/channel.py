"""ScreenChannel: the kiosk's Channel with the browser screen attached, beside the voice or on its own.

With a voice channel (`voice-triage kiosk --screen`), every sentence is put on the page as it is spoken, and
the page's buttons and typing box are a key source beside the microphone: a press ends the listen at once,
and voice and touch answer the same session. Without one (`voice-triage web`), the page is the whole
conversation: nothing is spoken or heard, and a question waits `patience` seconds for a tap or typed words.
"""
from __future__ import annotations

import logging

from voice_triage.dialogue.events import Event, Heard, SayEvent
from voice_triage.modes.kiosk.channel import Channel
from voice_triage.modes.screen.hub import ScreenHub
from voice_triage.modes.wire import to_wire
from voice_triage.recognition.plan import ListeningPlan

logger = logging.getLogger(__name__)

WAKE = "wake"
"""The ListeningPlan question of a kiosk waiting between sessions."""


class HubKeys:
    """The page's inputs as a key source of a voice channel (closing the channel leaves the page attached)."""

    def __init__(self, hub: ScreenHub):
        self.hub = hub

    def take(self) -> Heard | None:
        return self.hub.take()

    def drain(self) -> None:
        self.hub.drain()

    def showing(self) -> None:
        """Nothing to do: the page stamps each answer with the sentences it had shown (`seen`)."""

    def stale(self) -> list[str]:
        """None to tell here: the hub tells the page itself (a `stale` event) when it passes an answer over."""
        return []

    def close(self) -> None:
        """The hub outlives the voice channel (which is reopened after a lost device)."""


class ScreenChannel:
    """A kiosk Channel (voice_triage.modes.kiosk.channel) that shows everything on the screen."""

    def __init__(self, hub: ScreenHub, voice: Channel | None = None, *, patience: float = 180.0):
        """`voice`: the voice channel (its key source must include `HubKeys(hub)`), or None for the screen
        alone. `patience`: with the screen alone, seconds a question waits for an answer before it counts as
        silence (the kiosk's idle timeout then lets the person go)."""
        self.hub = hub
        self.voice = voice
        self.patience = patience

    # ------------------------------------------------------------------ out

    def say(self, text: str) -> None:
        self.hub.publish(to_wire(SayEvent(text)))
        if self.voice is not None:
            self.voice.say(text)

    def say_emergency(self, text: str) -> None:
        """The instruction on a banner that stays until staff dismiss it, and spoken."""
        self.hub.show_banner(text)
        self.hub.publish(to_wire(SayEvent(text)))
        if self.voice is not None:
            self.voice.say_emergency(text)

    def show_heard(self, text: str) -> None:
        """The page shows the `heard` event itself; the voice channel captions it."""
        if self.voice is not None:
            self.voice.show_heard(text)

    def adjust(self, command: str) -> None:
        if self.voice is not None:
            self.voice.adjust(command)

    def observe(self, event: Event) -> None:
        """Every event but sentences (which come through `say`), as the protocol writes it."""
        if not isinstance(event, SayEvent):
            self.hub.publish(to_wire(event))

    # ------------------------------------------------------------------ in

    def listen(self, plan: ListeningPlan) -> Heard:
        """The microphone and the page together (the voice channel looks at the page's inputs as keys), or the
        page alone."""
        if self.voice is not None:
            return self.voice.listen(plan)
        wait = plan.timeout_s if plan.question == WAKE else self.patience
        heard = self.hub.take(timeout=wait if wait is not None else self.patience)
        return heard if heard is not None else Heard.silence()

    # ------------------------------------------------------------------ the kiosk's

    def new_person(self, reset_voice: bool) -> None:
        self.hub.new_session()
        if self.voice is not None:
            self.voice.new_person(reset_voice)

    def session_ended(self) -> None:
        self.hub.session_ended()

    def healthy(self) -> bool:
        return self.voice.healthy() if self.voice is not None else True

    def close(self) -> None:
        """Release the voice; the page stays attached (the server is closed by whoever opened it)."""
        if self.voice is not None:
            self.voice.close()
