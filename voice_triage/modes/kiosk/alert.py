"""The staff alert: a shell command and/or an HTTP POST, run in the background on an emergency.

The spoken emergency instruction never waits for it: :meth:`StaffAlert.fire` starts a daemon
thread and returns at once. A command that fails, an address that does not answer and anything
that takes longer than the timeout is logged as a warning and otherwise ignored.

What the alert carries: the time, the reason (``chest_pain`` or ``breathlessness``) and the kiosk's
configuration name, never what the person said. The command gets them as the environment
variables VOICE_TRIAGE_ALERT_REASON and VOICE_TRIAGE_ALERT_TIME; the POST as a JSON body.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass

from voice_triage.modes.kiosk.config import AlertConfig

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlertOutcome:
    """How one part of one alert went."""

    kind: str
    """``command`` or ``http``."""
    ok: bool
    """True when the command exited 0 or the address answered 2xx."""
    detail: str
    """What happened, for the log: an exit status, an HTTP status, a timeout or an error."""


class StaffAlert:
    """Runs the configured alert in background threads; keeps only the threads still running."""

    def __init__(self, config: AlertConfig, *, name: str = "voice-triage kiosk"):
        self.config = config
        self.name = name
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self.outcomes_seen = 0
        """How many alert parts have finished (ok or not) since the kiosk started."""
        self.failures = 0
        """How many of them failed or timed out."""

    def fire(self, reason: str, when: float) -> threading.Thread | None:
        """Start the alert for an emergency (`reason`, at epoch time `when`); returns at once."""
        if not self.config.enabled:
            return None
        thread = threading.Thread(target=self._run, args=(reason, when), name="staff-alert", daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()
        logger.info("staff alert started (%s)", reason)
        return thread

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the alerts still running (tests, shutdown); True when none is left."""
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            return not self._threads

    def _run(self, reason: str, when: float) -> None:
        stamp = dt.datetime.fromtimestamp(when, dt.timezone.utc).isoformat(timespec="seconds")
        outcomes = []
        if self.config.command:
            outcomes.append(self._command(reason, stamp))
        if self.config.url:
            outcomes.append(self._post(reason, stamp))
        for outcome in outcomes:
            with self._lock:
                self.outcomes_seen += 1
                self.failures += not outcome.ok
            if outcome.ok:
                logger.info("staff alert %s: %s", outcome.kind, outcome.detail)
            else:
                logger.warning("staff alert %s failed: %s", outcome.kind, outcome.detail)

    def _command(self, reason: str, stamp: str) -> AlertOutcome:
        command = self.config.command
        env = dict(os.environ, VOICE_TRIAGE_ALERT_REASON=reason, VOICE_TRIAGE_ALERT_TIME=stamp)
        try:
            done = subprocess.run(command, shell=isinstance(command, str), env=env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  timeout=self.config.timeout, check=False)
        except subprocess.TimeoutExpired:
            return AlertOutcome("command", False, f"no answer after {self.config.timeout:g} s; stopped")
        except OSError as exc:
            return AlertOutcome("command", False, f"could not start ({exc.strerror or exc})")
        if done.returncode != 0:
            err = (done.stderr or b"").decode("utf-8", "replace").strip().splitlines()
            return AlertOutcome("command", False, f"exit status {done.returncode}"
                                + (f": {err[-1][:200]}" if err else ""))
        return AlertOutcome("command", True, "exit status 0")

    def _post(self, reason: str, stamp: str) -> AlertOutcome:
        body = json.dumps({"event": "emergency", "reason": reason, "time": stamp, "kiosk": self.name}).encode()
        request = urllib.request.Request(str(self.config.url), data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        # Never through a proxy: the alert is for a machine on the local network.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=self.config.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            return AlertOutcome("http", False, f"HTTP {exc.code} from {self.config.url}")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            why = getattr(exc, "reason", exc)
            return AlertOutcome("http", False, f"{self.config.url}: {why}")
        return AlertOutcome("http", 200 <= status < 300, f"HTTP {status} from {self.config.url}")
