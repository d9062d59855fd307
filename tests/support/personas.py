"""Our own patients (tests/data/own_personas.json) and what each says at a question, for every front end's tests."""
from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PERSONAS = json.loads((ROOT / "tests" / "data" / "own_personas.json").read_text(encoding="utf-8"))["personas"]
"""Our own patients (facts, their own words at the open question, an interjection at a late turn)."""


CALF_CLAUDICATION = {"features": {"stops_with_rest": "yes", "calf_pain": "yes", "cramping_heaviness": "yes"},
                     "open": "my calves cramp when I walk and it goes away when I stop"}
"""A person whose calves cramp on walking and ease with rest (P3): yes to these, no to everything else (the voice
pipeline's and the OVOS skill's whole triages)."""


def answer(persona: dict, question: str, turn_number: int, feature: str | None = None,
           value: str | None = None) -> str:
    """What `persona` says at `question` (at a confirmation: of `feature` heard as `value`), as
    shared/tools/sim_patient.py has a persona answer."""
    interject = persona.get("interject")
    if interject and turn_number == interject["at_turn"]:
        return interject["text"]
    facts = persona["features"]
    if question == "consent":
        return "yes"
    if question == "open":
        return persona.get("open", "it hurts when I walk")
    if question == "more":
        return "no"
    if question == "confirm":
        return "yes" if facts.get(feature or "", "no") == value else "no"
    return {"yes": "yes", "no": "no", "unsure": "I'm not sure"}[facts.get(question, "no")]
