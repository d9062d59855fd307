"""Constants of the Voice Triage integration."""

DOMAIN = "voice_triage"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 10700
EVENT_EMERGENCY = "voice_triage_emergency"
"""Fired on Home Assistant's bus when a person says something that needs emergency care (chest pain,
trouble breathing): data conversation_id, device_id, reason, instruction, unverified. What the person said is
not in it. `unverified` is true when the server could not be reached and the integration fired it on a word
about the chest or breath alone (fallback.py)."""
SERVICE_NAME = "voice-triage"
"""The handle program the voice-triage server describes itself as."""
TIMEOUT = 10.0
"""Seconds to wait for the server's reply."""
UNREACHABLE = ("I cannot reach the leg pain assistant just now. If you have chest pain or trouble breathing, "
               "call emergency services now.")
"""What is said when the server does not answer (the emergency advice goes with it)."""
UNREACHABLE_ALARM = ("If you have chest pain or trouble breathing, call emergency services now. I cannot reach the "
                     "leg pain assistant just now.")
"""The same when the words were about the chest or breath: the advice first."""
DEVICE_IDLE = 300.0
"""Seconds a satellite's running triage waits for its next answer (the server forgets it after as long)."""
