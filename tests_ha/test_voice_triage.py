"""The Home Assistant integration: config flow, the agent carrying a conversation to its end, stop, and the
emergency event, against a real voice-triage server, on the wyoming Home Assistant itself pins (1.5.4)."""
from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import homeassistant
from ipaddress import ip_address

from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntryState
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
from homeassistant.loader import async_get_zeroconf
from homeassistant.components import conversation
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import Context, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.voice_triage.client import converse
from custom_components.voice_triage.const import DOMAIN, EVENT_EMERGENCY, UNREACHABLE, UNREACHABLE_ALARM
from custom_components.voice_triage.diagnostics import async_get_config_entry_diagnostics

from conftest import ROOT, start_server

NOBODY = 1
"""A loopback port nothing listens on (tcpmux, never served here): the connection is refused."""
INSTRUCTION = "Call emergency services now."
PAD = {"stops_with_rest": "yes", "calf_pain": "yes", "cramping_heaviness": "yes"}
"""A person whose calves cramp on walking and ease on rest: see a doctor (P3)."""


async def set_up(hass: HomeAssistant, port: int) -> str:
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_HOST: "127.0.0.1", CONF_PORT: port}, title="Leg pain check")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    entity_id = hass.states.async_entity_ids("conversation")
    ours = [e for e in entity_id if e != "conversation.home_assistant"]
    assert len(ours) == 1, entity_id
    return ours[0]


async def ask(hass: HomeAssistant, agent: str, text: str, conversation_id: str | None, device_id: str | None = None):
    return await conversation.async_converse(hass, text, conversation_id, Context(), language="en", agent_id=agent,
                                             device_id=device_id)


def pad_answer(speech: str) -> str:
    """What the person with PAD says to the question in `speech`."""
    lowered = speech.lower()
    if "shall we begin" in lowered:
        return "yes"
    if "anything else" in lowered:
        return "no"
    if "tell me about the pain" in lowered:
        return "my calves cramp after a few blocks and it goes away when I stop"
    if "is that right" in lowered:
        return "yes"
    if "go away within a few minutes" in lowered or "every time you stop" in lowered:
        return "yes"
    if "calf" in lowered and "?" in lowered:
        return "yes"
    if "cramp" in lowered or "heavy" in lowered and "muscles" in lowered:
        return "yes"
    return "no"


async def test_the_config_flow_adds_a_server_that_answers(hass: HomeAssistant, triage_server):
    port, _ = triage_server
    assert await async_setup_component(hass, "homeassistant", {})
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    assert result["type"] is FlowResultType.FORM and result["step_id"] == "user"
    nobody = NOBODY
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_HOST: "127.0.0.1",
                                                                                 CONF_PORT: nobody})
    assert result["type"] is FlowResultType.FORM and result["errors"] == {"base": "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_HOST: "127.0.0.1",
                                                                                 CONF_PORT: port})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_HOST: "127.0.0.1", CONF_PORT: port}


async def test_the_agent_keeps_the_conversation_open_until_a_disposition(hass: HomeAssistant, triage_server):
    agent = await set_up(hass, triage_server[0])
    result = await ask(hass, agent, "check my leg pain", None)
    conversation_id = result.conversation_id
    assert result.continue_conversation and "Shall we begin?" in result.response.speech["plain"]["speech"]
    turns = 0
    while result.continue_conversation:
        speech = result.response.speech["plain"]["speech"]
        result = await ask(hass, agent, pad_answer(speech), conversation_id)
        assert result.conversation_id == conversation_id
        turns += 1
        assert turns < 40
    final = result.response.speech["plain"]["speech"]
    assert turns > 5
    assert "peripheral artery disease" in final.lower() and "not a diagnosis" in final.lower()
    # the triage is over: the next words begin nothing and the microphone closes
    after = await ask(hass, agent, "yes", conversation_id)
    assert not after.continue_conversation and "check my leg pain" in after.response.speech["plain"]["speech"]


async def test_stop_ends_the_conversation_and_closes_the_microphone(hass: HomeAssistant, triage_server):
    agent = await set_up(hass, triage_server[0])
    result = await ask(hass, agent, "my legs hurt when I walk", None)
    result = await ask(hass, agent, "yes", result.conversation_id)
    assert result.continue_conversation
    result = await ask(hass, agent, "stop", result.conversation_id)
    assert not result.continue_conversation
    assert "stop" in result.response.speech["plain"]["speech"].lower()


