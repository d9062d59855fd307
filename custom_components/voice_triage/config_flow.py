"""Add a voice-triage server: typed by the user, or found on the network (`voice-triage serve --zeroconf`
announces itself as `_wyoming._tcp.local.` under a name beginning "voice-triage"); its address checked by asking
it to describe itself. Reconfigure moves an existing entry to a new address."""
from __future__ import annotations

from typing import Any

import voluptuous as vol

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.const import CONF_HOST, CONF_PORT

from .client import TriageUnavailable, describe
from .const import DEFAULT_HOST, DEFAULT_PORT, DOMAIN

try:  # Home Assistant 2025.1 and later
    from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
except ImportError:  # pragma: no cover - older Home Assistant
    from homeassistant.components.zeroconf import ZeroconfServiceInfo

SCHEMA = vol.Schema({
    vol.Required(CONF_HOST, default=DEFAULT_HOST): str,
    vol.Required(CONF_PORT, default=DEFAULT_PORT): vol.All(vol.Coerce(int), vol.Range(min=1, max=65535)),
})
TITLE = "Leg pain check"


async def _answers(host: str, port: int) -> bool:
    try:
        await describe(host, port)
    except TriageUnavailable:
        return False
    return True


class VoiceTriageConfigFlow(ConfigFlow, domain=DOMAIN):
    """Where the server is: typed (user), found (zeroconf, then confirmed), or changed (reconfigure)."""

    VERSION = 1

    def __init__(self) -> None:
        self._found: dict[str, Any] = {}

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            host, port = user_input[CONF_HOST], user_input[CONF_PORT]
            await self.async_set_unique_id(f"{host}:{port}")
            self._abort_if_unique_id_configured()
            if await _answers(host, port):
                return self.async_create_entry(title=TITLE, data={CONF_HOST: host, CONF_PORT: port})
            errors["base"] = "cannot_connect"
        return self.async_show_form(step_id="user", data_schema=self.add_suggested_values_to_schema(
            SCHEMA, user_input or {}), errors=errors)

    async def async_step_zeroconf(self, discovery_info: ZeroconfServiceInfo) -> ConfigFlowResult:
        """A Wyoming service named voice-triage… on the network: offered once it answers as voice-triage."""
        host, port = discovery_info.host, discovery_info.port
        if not host or not port:
            return self.async_abort(reason="cannot_connect")
        await self.async_set_unique_id(f"{host}:{port}")
        self._abort_if_unique_id_configured(updates={CONF_HOST: host, CONF_PORT: port})
        if not await _answers(host, port):
            return self.async_abort(reason="cannot_connect")
        self._found = {CONF_HOST: host, CONF_PORT: port}
        name = discovery_info.name.split(".", 1)[0]
        self.context["title_placeholders"] = {"name": name}
        return await self.async_step_zeroconf_confirm()

    async def async_step_zeroconf_confirm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        if user_input is not None:
            return self.async_create_entry(title=TITLE, data=dict(self._found))
        return self.async_show_form(step_id="zeroconf_confirm", description_placeholders={
            "host": str(self._found[CONF_HOST]), "port": str(self._found[CONF_PORT])})

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Move the entry to a server at another address (checked as when it was added)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            host, port = user_input[CONF_HOST], user_input[CONF_PORT]
            await self.async_set_unique_id(f"{host}:{port}")
            if self.unique_id != entry.unique_id:
                self._abort_if_unique_id_configured()
            if await _answers(host, port):
                return self.async_update_reload_and_abort(entry, unique_id=f"{host}:{port}",
                                                          data_updates={CONF_HOST: host, CONF_PORT: port})
            errors["base"] = "cannot_connect"
        return self.async_show_form(step_id="reconfigure", data_schema=self.add_suggested_values_to_schema(
            SCHEMA, user_input or dict(entry.data)), errors=errors)
