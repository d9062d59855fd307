"""The conversation agent: each utterance goes to the voice-triage server with Home Assistant's conversation id;
the microphone stays open (continue_conversation) until the triage ends, and an emergency fires
`voice_triage_emergency` on the bus besides being said."""
from __future__ import annotations

import logging
import time
from typing import Literal

from homeassistant.components import conversation
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.helpers import intent
from homeassistant.helpers.device_registry import DeviceEntryType
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .client import TriageReply, TriageUnavailable, converse
from .const import DEVICE_IDLE, DOMAIN, EVENT_EMERGENCY, UNREACHABLE, UNREACHABLE_ALARM
from .fallback import unverified_emergency

_LOGGER = logging.getLogger(__name__)


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry, async_add_entities: AddEntitiesCallback) -> None:
    """One agent per configured server."""
    async_add_entities([VoiceTriageAgent(entry)])


class VoiceTriageAgent(conversation.ConversationEntity, conversation.AbstractConversationAgent):
    """Talks a person through leg pain that comes with walking; English only."""

    _attr_has_entity_name = True
    _attr_name = None

    def __init__(self, entry: ConfigEntry) -> None:
        self.entry = entry
        self._by_device: dict[str, tuple[str, float]] = {}
        """device id -> (the triage's conversation id, when it last spoke): a satellite that cannot keep the
        microphone open starts a new Home Assistant conversation at each wake word; its triage goes on."""
        self.emergencies = 0
        """Emergency events fired (diagnostics)."""
        self._attr_unique_id = entry.entry_id
        self._attr_device_info = {"identifiers": {(DOMAIN, entry.entry_id)}, "name": entry.title,
                                  "manufacturer": "voice-triage",
                                  "entry_type": DeviceEntryType.SERVICE}

    @property
    def supported_languages(self) -> list[str] | Literal["*"]:
        return ["en"]

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        conversation.async_set_agent(self.hass, self.entry, self)
        self.hass.data.setdefault(DOMAIN, {})[self.entry.entry_id] = self  # diagnostics

    async def async_will_remove_from_hass(self) -> None:
        conversation.async_unset_agent(self.hass, self.entry)
        self.hass.data.get(DOMAIN, {}).pop(self.entry.entry_id, None)
        await super().async_will_remove_from_hass()

    async def _async_handle_message(self, user_input: conversation.ConversationInput,
                                    chat_log: conversation.ChatLog) -> conversation.ConversationResult:
        conversation_id = self._triage_id(user_input.device_id, chat_log.conversation_id)
        try:
            reply = await converse(self.entry.data[CONF_HOST], self.entry.data[CONF_PORT], user_input.text,
                                   conversation_id)
        except TriageUnavailable as err:
            _LOGGER.warning("voice-triage server unavailable: %s", err)
            reply = TriageReply(UNREACHABLE, False, {"ended": True})
            reason = unverified_emergency(user_input.text)
            if reason:  # nothing can tell a denial from a report now: the advice first, the event, unverified
                reply = TriageReply(UNREACHABLE_ALARM, False, {"ended": True, "emergency": reason,
                                                               "unverified": True})
        if user_input.device_id:
            if reply.handled and not reply.ended:
                self._by_device[user_input.device_id] = (conversation_id, time.monotonic())
            else:
                self._by_device.pop(user_input.device_id, None)
        if reply.emergency:
            self.emergencies += 1
            self.hass.bus.async_fire(EVENT_EMERGENCY, {
                "conversation_id": chat_log.conversation_id,
                "device_id": user_input.device_id,
                "reason": reply.emergency,
                "instruction": reply.context.get("instruction") or reply.text,
                "unverified": bool(reply.context.get("unverified")),
            }, context=user_input.context)
        chat_log.async_add_assistant_content_without_tools(
            conversation.AssistantContent(agent_id=user_input.agent_id, content=reply.text))
        response = intent.IntentResponse(language=user_input.language)
        response.async_set_speech(reply.text)
        return conversation.ConversationResult(response=response, conversation_id=chat_log.conversation_id,
                                               continue_conversation=reply.handled and not reply.ended)

    def running(self) -> int:
        """Satellites with a triage that spoke in the last DEVICE_IDLE seconds (diagnostics)."""
        now = time.monotonic()
        return sum(1 for _, last in self._by_device.values() if now - last < DEVICE_IDLE)

    def _triage_id(self, device_id: str | None, conversation_id: str) -> str:
        """The conversation id the server knows this person's triage by: the device's running triage when one
        spoke in the last DEVICE_IDLE seconds, else Home Assistant's conversation id."""
        now = time.monotonic()
        for device, (_, last) in list(self._by_device.items()):
            if now - last >= DEVICE_IDLE:
                del self._by_device[device]
        if device_id and device_id in self._by_device:
            return self._by_device[device_id][0]
        return conversation_id