async def test_an_emergency_fires_the_event_and_is_said_first(hass: HomeAssistant, triage_server):
    agent = await set_up(hass, triage_server[0])
    events = async_capture_events(hass, EVENT_EMERGENCY)
    result = await ask(hass, agent, "check my leg pain", None)
    result = await ask(hass, agent, "yes", result.conversation_id)
    result = await ask(hass, agent, "my calf hurts when I walk", result.conversation_id)
    result = await ask(hass, agent, "no", result.conversation_id)  # chest pain: no
    result = await ask(hass, agent, "actually yes, I am really short of breath", result.conversation_id)
    await hass.async_block_till_done()
    speech = result.response.speech["plain"]["speech"]
    assert speech.startswith(INSTRUCTION) and not result.continue_conversation
    assert len(events) == 1
    assert events[0].data["reason"] == "breathlessness" and events[0].data["instruction"] == INSTRUCTION
    assert events[0].data["conversation_id"] == result.conversation_id
    assert "short of breath" not in str(events[0].data)  # what the person said is not put on the bus


async def test_an_emergency_before_any_triage_is_answered_too(hass: HomeAssistant, triage_server):
    agent = await set_up(hass, triage_server[0])
    events = async_capture_events(hass, EVENT_EMERGENCY)
    result = await ask(hass, agent, "I have crushing chest pain", None)
    await hass.async_block_till_done()
    assert result.response.speech["plain"]["speech"].startswith(INSTRUCTION)
    assert [e.data["reason"] for e in events] == ["chest_pain"]


async def test_something_else_is_answered_briefly_and_the_microphone_closes(hass: HomeAssistant, triage_server):
    agent = await set_up(hass, triage_server[0])
    result = await ask(hass, agent, "turn on the kitchen light", None)
    assert not result.continue_conversation
    assert "check my leg pain" in result.response.speech["plain"]["speech"]


async def test_a_server_that_is_down_at_start_leaves_the_entry_not_ready(hass: HomeAssistant):
    """Home Assistant retries (with back-off) instead of offering an agent that cannot answer."""
    assert await async_setup_component(hass, "homeassistant", {})
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_HOST: "127.0.0.1", CONF_PORT: NOBODY}, title="Leg pain check")
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert "no voice-triage server" in (entry.reason or "")


async def test_a_server_that_goes_away_gets_the_advice_and_the_event_on_chest_or_breath_words(hass: HomeAssistant):
    """The server stops after the agent is set up: every utterance is answered with the emergency advice; one
    about the chest or breath also fires the emergency event (unverified: nothing can read it now)."""
    process, port, _ = start_server()
    try:
        agent = await set_up(hass, port)
    finally:
        process.terminate()
        process.wait(15)
    events = async_capture_events(hass, EVENT_EMERGENCY)
    result = await ask(hass, agent, "check my leg pain", None)
    assert result.response.speech["plain"]["speech"] == UNREACHABLE and not result.continue_conversation
    await hass.async_block_till_done()
    assert events == []
    result = await ask(hass, agent, "my chest is tight", None)
    await hass.async_block_till_done()
    assert result.response.speech["plain"]["speech"] == UNREACHABLE_ALARM
    assert UNREACHABLE_ALARM.startswith("If you have chest pain or trouble breathing, call emergency services now.")
    assert [(e.data["reason"], e.data["unverified"]) for e in events] == [("chest_pain", True)]
    result = await ask(hass, agent, "I am so out of breath", None)
    await hass.async_block_till_done()
    assert [e.data["reason"] for e in events] == ["chest_pain", "breathlessness"]
    assert "is tight" not in str(events[0].data) and "so out of" not in str(events[1].data)  # not the words


