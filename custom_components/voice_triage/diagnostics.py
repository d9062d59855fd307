"""Diagnostics (Settings → Devices & services → Voice Triage → Download diagnostics): where the server is,
whether it answers and what it says it is, and how many satellites have a triage running. Nothing a person said
is kept by the integration, so none of it can be here."""
from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant

from .client import TriageUnavailable, describe
from .const import DOMAIN


async def async_get_config_entry_diagnostics(hass: HomeAssistant, entry: ConfigEntry) -> dict[str, Any]:
    host, port = entry.data[CONF_HOST], entry.data[CONF_PORT]
    server: dict[str, Any] = {"address": f"{host}:{port}"}
    try:
        info = await describe(host, port)
    except TriageUnavailable as err:
        server["answers"] = False
        server["error"] = str(err)
    else:
        server["answers"] = True
        server["programs"] = [{"name": p.get("name"), "version": p.get("version"),
                               "languages": sorted({lang for m in p.get("models") or [] if isinstance(m, dict)
                                                    for lang in m.get("languages") or []})}
                              for p in info.get("handle", []) if isinstance(p, dict)]
    agent = hass.data.get(DOMAIN, {}).get(entry.entry_id)
    return {
        "entry": {"title": entry.title, "version": entry.version, "state": str(entry.state)},
        "server": server,
        "satellites_with_a_running_triage": agent.running() if agent is not None else 0,
        "emergencies_raised": agent.emergencies if agent is not None else 0,
    }
