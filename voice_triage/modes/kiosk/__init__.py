"""Kiosk mode: one session after another for whoever walks up (issue 5).

    config   the TOML configuration file, checked at start-up
    channel  the Channel and Clock protocols
    loop     run_kiosk: the endless loop of sessions around the one conversation loop
    alert    the staff alert (command and/or HTTP POST) in the background
    sessionlog  the opt-in JSON-lines session log with size-based rotation
    app      kiosk_main, what `voice-triage kiosk` calls

Importing this package loads no sound or speech library.
"""
from voice_triage.modes.kiosk.app import kiosk_main
from voice_triage.modes.kiosk.channel import Channel, Clock, SystemClock
from voice_triage.modes.kiosk.config import KioskConfig, KioskConfigError, load_config, parse_config
from voice_triage.modes.kiosk.loop import KioskOptions, KioskReport, run_kiosk

__all__ = ["Channel", "Clock", "KioskConfig", "KioskConfigError", "KioskOptions", "KioskReport", "SystemClock",
           "kiosk_main", "load_config", "parse_config", "run_kiosk"]