async def test_reconfigure_moves_the_entry_to_another_server(hass: HomeAssistant, triage_server):
    port = triage_server[0]
    process, other_port, _ = start_server()
    try:
        agent = await set_up(hass, port)
        entry = hass.config_entries.async_entries(DOMAIN)[0]
        result = await entry.start_reconfigure_flow(hass)
        assert result["type"] is FlowResultType.FORM and result["step_id"] == "reconfigure"
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_HOST: "127.0.0.1",
                                                                                     CONF_PORT: NOBODY})
        assert result["type"] is FlowResultType.FORM and result["errors"] == {"base": "cannot_connect"}
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_HOST: "127.0.0.1",
                                                                                     CONF_PORT: other_port})
        assert result["type"] is FlowResultType.ABORT and result["reason"] == "reconfigure_successful"
        await hass.async_block_till_done()
        assert entry.data[CONF_PORT] == other_port and entry.state is ConfigEntryState.LOADED
        answer = await ask(hass, agent, "check my leg pain", None)
        assert "Shall we begin?" in answer.response.speech["plain"]["speech"]
    finally:
        process.terminate()
        process.wait(15)


def _found(port: int, name: str = "voice-triage") -> ZeroconfServiceInfo:
    return ZeroconfServiceInfo(ip_address=ip_address("127.0.0.1"), ip_addresses=[ip_address("127.0.0.1")],
                               hostname="triage.local.", name=f"{name}._wyoming._tcp.local.", port=port,
                               type="_wyoming._tcp.local.", properties={})


async def test_a_server_found_on_the_network_is_offered_and_added_once(hass: HomeAssistant, triage_server):
    """What `voice-triage serve --zeroconf` announces: Home Assistant's discovery matches it to this integration
    (manifest), which checks it answers as voice-triage and asks the user to confirm."""
    assert await async_setup_component(hass, "homeassistant", {})
    matchers = await async_get_zeroconf(hass)
    assert {"domain": DOMAIN, "name": "voice-triage*"} in matchers["_wyoming._tcp.local."]
    port = triage_server[0]
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF},
                                                       data=_found(port))
    assert result["type"] is FlowResultType.FORM and result["step_id"] == "zeroconf_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_HOST: "127.0.0.1", CONF_PORT: port}
    again = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF},
                                                      data=_found(port))
    assert again["type"] is FlowResultType.ABORT and again["reason"] == "already_configured"
    gone = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF},
                                                     data=_found(NOBODY))
    assert gone["type"] is FlowResultType.ABORT and gone["reason"] == "cannot_connect"


async def test_diagnostics_tell_where_the_server_is_and_nothing_that_was_said(hass: HomeAssistant, triage_server):
    agent = await set_up(hass, triage_server[0])
    await ask(hass, agent, "check my leg pain", None, device_id="hall-satellite")
    await ask(hass, agent, "I have crushing chest pain", None)
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    found = await async_get_config_entry_diagnostics(hass, entry)
    assert found["server"]["answers"] is True and found["server"]["programs"][0]["name"] == "voice-triage"
    assert found["server"]["programs"][0]["languages"] == ["en"]
    assert found["satellites_with_a_running_triage"] == 1 and found["emergencies_raised"] == 1
    assert "leg pain" not in json.dumps(found) and "crushing" not in json.dumps(found)


def test_the_integration_is_packaged_for_hacs():
    """hacs.json at the top, and the manifest keys HACS and Home Assistant's checks ask for."""
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert hacs["name"] and hacs["homeassistant"] == "2025.4.0"
    manifest = json.loads((ROOT / "custom_components" / "voice_triage" / "manifest.json").read_text())
    assert manifest["codeowners"] and all(owner.startswith("@") for owner in manifest["codeowners"])
    assert manifest["issue_tracker"].startswith("https://") and manifest["documentation"].startswith("https://")
    assert manifest["version"] and manifest["config_flow"] is True
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"] and keys[2:] == sorted(keys[2:])  # hassfest's order


async def test_a_satellite_that_cannot_keep_the_microphone_open_goes_on_with_its_triage(hass: HomeAssistant,
                                                                                       triage_server):
    """Each answer comes after a new wake word: a new Home Assistant conversation each time, the same device."""
    agent = await set_up(hass, triage_server[0])
    first = await ask(hass, agent, "check my leg pain", None, device_id="kitchen-satellite")
    second = await ask(hass, agent, "yes", None, device_id="kitchen-satellite")
    assert second.conversation_id != first.conversation_id
    assert "tell me about the pain" in second.response.speech["plain"]["speech"]
    other = await ask(hass, agent, "yes", None, device_id="bedroom-satellite")  # another room: nothing running
    assert "check my leg pain" in other.response.speech["plain"]["speech"]
    third = await ask(hass, agent, "stop", None, device_id="kitchen-satellite")
    assert not third.continue_conversation
    fourth = await ask(hass, agent, "yes", None, device_id="kitchen-satellite")  # ended: begins nothing
    assert "check my leg pain" in fourth.response.speech["plain"]["speech"]


