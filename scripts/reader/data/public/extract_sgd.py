#!/usr/bin/env python3
"""Schema-Guided Dialogue (google-research-datasets/dstc8-schema-guided-dialogue, CC BY-SA 4.0)
-> rows.jsonl.

Input: orig/{train,dev,test}/dialogues_*.json (44 of 171 dialogue files are >= 4 MiB and
were not in the snapshot; 127 present). A row = a USER turn that directly follows a SYSTEM
turn whose acts include CONFIRM ('Please confirm: ... Is that correct?') or OFFER_INTENT
('Would you like to reserve a table?'), i.e. a yes/no question. question = system utterance.
Mapping by the user turn's annotated acts:
  AFFIRM, AFFIRM_INTENT, AFFIRM_INTENT+INFORM          -> yes
  AFFIRM+REQUEST                                      -> yes (answer + follow-up question)
  NEGATE_INTENT, GOODBYE+NEGATE_INTENT                -> no
  INFORM+NEGATE, INFORM_INTENT+NEGATE_INTENT, ...     -> no (usually a correction; some carry
                                                         no explicit 'no' -> noisier)
Deduplicated on the lower-cased answer text per act combination (the corpus is highly
templated), then capped at CAP (pure acts) / CAP_COMBO (combinations) rows by a deterministic hash.
chest_now = breath_now = 0 (service-booking domain).
"""
import glob, hashlib, json, os, re
from rows_out import write_rows  # noqa: E402 (run as a script from this folder)

HERE = os.path.dirname(os.path.abspath(__file__))
CAP = 1500          # pure AFFIRM / NEGATE_INTENT / AFFIRM_INTENT
CAP_COMBO = 600     # act combinations (noisier)
MAP = {"AFFIRM": "yes", "AFFIRM_INTENT": "yes", "AFFIRM_INTENT+INFORM": "yes", "AFFIRM+REQUEST": "yes",
       "NEGATE_INTENT": "no", "GOODBYE+NEGATE_INTENT": "no", "INFORM+NEGATE": "no",
       "INFORM_INTENT+NEGATE_INTENT": "no", "INFORM+INFORM_INTENT+NEGATE_INTENT": "no"}
NOTE = {"AFFIRM+REQUEST": "yes plus a follow-up question", "INFORM+NEGATE": "rejects a confirmation by correcting a slot; may lack an explicit no",
        "INFORM_INTENT+NEGATE_INTENT": "declines the offer and asks for something else",
        "INFORM+INFORM_INTENT+NEGATE_INTENT": "declines the offer and asks for something else",
        "GOODBYE+NEGATE_INTENT": "declines and closes", "AFFIRM_INTENT+INFORM": "accepts and adds details"}

def main():
    groups = {}
    for f in sorted(glob.glob(os.path.join(HERE, "orig/*/dialogues_*.json"))):
        split = os.path.basename(os.path.dirname(f))
        for d in json.load(open(f, encoding="utf-8")):
            prev = None
            for ti, t in enumerate(d["turns"]):
                acts = sorted({a["act"] for fr in t["frames"] for a in fr["actions"]})
                if t["speaker"] == "SYSTEM":
                    prev = (t["utterance"], set(acts))
                    continue
                if prev and prev[1] & {"CONFIRM", "OFFER_INTENT"}:
                    k = "+".join(acts)
                    if k in MAP:
                        key = re.sub(r"\W+", " ", t["utterance"].lower()).strip()
                        g = groups.setdefault(k, {})
                        if key not in g:
                            g[key] = {"source": "sgd", "id": f"sgd:{split}:{d['dialogue_id']}:{ti}",
                                      "question": prev[0], "text": t["utterance"], "raw_label": k,
                                      "answer": MAP[k], "chest_now": 0, "breath_now": 0,
                                      "note": "reply to system " + "/".join(sorted(prev[1] & {"CONFIRM", "OFFER_INTENT"}))
                                              + ("; " + NOTE[k] if k in NOTE else "")}
                prev = None
    rows = []
    for k in sorted(groups):
        rs = sorted(groups[k].values(), key=lambda r: hashlib.md5(r["id"].encode()).hexdigest())[:(CAP if k in ('AFFIRM', 'AFFIRM_INTENT', 'NEGATE_INTENT') else CAP_COMBO)]
        rows += sorted(rs, key=lambda r: r["id"])
    write_rows(rows)

if __name__ == "__main__":
    main()
