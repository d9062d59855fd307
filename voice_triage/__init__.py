"""voice-triage: offline, hands-free triage of leg pain that comes with walking.

The public API (voice_triage.dialogue.triage): `Triage`, the typed events of its `Turn`, and `Heard`::

    from voice_triage import Triage
    triage = Triage()
    turn = triage.start()
    turn = triage.hear("yes")

Imported on first use, so `import voice_triage` stays cheap for commands that hold no conversation.
"""

__version__ = "0.1.0"

_API = {
    "Triage": "voice_triage.dialogue.triage",
    "Turn": "voice_triage.dialogue.events",
    "Heard": "voice_triage.dialogue.events",
    "HeardKind": "voice_triage.dialogue.events",
    "SayEvent": "voice_triage.dialogue.events",
    "ListenEvent": "voice_triage.dialogue.events",
    "HeardEvent": "voice_triage.dialogue.events",
    "EmergencyEvent": "voice_triage.dialogue.events",
    "EndEvent": "voice_triage.dialogue.events",
    "DialoguePolicy": "voice_triage.dialogue.policy",
    "Disposition": "voice_triage.content.model",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str):
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'voice_triage' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