async def test_home_assistants_own_wyoming_integration_finds_the_handle_service(hass: HomeAssistant, triage_server):
    """The built-in Wyoming integration pointed at the same server: a conversation agent, one utterance at a
    time. On Home Assistant 2025.4's own wyoming (1.5.4) its transcripts carry no conversation id (that
    version's Transcript.event() drops the context), so each utterance stands alone: a triage can begin but not
    go on, and the emergency instruction still comes first on any utterance."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    entry = MockConfigEntry(domain="wyoming", data={"host": "127.0.0.1", "port": triage_server[0]},
                            title="voice-triage")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    agents = [e for e in hass.states.async_entity_ids("conversation") if e != "conversation.home_assistant"]
    assert len(agents) == 1, agents
    first = await ask(hass, agents[0], "check my leg pain", None)
    assert "Shall we begin?" in first.response.speech["plain"]["speech"] and not first.continue_conversation
    second = await ask(hass, agents[0], "yes", first.conversation_id)
    assert second.conversation_id == first.conversation_id
    assert "To begin, say: check my leg pain" in second.response.speech["plain"]["speech"]
    alarm = await ask(hass, agents[0], "I can't breathe", second.conversation_id)
    assert alarm.response.speech["plain"]["speech"].startswith(INSTRUCTION)


def test_the_tests_run_on_home_assistants_own_wyoming():
    """tests_ha/requirements.txt installs the wyoming that Home Assistant's `wyoming` integration pins (its
    manifest), not a newer one that would hide what users of this Home Assistant get."""
    manifest = json.loads((Path(homeassistant.__file__).parent / "components" / "wyoming" / "manifest.json")
                          .read_text())
    pins = [r for r in manifest["requirements"] if r.startswith("wyoming==")]
    assert pins == [f"wyoming=={version('wyoming')}"], (pins, version("wyoming"))


async def test_a_client_on_home_assistants_wyoming_keeps_each_conversation_across_connections(triage_server):
    """Our agent's client on wyoming 1.5.4: two conversations interleaved, every utterance on a new
    connection; each goes on by its own conversation id."""
    port = triage_server[0]
    a1 = await converse("127.0.0.1", port, "check my leg pain", "old-wyoming-a")
    b1 = await converse("127.0.0.1", port, "check my leg pain", "old-wyoming-b")
    assert a1.handled and b1.handled and a1.context["question"] == b1.context["question"] == "consent"
    a2 = await converse("127.0.0.1", port, "yes", "old-wyoming-a")
    assert a2.handled and a2.context["question"] == "open" and not a2.ended
    b2 = await converse("127.0.0.1", port, "stop", "old-wyoming-b")
    assert b2.ended and b2.context["disposition"] == "incomplete"
    a3 = await converse("127.0.0.1", port, "my calves cramp when I walk and it goes away when I stop",
                        "old-wyoming-a")
    assert a3.handled and not a3.ended and a3.context["question"] not in ("consent", "open")
    assert {r.context["conversation_id"] for r in (a1, a2, a3)} == {"old-wyoming-a"}


async def _other_server(replies: list[bytes]):
    """A Wyoming server that is not voice-triage: answers every event with the next of `replies` (raw lines)."""
    import asyncio

    async def serve(reader, writer):
        for raw in replies:
            await reader.readline()
            writer.write(raw)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def test_another_wyoming_server_is_cannot_connect_not_an_error(hass: HomeAssistant):
    """A server that answers `describe` with an `info` without data (or with a handle list that is no list)
    crashed the config flow on wyoming 1.5.4 (`Info.from_event` asserts): now it is "cannot connect"."""
    assert await async_setup_component(hass, "homeassistant", {})
    for raw in (b'{"type": "info"}\n', b'{"type": "info", "data": {"handle": "voice-triage"}}\n',
                b'{"type": "info", "data": {"handle": [{"name": "something-else"}, 3]}}\n'):
        server, port = await _other_server([raw])
        try:
            result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
            result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_HOST: "127.0.0.1",
                                                                                         CONF_PORT: port})
            assert result["type"] is FlowResultType.FORM and result["errors"] == {"base": "cannot_connect"}, raw
        finally:
            server.close()
