"""When the voice-triage server cannot be reached, the integration cannot understand what was said; it still
must not let an emergency pass without the event that automations (a call to a relative, lights on) hang on.
So the words are looked at here, crudely and on the side of safety: any word about the chest or heart, or about
breath, fires `voice_triage_emergency` with `unverified: true` (a denial such as "no chest pain" fires it too:
a false alarm is the lesser harm while nothing can tell them apart). What is said aloud is the same either way:
the advice to call emergency services on chest pain or trouble breathing (const.UNREACHABLE)."""
from __future__ import annotations

import re

_CHEST = re.compile(r"\b(chest|heart|angina|tight(ness)?\s+(in|across)\s+my\s+(chest|breast))", re.IGNORECASE)
_BREATH = re.compile(r"\b(breath\w*|breathe\w*|short\s+of\s+wind|suffocat\w*|chok\w*|gasp\w*|wheez\w*|"
                     r"can'?t\s+get\s+(my\s+)?air|air\s+hunger)", re.IGNORECASE)


def unverified_emergency(text: str) -> str | None:
    """chest_pain or breathlessness when `text` mentions the chest or heart, or breath; else None."""
    if not isinstance(text, str):
        return None
    if _CHEST.search(text):
        return "chest_pain"
    if _BREATH.search(text):
        return "breathlessness"
    return None
