"""voice-triage: offline, hands-free triage of leg pain that comes with walking."""

__version__ = "0.1.0"
