"""An OVOS pipeline stage that sends an emergency, said in any session at any moment, to the voice-triage skill.

Intents, fallbacks and converse depend on what else is installed and on the skill being active in the session;
a pipeline stage listed first in mycroft.conf's `intents.pipeline` sees every utterance before all of them. It
only decides (the project's own emergency check, `Conversations.concerns`); the skill answers. Opt-in: put
"voice-triage-emergency-pipeline" first in the list (docs/assistants.md)."""
from __future__ import annotations

from ovos_bus_client.message import Message
from ovos_bus_client.session import SessionManager
from ovos_plugin_manager.templates.pipeline import IntentHandlerMatch, PipelinePlugin

from voice_triage.modes.assistant.conversations import Conversations
from voice_triage.modes.assistant.ovos import SKILL_ID


class EmergencyPipeline(PipelinePlugin):
    """Matches an utterance that concerns an emergency, to the skill's emergency handler."""

    def __init__(self, bus=None, config: dict | None = None):
        super().__init__(bus, config)
        self._judge = Conversations(max_conversations=1)
        self._judge.concerns("I have chest pain")  # the learned reader loaded now, not on the first utterance

    def match(self, utterances: list[str], lang: str, message: Message) -> IntentHandlerMatch | None:
        if not str(lang).lower().startswith("en"):
            return None
        for utterance in utterances:
            if isinstance(utterance, str) and self._judge.concerns(utterance):
                return IntentHandlerMatch(match_type=f"{SKILL_ID}:emergency", match_data={}, skill_id=SKILL_ID,
                                          utterance=utterance, updated_session=SessionManager.get(message))
        return None
