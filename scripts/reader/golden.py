#!/usr/bin/env python3
"""Write tests/data/reader_golden.json: what the shipped reader reads of a few dozen utterances (our own wording),
so that a changed tokenizer, export or ONNX Runtime that reads differently is caught (tests/understanding/
test_reader.py). Run after training a new model: python scripts/reader/golden.py"""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from voice_triage.understanding.reader import Reader

ROOT = Path(__file__).resolve().parents[2]
CASES = [
    ("consent", "yes please"), ("consent", "aye go on then"), ("consent", "not today thanks"),
    ("open", "my calf cramps after a few hundred yards and eases when I stop"),
    ("open", "my chest has been tight since this morning"), ("open", "I can't get my breath"),
    ("chest_pain", "no"), ("chest_pain", "a bit of pressure maybe"), ("chest_pain", "chest? nah, it's fine"),
    ("breathlessness", "no I'm breathing fine"), ("breathlessness", "I'm puffed out just sitting here"),
    ("rest_pain", "not during the day but it wakes me at night"), ("rest_pain", "no, in bed it's fine"),
    ("rest_pain", "yes... no sorry it doesn't"), ("cold_leg", "naw they're both the same"),
    ("cold_leg", "the left one's colder, aye"), ("cold_leg", "no... but my chest is tight now"),
    ("discoloration", "I couldn't tell you, my eyes aren't good"), ("discoloration", "no o"),
    ("one_leg_swelling", "she says no, both ankles"), ("warm_red_leg", "it's a wee bit warm"),
    ("calf_pain", "stop, we'll do this another time"), ("calf_pain", "can you say that again"),
    ("calf_pain", "why do you want to know that"), ("calf_pain", "what do you mean by calf"),
    ("stops_with_rest", "hang on, I got the last one wrong"), ("stops_with_rest", "it stops when I stop walking"),
    ("stops_with_rest", "I have to stop every hundred yards"), ("radiates_from_back", "my back hurts"),
    ("shooting_pain", "my wife has chest pain"), ("shooting_pain", "I had a heart attack ten years ago, fine since"),
    ("inner_shin", "me chest a hurt me bad bad"), ("inner_shin", "i cant catch my bread"),
    ("worse_with_movement", "no, only the legs, just the calves"), ("ankle_swelling", "I have bad breath"),
    ("heavy_tired_legs", "my legs feel like lead"), ("more", "no that's everything"),
    ("more", "my dad says his chest feels squeezed"),
]


def main() -> None:
    data = yaml.safe_load((ROOT / "prompts" / "questions.yaml").read_text(encoding="utf-8"))
    asked = {k: v["ask"] for k, v in {**data["questions"], **data["meta"]}.items()}
    reader = Reader.load()
    out = []
    for qid, text in CASES:
        got = reader.read(asked[qid], text)
        out.append({"question_id": qid, "question": asked[qid], "text": text, "answer": got.answer,
                    "answer_p": round(got.answer_p, 4), "chest": round(got.chest, 4), "breath": round(got.breath, 4)})
    path = ROOT / "tests" / "data" / "reader_golden.json"
    path.write_text(json.dumps({"about": __doc__.splitlines()[0], "model_sha256": reader.meta["sha256"],
                                "cases": out}, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(out)} cases to {path}")


if __name__ == "__main__":
    main()
