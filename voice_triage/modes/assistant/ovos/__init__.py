"""voice-triage as an OpenVoiceOS skill (ovos-workshop): `pip install voice-triage[ovos]` registers it under the
`opm.skill` entry point as `voice-triage.voice-triage`, where ovos-core's skill manager finds it.

How an utterance reaches it (each path ends in `Conversations.reply`, whose emergency check comes first):

* **while a triage runs** for the OVOS session, `converse` (the converse stage comes before every intent stage
  in OVOS's pipeline) takes every utterance, and the reply is spoken with `expect_response` so the listener
  opens the microphone again, until the triage ends; "stop" comes through OVOS's own stop stage
  (`stop_session`), which says the triage's own closing words;
* **a triage begins** on the start intent (locale/en-us/start.intent, matched by padatious or padacioso);
* **an emergency out of the blue** (no triage running) is caught, best first, by the emergency pipeline stage
  (pipeline.py: opt-in, listed first in mycroft.conf's `intents.pipeline`, it sees every utterance of every
  session before any skill), then by the emergency intent (emergency.intent), then by a priority-1 fallback
  whose `can_answer` runs the project's own check. Without the pipeline stage, another skill's intent that
  matches first ("I have {thing}") takes the utterance: measured in the tests, and said in docs/assistants.md.

The triage's conversation id is the OVOS session id. An emergency also emits `voice_triage.emergency` on the bus
(reason, instruction, session_id; not the words). Nothing said is stored."""
from __future__ import annotations

from os.path import dirname

from ovos_bus_client.message import Message
from ovos_bus_client.session import Session, SessionManager
from ovos_utils import classproperty
from ovos_utils.process_utils import RuntimeRequirements
from ovos_workshop.decorators import fallback_handler, intent_handler
from ovos_workshop.skills.converse import ConversationalSkill
from ovos_workshop.skills.fallback import FallbackSkill

from voice_triage.modes.assistant.conversations import Conversations, Reply

SKILL_ID = "voice-triage.voice-triage"
EMERGENCY_EVENT = "voice_triage.emergency"
"""Emitted on the bus when a reply raises an emergency: data reason, instruction, session_id."""


class VoiceTriageSkill(ConversationalSkill, FallbackSkill):
    """Leg pain that comes with walking; "Call emergency services now." on chest pain or trouble breathing."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("resources_dir", dirname(__file__))  # locale/ beside this module
        self.conversations = Conversations(max_conversations=100, idle_s=300)
        super().__init__(*args, **kwargs)

    @classproperty
    def runtime_requirements(self):
        """Offline: without this ovos-core's skill manager waits for a network before loading it."""
        return RuntimeRequirements(internet_before_load=False, network_before_load=False, gui_before_load=False,
                                   requires_internet=False, requires_network=False, requires_gui=False,
                                   no_internet_fallback=True, no_network_fallback=True, no_gui_fallback=True)

    def initialize(self):
        # the first check loads the learned reader (about 0.7 s here); ovos-core waits only 0.5 s for
        # can_converse / can_answer, so it is loaded now, not on the person's first words
        self.conversations.concerns("I have chest pain")
        self.register_intent_file("emergency.intent", self.handle_emergency)
        self._listen_for_the_pipeline_stage()

    def _listen_for_the_pipeline_stage(self) -> None:
        """pipeline.py sends an emergency it matched here, as an intent of this skill."""
        self.add_event(f"{self.skill_id}:emergency", self.handle_emergency, "mycroft.skill.handler", is_intent=True)

    # ------------------------------------------------------------------ what was said, and the answer

    @staticmethod
    def _session_id(message: Message) -> str:
        return SessionManager.get(message).session_id

    def _utterance(self, message: Message) -> str:
        """The transcript to answer: the first alternative that concerns an emergency, else the best one."""
        utterances = [u for u in (message.data.get("utterances") or [message.data.get("utterance", "")])
                      if isinstance(u, str)] or [""]
        return next((u for u in utterances[1:] if self.conversations.concerns(u)), utterances[0])

    def _answer(self, message: Message, text: str) -> Reply:
        session_id = self._session_id(message)
        reply = self.conversations.reply(session_id, text)
        # the reply first ("Call emergency services now." opens it on an emergency); the microphone opens again
        # while the triage goes on
        self.speak(reply.text, expect_response=reply.handled and not reply.ended)
        if reply.emergency:
            event = message.forward(EMERGENCY_EVENT, {"reason": reply.emergency, "instruction": reply.instruction,
                                                      "session_id": session_id})
            event.context["skill_id"] = self.skill_id
            self.bus.emit(event)
        return reply

    def _wants(self, message: Message) -> bool:
        return (self.conversations.is_live(self._session_id(message))
                or self.conversations.concerns(self._utterance(message)))

    # ------------------------------------------------------------------ intents

    @intent_handler("start.intent")
    def handle_start(self, message: Message):
        self._answer(message, self._utterance(message))

    def handle_emergency(self, message: Message):
        self._answer(message, self._utterance(message))

    # ------------------------------------------------------------------ converse: a running triage

    def can_converse(self, message: Message) -> bool:
        return self._wants(message)

    def converse(self, message: Message) -> bool:
        self._answer(message, self._utterance(message))
        return True

    def handle_deactivate(self, message: Message):
        self._listen_for_the_pipeline_stage()

    # ------------------------------------------------------------------ fallback: an emergency nothing else took

    def can_answer(self, message: Message) -> bool:
        return self._wants(message)

    @fallback_handler(priority=1)
    def handle_fallback(self, message: Message) -> bool:
        if not self._wants(message):
            return False
        self._answer(message, self._utterance(message))
        return True

    # ------------------------------------------------------------------ stop

    def can_stop(self, message: Message) -> bool:
        return self.conversations.is_live(self._session_id(message))

    def stop_session(self, session: Session) -> bool:
        if not self.conversations.is_live(session.session_id):
            return False
        reply = self.conversations.reply(session.session_id, "stop")  # the triage's own closing words
        self.conversations.forget(session.session_id)
        self.speak(reply.text)
        return True

    def stop(self):
        return False

    def shutdown(self):
        for session_id in self.conversations.live_ids():
            self.conversations.forget(session_id)
