"""`voice-triage serve --zeroconf`: the service announced on the local network as Wyoming services announce
themselves, found by a zeroconf browser in another process (as Home Assistant's discovery finds it), reachable
at the address announced, and withdrawn when the server stops."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time

import pytest
from wyoming.client import AsyncTcpClient
from wyoming.event import Event
from zeroconf import ServiceBrowser, ServiceListener, Zeroconf

from tests.support.wyoming import ServeProcess
from voice_triage.modes.assistant.discovery import SERVICE_TYPE, AnnounceError, addresses_for, check_name

OUTSIDE = addresses_for("tcp", "0.0.0.0")
"""This machine's own addresses but loopback: what may be announced for a server on 0.0.0.0."""


class Watcher(ServiceListener):
    """What a zeroconf browser sees of `_wyoming._tcp.local.`: name -> (addresses, port), or "removed"."""

    def __init__(self) -> None:
        self.seen: dict[str, object] = {}
        self.changed = threading.Event()

    def add_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        info = zc.get_service_info(type_, name, timeout=3000)
        self.seen[name] = (info.parsed_addresses(), info.port) if info else None
        self.changed.set()

    def update_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        self.add_service(zc, type_, name)

    def remove_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        self.seen[name] = "removed"
        self.changed.set()

    def wait_for(self, name: str, test, timeout: float = 20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if name in self.seen and test(self.seen[name]):
                return self.seen[name]
            self.changed.wait(0.2)
            self.changed.clear()
        raise AssertionError(f"{name}: not seen as expected in {timeout} s: {self.seen}")


async def describe(host: str, port: int) -> Event:
    async with asyncio.timeout(10), AsyncTcpClient(host, port) as client:
        await client.write_event(Event(type="describe"))
        while True:
            event = await client.read_event()
            assert event is not None
            if event.type == "info":
                return event


def test_the_service_is_announced_found_reached_and_withdrawn():
    name = f"voice-triage-test-{os.getpid()}"
    zc = Zeroconf()
    watcher = Watcher()
    browser = ServiceBrowser(zc, SERVICE_TYPE, watcher)
    try:
        with ServeProcess("--zeroconf", name, wyoming="tcp://0.0.0.0:0") as server:
            addresses, port = watcher.wait_for(f"{name}.{SERVICE_TYPE}", lambda seen: isinstance(seen, tuple))
            assert port == server.port
            assert addresses and set(addresses) <= set(OUTSIDE)  # never 0.0.0.0 nor the loopback
            info = asyncio.run(describe(addresses[0], port))
            assert info.data["handle"][0]["name"] == "voice-triage"
            assert server.stop() == 0
            watcher.wait_for(f"{name}.{SERVICE_TYPE}", lambda seen: seen == "removed")  # the goodbye
            assert not any("Traceback" in line for line in server.lines)
    finally:
        browser.cancel()
        zc.close()


@pytest.mark.parametrize("where", ["tcp://127.0.0.1:0", "tcp://localhost:0", "unix:///tmp/voice-triage-zc.sock"])
def test_announcing_what_no_other_machine_can_reach_is_refused_at_start(where):
    done = subprocess.run([sys.executable, "-m", "voice_triage.cli", "serve", "--wyoming", where, "--zeroconf"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "another machine" in done.stderr and "0.0.0.0" in done.stderr
    assert "handle service on" not in done.stderr  # refused before it listened


@pytest.mark.parametrize("name", ["", "a.b", "x" * 64, "bad\nname", "é" * 32, "\udc80"])
def test_a_name_that_cannot_be_announced_is_refused(name):
    with pytest.raises(AnnounceError):
        check_name(name)


def test_a_name_as_long_as_dns_allows_is_taken():
    assert check_name("x" * 63) == "x" * 63
    assert check_name("Küche") == "Küche"


def test_the_addresses_announced_are_the_ones_bound_to():
    assert addresses_for("tcp", "192.0.2.7") == ["192.0.2.7"]
    with pytest.raises(AnnounceError, match="another machine"):
        addresses_for("tcp", "::1")
    for address in OUTSIDE:
        assert not address.startswith("127.") and address != "0.0.0.0"
