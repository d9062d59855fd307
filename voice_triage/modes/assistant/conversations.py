"""Conversations: many triage conversations at once, one per assistant conversation id, for a voice assistant.

A voice assistant (Home Assistant, a Wyoming satellite) hands over one transcript at a time with the id of
the conversation it belongs to, and speaks back one reply. `Conversations` keeps a `Triage` (the public API)
per id: the first utterance that asks for it ("check my leg pain") begins one, the next ones answer it, and it
is forgotten when it ends, after `idle_s` without a word, or when the assistant says the person has gone.
Nothing of what was said is kept beyond the live conversation.

The emergency check comes before everything else, on every utterance, whether or not a conversation is
running, whether or not there is room for one, and on the whole of an over-long utterance.

No network here: the Wyoming server (voice_triage.modes.assistant.wyoming) and the Home Assistant integration
(custom_components/voice_triage) turn `Reply` into their own messages.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from voice_triage.content.loader import load_data
from voice_triage.dialogue.events import EmergencyEvent, Heard, SayEvent, Turn
from voice_triage.dialogue.triage import Triage
from voice_triage.modes.kiosk.channel import Clock, SystemClock
from voice_triage.modes.kiosk.loop import wake_match
from voice_triage.understanding.interpret import MAX_CHARS

logger = logging.getLogger(__name__)

MAX_TRANSCRIPT = 20_000
"""The longest utterance read at all (characters); anything longer is asked again, after the emergency check
of its first MAX_TRANSCRIPT characters."""
WINDOW_OVERLAP = 200
"""Characters the emergency check's windows over a long utterance share, so no phrase falls between two."""


@dataclass(frozen=True)
class AssistantTexts:
    """What the skill says and listens for beyond the conversation (prompts/assistant.yaml)."""

    start: tuple[str, ...]
    """Words that begin a triage (whole words, anywhere in the utterance)."""
    not_ours: str
    """The answer to an utterance that neither begins a triage nor states an emergency."""
    full: str
    """The answer when `max_conversations` are running (with the emergency advice)."""
    too_long: str
    """The answer to an utterance longer than the understanding reads."""

    @classmethod
    def load(cls) -> "AssistantTexts":
        data = load_data("prompts/assistant.yaml")
        sentences = data["sentences"]
        return cls(tuple(data["start"]), sentences["not_ours"]["text"], sentences["full"]["text"],
                   sentences["too_long"]["text"])


