#!/usr/bin/env python3
"""CLINC150 / oos-eval (clinc/oos-eval, CC BY 3.0) -> rows.jsonl.

Input: orig/data/data_full.json (train+val+test, in-scope 150 intents + oos).
Mapping: yes->yes, no->no, maybe->unsure, repeat->cmd_repeat, cancel->cmd_stop,
what_can_i_ask_you->cmd_help (all rows of these intents); every other intent:
deterministic sample of OTHER_PER_INTENT rows -> other; oos: sample of OOS_N rows
plus every oos/in-scope row mentioning chest/breath/heart/lung -> other (keyword hits
are kept as hard negatives for chest_now/breath_now: none reports own current symptoms).
"""
import json, os, re, hashlib
from rows_out import write_rows  # noqa: E402 (run as a script from this folder)

HERE = os.path.dirname(os.path.abspath(__file__))
OTHER_PER_INTENT, OOS_N = 5, 150
MAP = {"yes": "yes", "no": "no", "maybe": "unsure", "repeat": "cmd_repeat",
       "cancel": "cmd_stop", "what_can_i_ask_you": "cmd_help"}
NOTE = {"yes": "agreement/true-statement phrasing", "no": "disagreement/false-statement phrasing",
        "maybe": "uncertain / don't know", "repeat": "asks to repeat",
        "cancel": "stop/cancel/be quiet", "what_can_i_ask_you": "asks what the assistant can do (help-like)"}
KW = re.compile(r"\b(chests?|breath\w*|heart|lungs?|wheez\w*)\b", re.I)

def h(s):
    return hashlib.md5(s.encode()).hexdigest()

def main():
    d = json.load(open(os.path.join(HERE, "orig/data/data_full.json"), encoding="utf-8"))
    rows, by_intent = [], {}
    for split in ("train", "val", "test", "oos_train", "oos_val", "oos_test"):
        for i, (text, intent) in enumerate(d[split]):
            by_intent.setdefault(intent, []).append((f"{split}:{i}", text))
    for intent in sorted(by_intent):
        items = by_intent[intent]
        if intent in MAP:
            chosen = items
        else:
            n = OOS_N if intent == "oos" else OTHER_PER_INTENT
            ranked = sorted(items, key=lambda x: h(intent + x[0]))
            chosen = ranked[:n] + [x for x in ranked[n:] if KW.search(x[1])]
        for rid, text in chosen:
            kw = bool(KW.search(text))
            rows.append({"source": "clinc150", "id": f"clinc150:{intent}:{rid}", "question": None,
                         "text": text, "raw_label": intent, "answer": MAP.get(intent, "other"),
                         "chest_now": 0, "breath_now": 0,
                         "note": NOTE.get(intent, "out-of-scope query" if intent == "oos" else "unrelated assistant request (sampled)")
                                 + ("; mentions chest/breath/heart but not own current symptom" if kw else "")})
    write_rows(rows)

if __name__ == "__main__":
    main()
