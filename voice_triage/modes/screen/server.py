"""The screen's page and its WebSocket, served by websockets' threaded server on one port.

    GET /            the page (static/index.html), /screen.css, /screen.js: from the package, never a network
    GET /ws          the WebSocket: the protocol's events out, the page's answers in (voice_triage.modes.screen.hub)

Bound to 127.0.0.1 unless the owner configures another address. Browsers may only open the socket from the
page's own origin (a web site in another tab cannot talk to the kiosk), and a loopback server answers only
requests addressed to a loopback name (no DNS rebinding). Nothing is cached by the browser.
"""
from __future__ import annotations

import dataclasses
import http
import ipaddress
import logging
import threading
from importlib import resources

from voice_triage.errors import VoiceTriageError
from voice_triage.modes.screen.hub import ScreenHub

logger = logging.getLogger(__name__)

FILES = {"/": ("index.html", "text/html; charset=utf-8"),
         "/index.html": ("index.html", "text/html; charset=utf-8"),
         "/screen.css": ("screen.css", "text/css; charset=utf-8"),
         "/screen.js": ("screen.js", "text/javascript; charset=utf-8")}
"""What the server serves besides the socket, by path."""

SOCKET_PATH = "/ws"

HEADERS = {"Cache-Control": "no-store",
           "Content-Security-Policy": "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
                                      "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
           "X-Content-Type-Options": "nosniff",
           "Referrer-Policy": "no-referrer"}
"""On every page response: nothing cached, nothing from elsewhere, not framed by another site."""


class ScreenError(VoiceTriageError):
    """The screen cannot be served (the port is taken, the address is not this machine's)."""


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ScreenServer:
    """Serves the page and the socket for one ScreenHub on a background thread."""

    def __init__(self, hub: ScreenHub, host: str = "127.0.0.1", port: int = 8765,
                 origins: tuple[str, ...] = ()):
        """`origins`: further page origins allowed to open the socket (beyond the server's own address)."""
        self.hub = hub
        self.host = host
        self.port = port
        self.extra_origins = tuple(origins)
        self._server = None
        self._thread: threading.Thread | None = None
        self._files = {name: resources.files(__package__).joinpath("static", name).read_bytes()
                       for name, _ in FILES.values()}

    # ------------------------------------------------------------------ lifetime

    def start(self) -> "ScreenServer":
        """Bind and serve in the background; raises ScreenError with the reason when the port cannot be had."""
        from websockets.sync.server import serve

        quiet = logging.getLogger("voice_triage.screen.socket")
        quiet.setLevel(logging.WARNING)
        try:
            self._server = serve(self._handle, self.host, self.port, process_request=self._process_request,
                                 origins=None, max_size=self.hub.limits.max_message_bytes,
                                 server_header=None, logger=quiet, compression=None)
        except OSError as exc:
            raise ScreenError(f"the screen cannot be served on {self.host}:{self.port} "
                              f"({exc.strerror or exc}); choose another [screen] port") from None
        self.port = self._server.socket.getsockname()[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="screen-server", daemon=True)
        self._thread.start()
        logger.debug("screen: serving %s", self.url)
        return self

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def close(self) -> None:
        """Stop serving and close the page. Safe to call twice."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        self.hub.close()

    # ------------------------------------------------------------------ requests

    def allowed_hosts(self) -> set[str]:
        """Host header values this server answers (with its port)."""
        names = {self.host, "localhost", "127.0.0.1", "[::1]"} if _loopback(self.host) else {self.host}
        names = {f"[{n}]" if ":" in n and not n.startswith("[") else n for n in names}
        return {f"{n}:{self.port}" for n in names}

    def allowed_origins(self) -> set[str]:
        return {f"http://{h}" for h in self.allowed_hosts()} | set(self.extra_origins)

    def _process_request(self, connection, request):
        path = request.path.split("?", 1)[0]
        host = request.headers.get("Host", "")
        if host not in self.allowed_hosts():
            return self._respond(connection, http.HTTPStatus.MISDIRECTED_REQUEST, "Not this server's address.\n")
        if path == SOCKET_PATH:
            origin = request.headers.get("Origin")
            if origin is not None and origin not in self.allowed_origins():
                logger.warning("screen: a socket from another site (%s) was refused", origin[:80])
                return self._respond(connection, http.HTTPStatus.FORBIDDEN, "This origin may not use the screen.\n")
            if "upgrade" not in request.headers.get("Connection", "").lower():
                return self._respond(connection, http.HTTPStatus.UPGRADE_REQUIRED, "A WebSocket is served here.\n")
            return None
        if path not in FILES:
            return self._respond(connection, http.HTTPStatus.NOT_FOUND, "Not found.\n")
        name, kind = FILES[path]
        return self._respond(connection, http.HTTPStatus.OK, self._files[name], kind)

    @staticmethod
    def _respond(connection, status: http.HTTPStatus, body: str | bytes, kind: str = "text/plain; charset=utf-8"):
        response = connection.respond(status, "")
        data = body.encode("utf-8") if isinstance(body, str) else body
        response = dataclasses.replace(response, body=data)
        headers = response.headers
        for key, value in {"Content-Length": str(len(data)), "Content-Type": kind, **HEADERS}.items():
            if key in headers:
                del headers[key]
            headers[key] = value
        return response

    def _handle(self, connection) -> None:
        """One page's socket, from attach to close; nothing it sends can stop the kiosk."""
        from websockets.exceptions import ConnectionClosed

        self.hub.attach(connection)
        try:
            for message in connection:
                self.hub.receive(connection, message)
        except ConnectionClosed as exc:
            logger.info("screen: a page's connection closed (%s)", exc.rcvd.code if exc.rcvd else "no close frame")
        except Exception:
            logger.exception("screen: unexpected error on a page's connection")
        finally:
            self.hub.detach(connection)