@dataclass(frozen=True)
class Reply:
    """What the assistant says back to one utterance, and what it means."""

    text: str
    """Every sentence of the reply in order (the emergency instruction first), ending with the question."""
    handled: bool = True
    """False when the utterance was not for the triage (nothing began) or there was no room for it."""
    ended: bool = False
    """The conversation is over (a disposition, a stop, an emergency): the microphone may close."""
    emergency: str | None = None
    """The red flag raised (chest_pain, breathlessness), or None."""
    instruction: str | None = None
    """With an emergency: the instruction itself ("Call emergency services now."), the reply's first sentence."""
    disposition: str | None = None
    """At the end: emergency, urgent, see_doctor, self_care or incomplete."""
    question: str | None = None
    """What is asked next (consent, open, a feature id, confirm, more), or None at the end."""
    feature: str | None = None
    """At a confirmation ("I think you said yes. Is that right?"): the feature it is about."""
    value: str | None = None
    """At a confirmation: the answer heard (yes, no, unsure)."""

    def context(self) -> dict[str, object]:
        """What the assistant passes on with the reply (the Wyoming `handled` event's context)."""
        out: dict[str, object] = {"ended": self.ended}
        for key in ("emergency", "instruction", "disposition", "question", "feature", "value"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


@dataclass
class _Live:
    triage: Triage
    last: float
    lock: threading.Lock = field(default_factory=threading.Lock)


class Conversations:
    """The live triage conversations of one server, by conversation id. Safe to call from several threads."""

    def __init__(self, triage_factory: Callable[[], Triage] | None = None, *, max_conversations: int = 100,
                 idle_s: float = 300.0, clock: Clock | None = None, texts: AssistantTexts | None = None):
        """`max_conversations`: how many at once (one more is told to try again later). `idle_s`: a conversation
        with no utterance for this long is forgotten (Home Assistant forgets its own after 5 minutes)."""
        if max_conversations < 1:
            raise ValueError("max_conversations must be at least 1")
        if idle_s <= 0:
            raise ValueError("idle_s must be more than 0")
        self.triage_factory = triage_factory or Triage
        self.max_conversations = max_conversations
        self.idle_s = idle_s
        self.clock = clock or SystemClock()
        self.texts = texts or AssistantTexts.load()
        self._live: dict[str, _Live] = {}
        self._lock = threading.Lock()
        self._judge = self.triage_factory()  # judges utterances outside any conversation; never started
        self._judge_lock = threading.Lock()
        self.begun = 0
        self.refused = 0
        self.expired = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._live)

    def reply(self, conversation_id: str, text: str) -> Reply:
        """The reply to `text` said in conversation `conversation_id`."""
        now = self.clock.now()
        self.expire(now)
        text = text if isinstance(text, str) else ""
        with self._lock:
            live = self._live.get(conversation_id)
            if live is not None:
                live.last = now
        if live is None:
            return self._outside(conversation_id, text, now)
        with live.lock:
            return self._within(conversation_id, live, text)

    def is_live(self, conversation_id: str) -> bool:
        """Whether a triage runs for `conversation_id` (idle ones are forgotten first)."""
        self.expire()
        with self._lock:
            return conversation_id in self._live

    def concerns(self, text: str) -> bool:
        """Whether `reply` would take up `text` out of the blue as an emergency, stated or possible (asked back):
        what a skill framework that must claim an utterance before answering it (OVOS) asks first."""
        text = text if isinstance(text, str) else ""
        return self._emergency_in(text) is not None or self._doubt_in(text) is not None

    def live_ids(self) -> list[str]:
        """The conversations running now."""
        with self._lock:
            return list(self._live)

    def forget(self, conversation_id: str) -> bool:
        """End a conversation at once (the person went away, the client disconnected); True if one was live."""
        with self._lock:
            return self._live.pop(conversation_id, None) is not None

    def expire(self, now: float | None = None) -> int:
        """Forget every conversation idle for `idle_s` or more; how many were."""
        now = self.clock.now() if now is None else now
        with self._lock:
            old = [cid for cid, live in self._live.items() if now - live.last >= self.idle_s]
            for cid in old:
                del self._live[cid]
        if old:
            self.expired += len(old)
            logger.info("%d conversation(s) forgotten after %g s idle", len(old), self.idle_s)
        return len(old)

    # ------------------------------------------------------------------ inside

    def _outside(self, conversation_id: str, text: str, now: float) -> Reply:
        """No conversation with this id: an emergency is answered at once, a start phrase begins one."""
        said = self._emergency_in(text)
        if said is not None:
            turn = self.triage_factory().hear(said)
            assert turn is not None
            return _reply(turn, True)
        doubt = self._doubt_in(text)
        if doubt is None and not wake_match(text[:MAX_CHARS], self.texts.start):
            return Reply(self.texts.not_ours, handled=False)
        triage = self.triage_factory()
        with self._lock:
            if len(self._live) >= self.max_conversations:
                self.refused += 1
                return Reply(self.texts.full, handled=False)
            live = self._live[conversation_id] = _Live(triage, now)
            self.begun += 1
        with live.lock:
            # a possible emergency out of the blue is never passed over: a conversation begins by asking it back
            # ("Do you mean you have chest pain now?"); yes raises the alarm, no leads to the greeting
            turn = triage.hear(doubt) if doubt is not None else triage.start()
            assert turn is not None
            return _reply(turn, self._end_if_over(conversation_id, triage))

    def _within(self, conversation_id: str, live: _Live, text: str) -> Reply:
        triage = live.triage
        if len(text) > MAX_CHARS:
            said = self._emergency_in(text)
            turn = triage.hear(said) if said is not None else None
            if turn is None:
                return Reply(self.texts.too_long, question=_question(triage))
        else:
            turn = triage.hear(Heard.text_of(text))
        assert turn is not None  # text always means something
        return _reply(turn, self._end_if_over(conversation_id, triage))

    def _end_if_over(self, conversation_id: str, triage: Triage) -> bool:
        if triage.ended:
            with self._lock:
                self._live.pop(conversation_id, None)
        return triage.ended

    def _doubt_in(self, text: str) -> str | None:
        """A possible emergency in `text` to ask back (Triage.doubt_in on what the understanding reads), or None."""
        with self._judge_lock:
            return self._judge.doubt_in(Heard.text_of(text[:MAX_CHARS]))

    def _emergency_in(self, text: str) -> str | None:
        """The part of `text` that states an emergency, read in overlapping windows the understanding can take
        whole (an utterance of any length is checked up to MAX_TRANSCRIPT characters), or None."""
        text = text[:MAX_TRANSCRIPT]
        step = MAX_CHARS - WINDOW_OVERLAP
        with self._judge_lock:
            for start in range(0, max(1, len(text) - WINDOW_OVERLAP), step):
                window = text[start:start + MAX_CHARS]
                said = self._judge.emergency_in(Heard.text_of(window))
                if said is not None:
                    return said
        return None


def _question(triage: Triage) -> str | None:
    return None if triage.ended else triage.question


def _reply(turn: Turn, ended: bool) -> Reply:
    emergency = turn.emergency
    end = turn.end
    listen = turn.listen
    says = [event.text for event in turn.events if isinstance(event, SayEvent)]
    if isinstance(emergency, EmergencyEvent):
        logger.warning("emergency raised in an assistant conversation: %s", emergency.reason)
    asking = listen if listen is not None and not ended else None
    return Reply(" ".join(says), ended=ended, emergency=emergency.reason if emergency is not None else None,
                 instruction=says[0] if emergency is not None and says else None,
                 disposition=end.disposition.value if end is not None else None,
                 question=asking.question if asking else None, feature=asking.feature if asking else None,
                 value=asking.value if asking else None)
