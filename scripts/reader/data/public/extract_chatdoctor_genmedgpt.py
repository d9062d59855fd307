#!/usr/bin/env python3
"""GenMedGPT-5k (Kent0n-Li/ChatDoctor, chatdoctor5k.json) -> rows.jsonl.

5,452 ChatGPT-generated patient->doctor openings ("Doctor, I have been experiencing ...").
There are NO gold labels for our task: chest_now/breath_now are SILVER labels from the
regular expressions below, applied to the patient's first-person text ('input' field):
  chest_now=1  chest pain/pressure/tightness/discomfort/heaviness (or 'pain in my chest'),
               not in a negation window; 0 if no chest keyword at all;
               null for other chest mentions (congestion, 'heart jumping out of my chest', negated...)
  breath_now=1 shortness of breath / short of breath / difficulty|trouble breathing /
               can't breathe / hurts to breathe / breathless / out of breath; 0 if no
               breath keyword at all; null otherwise (e.g. wheezing only, negated).
Kept: every row with a chest/breath keyword + a deterministic sample of OTHER_N others.
answer is null (these are complaints, not answers to a yes/no question).
"""
import hashlib, json, os, re
from rows_out import write_rows  # noqa: E402 (run as a script from this folder)

HERE = os.path.dirname(os.path.abspath(__file__))
OTHER_N = 400
NEG = r"(?:\bno\b|\bnot\b|n't\b|\bdenies\b|\bwithout\b|\bnever\b)[^.;,]{0,25}"
CHEST_POS = re.compile(r"chest\s+(pain|pressure|tightness|discomfort|heaviness|ache)|sharp\s+chest\s+and|(pain|tightness|pressure|discomfort|heaviness|squeez\w*)[^.]{0,20}\s(in|on)\s+(my|the)\s+chest|(tight|heavy)\s+chest|chest\s+(feels|is)\s+(tight|heavy|like\s+it'?s\s+being\s+squeezed)", re.I)
CHEST_KW = re.compile(r"chest", re.I)
BREATH_POS = re.compile(r"short(ness)?\s+of\s+breath|(difficulty|trouble|problems?)\s+(in\s+)?(swallowing\s+and\s+)?breath(ing|e)|breathing\s+(difficult\w*|problems?|troubles?)|breathing\s+is\s+(difficult|hard|laboured|labored)|(can'?t|cannot)\s+breathe|hurts?\s+to\s+breathe?|breathless|out\s+of\s+breath|(hard(er)?|difficult)\s+to\s+breathe|((can'?t|cannot|unable\s+to)\s+)?catch\s+my\s+breath", re.I)
BREATH_KW = re.compile(r"breath|dyspn|wheez", re.I)

def lab(text, pos, kw):
    if not kw.search(text):
        return 0
    m = pos.search(text)
    if m and not re.search(NEG + r"$", text[:m.start()], re.I):
        return 1
    return None

def main():
    data = json.load(open(os.path.join(HERE, "orig/chatdoctor5k.json"), encoding="utf-8"))
    rows, others = [], []
    for i, ex in enumerate(data):
        text = re.sub(r"\s+", " ", ex.get("input", "")).strip()
        if not text:
            continue
        c, b = lab(text, CHEST_POS, CHEST_KW), lab(text, BREATH_POS, BREATH_KW)
        r = {"source": "chatdoctor_genmedgpt", "id": f"genmedgpt5k:{i}", "question": None, "text": text,
             "raw_label": None, "answer": None, "chest_now": c, "breath_now": b,
             "note": "ChatGPT-generated first-person complaint; chest/breath labels are regex SILVER labels"}
        (rows if (CHEST_KW.search(text) or BREATH_KW.search(text)) else others).append(r)
    others.sort(key=lambda r: hashlib.md5(r["id"].encode()).hexdigest())
    rows += others[:OTHER_N]
    write_rows(rows)

if __name__ == "__main__":
    main()
