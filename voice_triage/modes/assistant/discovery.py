"""`serve --zeroconf`: announce the handle service on the local network the way Wyoming services do, so that
Home Assistant finds it (its zeroconf discovery of `_wyoming._tcp.local.`, as for wyoming-piper and
wyoming-faster-whisper) and offers to add it.

The announcement is made with python-zeroconf (the library Home Assistant itself uses), once the server
listens, and withdrawn (a goodbye packet) when it stops. It names the addresses a client can really reach: the
one the server is bound to, or, bound to every address (0.0.0.0, ::), those of the machine's interfaces but
loopback. A server on the loopback or a unix socket cannot be reached from another machine: asking to announce
it is an error said at start. Nothing of a conversation is in the announcement: a name, addresses and a port.
"""
from __future__ import annotations

import ipaddress
import logging
import socket

from voice_triage.errors import VoiceTriageError

logger = logging.getLogger(__name__)

SERVICE_TYPE = "_wyoming._tcp.local."
"""What Home Assistant's Wyoming discovery browses for (homeassistant/components/wyoming/manifest.json)."""
DEFAULT_NAME = "voice-triage"
"""The instance name when `--zeroconf` is given without one (wyoming-piper says "piper")."""
MAX_NAME = 63
"""Bytes of a DNS label: the longest instance name."""


class AnnounceError(VoiceTriageError):
    """The service cannot be announced as asked (a loopback or unix address, a bad name)."""


def check_name(name: str) -> str:
    """`name` if it can be an instance name (1-63 bytes of UTF-8, printable, no dot), else AnnounceError."""
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        size = 0
    if not 0 < size <= MAX_NAME or "." in name or not name.isprintable():
        raise AnnounceError(f"--zeroconf name {name!r}: use 1-{MAX_NAME} bytes of printable text without a dot")
    return name


def addresses_for(kind: str, host: str) -> list[str]:
    """The addresses to announce for a server listening on `host` (kind tcp or unix); AnnounceError when no
    other machine could reach it."""
    if kind != "tcp":
        raise AnnounceError("--zeroconf announces a TCP service; a unix socket cannot be reached from another "
                            "machine: listen on tcp://0.0.0.0:10700 (or an address of this machine)")
    try:
        bound = ipaddress.ip_address(host)
    except ValueError:  # a host name: what it resolves to
        try:
            bound = ipaddress.ip_address(socket.getaddrinfo(host, None)[0][4][0])
        except (OSError, IndexError, ValueError):
            raise AnnounceError(f"--zeroconf: cannot tell the address of {host!r}") from None
    if bound.is_loopback:
        raise AnnounceError(f"--zeroconf: the server listens on {host}, this machine only; another machine could "
                            "not reach it. Listen on tcp://0.0.0.0:10700 (or an address of this machine)")
    if not bound.is_unspecified:
        return [str(bound)]
    found = _interface_addresses(ipv6=bound.version == 6)
    if not found:
        raise AnnounceError("--zeroconf: this machine has no network address but loopback to announce")
    return found


def _interface_addresses(ipv6: bool) -> list[str]:
    """The machine's own addresses but loopback and link-local ones (IPv4; and IPv6 for a server on ::)."""
    import ifaddr  # a dependency of zeroconf

    out: list[str] = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            text = ip.ip if isinstance(ip.ip, str) else ip.ip[0]
            try:
                address = ipaddress.ip_address(text.split("%")[0])
            except ValueError:
                continue
            if address.is_loopback or address.is_link_local or (address.version == 6 and not ipv6):
                continue
            if str(address) not in out:
                out.append(str(address))
    return out


class Announcer:
    """One announced service: `start()` once the server listens, `stop()` when it stops."""

    def __init__(self, name: str, kind: str, host: str):
        """Checks the name and the address at once (AnnounceError), before the server listens."""
        self.name = check_name(name)
        self.addresses = addresses_for(kind, host)
        self.port = 0
        self._zeroconf = None
        self._info = None

    @property
    def instance(self) -> str:
        return f"{self.name}.{SERVICE_TYPE}"

    async def start(self, port: int) -> bool:
        """Announce the service on `port`; False (said in the log, the server goes on) when the network
        refuses it."""
        self.port = port
        from zeroconf import IPVersion
        from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

        version = IPVersion.All if any(":" in a for a in self.addresses) else IPVersion.V4Only
        self._info = AsyncServiceInfo(SERVICE_TYPE, self.instance, port=self.port,
                                      parsed_addresses=self.addresses, server=f"{socket.gethostname()}.local.")
        try:
            self._zeroconf = AsyncZeroconf(ip_version=version)
            await self._zeroconf.async_register_service(self._info, allow_name_change=True)
        except Exception as exc:  # noqa: BLE001 - zeroconf raises OSError and its own errors; serving goes on
            logger.warning("zeroconf: could not announce %s (%s); Home Assistant can still add it by address",
                           self.instance, exc)
            await self.stop()
            return False
        logger.info("zeroconf: announced %s at %s port %d", self._info.name, ", ".join(self.addresses), self.port)
        return True

    async def stop(self) -> None:
        """Withdraw the announcement (a goodbye) and close the socket; safe to call twice."""
        zc, self._zeroconf = self._zeroconf, None
        if zc is None:
            return
        try:
            if self._info is not None:
                await zc.async_unregister_all_services()
        except Exception as exc:  # noqa: BLE001 - a failed goodbye must not stop the server stopping
            logger.warning("zeroconf: could not withdraw the announcement (%s)", exc)
        finally:
            await zc.async_close()
