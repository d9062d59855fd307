"""`voice-triage kiosk [--config FILE]`: wire the real channel, the system clock and the kiosk loop."""
from __future__ import annotations

import logging
import signal
import sys
import threading
from typing import Any, TextIO

from voice_triage import modes
from voice_triage.modes.kiosk.channel import SystemClock
from voice_triage.modes.kiosk.config import load_config, with_overrides
from voice_triage.modes.kiosk.loop import run_kiosk

logger = logging.getLogger(__name__)

EXIT_STOPPED = 0
"""Stopped by SIGTERM (a service manager): a normal stop."""
EXIT_INTERRUPTED = modes.EXIT_INTERRUPTED
"""Stopped by Ctrl-C: 130, as in every mode."""


def kiosk_main(config_path: str | None = None, *, overrides: dict[str, dict[str, Any]] | None = None,
               stdin: TextIO | None = None, captions_stream: TextIO | None = None) -> int:
    """Run the kiosk until Ctrl-C or SIGTERM; returns 130 after Ctrl-C, 0 after SIGTERM.

    A bad configuration file raises KioskConfigError (a VoiceTriageError: the CLI prints its one
    line and exits 2) before any device is opened. A missing microphone or speaker is retried
    with back-off, for as long as it takes. SIGTERM is handled like Ctrl-C, so a service manager
    stopping the kiosk still lets the person present hear the safety-net advice and restores the
    terminal.
    """
    config = with_overrides(load_config(config_path), overrides or {})
    if config.audio.input_device is not None:
        from voice_triage.audio.sources import check_input_device

        check_input_device(config.audio.input_device)  # a named microphone that does not exist: one line, exit 2

    def channel_factory():
        from voice_triage.modes.kiosk.voice import open_voice_channel

        return open_voice_channel(config, stdin=stdin if stdin is not None else sys.stdin,
                                  captions_stream=captions_stream)

    terminated = threading.Event()

    def on_sigterm(signum: int, frame: Any) -> None:
        terminated.set()
        raise KeyboardInterrupt

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        report = run_kiosk(config, channel_factory, SystemClock())
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    logger.info("kiosk stopped: %d sessions, endings %s, %d emergencies, %d device losses", report.sessions,
                dict(report.endings), report.emergencies, report.device_losses)
    if not report.interrupted:
        return EXIT_STOPPED
    return EXIT_STOPPED if terminated.is_set() else EXIT_INTERRUPTED
