"""Voice Triage: a Home Assistant conversation agent that talks a person through leg pain that comes with
walking, through a voice-triage server (`voice-triage serve --wyoming tcp://HOST:PORT`)."""
from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PORT, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady

from .client import TriageUnavailable, describe

PLATFORMS = (Platform.CONVERSATION,)


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Set up the agent for one voice-triage server; not ready (Home Assistant retries, with back-off) while
    the server does not answer as voice-triage."""
    try:
        await describe(entry.data[CONF_HOST], entry.data[CONF_PORT])
    except TriageUnavailable as err:
        raise ConfigEntryNotReady(
            f"no voice-triage server at {entry.data[CONF_HOST]}:{entry.data[CONF_PORT]}: {err}") from err
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Remove the agent."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
