"""Add a voice-triage server: its address, checked by asking it to describe itself."""
from __future__ import annotations

from typing import Any

import voluptuous as vol

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.const import CONF_HOST, CONF_PORT

from .client import TriageUnavailable, describe
from .const import DEFAULT_HOST, DEFAULT_PORT, DOMAIN

SCHEMA = vol.Schema({
    vol.Required(CONF_HOST, default=DEFAULT_HOST): str,
    vol.Required(CONF_PORT, default=DEFAULT_PORT): vol.All(vol.Coerce(int), vol.Range(min=1, max=65535)),
})


class VoiceTriageConfigFlow(ConfigFlow, domain=DOMAIN):
    """The one step: where the server is."""

    VERSION = 1

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            host, port = user_input[CONF_HOST], user_input[CONF_PORT]
            await self.async_set_unique_id(f"{host}:{port}")
            self._abort_if_unique_id_configured()
            try:
                await describe(host, port)
            except TriageUnavailable:
                errors["base"] = "cannot_connect"
            else:
                return self.async_create_entry(title="Leg pain check", data={CONF_HOST: host, CONF_PORT: port})
        return self.async_show_form(step_id="user", data_schema=self.add_suggested_values_to_schema(
            SCHEMA, user_input or {}), errors=errors)
