"""`voice-triage kiosk [--config FILE]`: run the kiosk loop on the system clock until Ctrl-C or SIGTERM.

The channel and the sessions come wired from the composition root (voice_triage.cli)."""
from __future__ import annotations

import logging
import signal
import threading
from typing import Any, Callable

from voice_triage import modes
from voice_triage.dialogue.triage import Triage
from voice_triage.modes.kiosk.channel import SystemClock
from voice_triage.modes.kiosk.config import KioskConfig
from voice_triage.modes.kiosk.loop import ChannelFactory, counted, run_kiosk

logger = logging.getLogger(__name__)

EXIT_STOPPED = 0
"""Stopped by SIGTERM (a service manager): a normal stop."""
EXIT_INTERRUPTED = modes.EXIT_INTERRUPTED
"""Stopped by Ctrl-C: 130, as in every mode."""


def kiosk_main(config: KioskConfig, channel_factory: ChannelFactory, *,
               session_factory: Callable[[], Triage] | None = None) -> int:
    """Run the kiosk until Ctrl-C or SIGTERM; returns 130 after Ctrl-C, 0 after SIGTERM.

    A missing microphone or speaker is retried with back-off, for as long as it takes. SIGTERM is handled
    like Ctrl-C, so a service manager stopping the kiosk still lets the person present hear the
    safety-net advice and restores the terminal.
    """
    terminated = threading.Event()

    def on_sigterm(signum: int, frame: Any) -> None:
        terminated.set()
        raise KeyboardInterrupt

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        report = run_kiosk(config, channel_factory, SystemClock(), session_factory=session_factory)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    endings = ", ".join(f"{n} {how}" for how, n in report.endings.most_common())
    logger.info("kiosk summary: %s%s, %s, %s", counted(report.sessions, "session"), f" ({endings})" if endings else "",
                counted(report.emergencies, "emergency", "emergencies"), counted(report.device_losses, "device loss",
                                                                                 "device losses"))
    if not report.interrupted:
        return EXIT_STOPPED
    return EXIT_STOPPED if terminated.is_set() else EXIT_INTERRUPTED
