#!/usr/bin/env python3
"""MedQuAD (abachaa/MedQuAD, CC BY 4.0) -> rows.jsonl.

Input: orig/**.xml (only documents whose questions mention chest/breath/dyspnea/angina/
wheeze were copied by fetch_orig.py). Each <Question> becomes a row. These are templated
consumer-health questions ABOUT a condition ("What are the symptoms of Angina ?"), never a
person reporting their own current symptom, so chest_now = breath_now = 0 (hard negatives:
topic words present, no own-now report). answer is null (not an answer to a yes/no question).
"""
import glob, html, os, re
from rows_out import write_rows  # noqa: E402 (run as a script from this folder)

HERE = os.path.dirname(os.path.abspath(__file__))
KW = re.compile(r"chest|breath|dyspn|angina|wheez", re.I)

def main():
    rows = []
    for f in sorted(glob.glob(os.path.join(HERE, "orig/**/*.xml"), recursive=True)):
        txt = open(f, encoding="utf-8", errors="replace").read()
        for qid, qtype, q in re.findall(r'<Question\s+qid="([^"]*)"\s+qtype="([^"]*)"\s*>(.*?)</Question>', txt, re.S):
            q = re.sub(r"\s+", " ", html.unescape(q)).strip()
            if not KW.search(q):
                continue
            rows.append({"source": "medquad", "id": f"medquad:{qid}", "question": None, "text": q,
                         "raw_label": qtype, "answer": None, "chest_now": 0, "breath_now": 0,
                         "note": "templated question about a condition, not an own-now report"
                                 + ("; keyword inside a name (e.g. Chester)" if re.search(r"chester", q, re.I) else "")})
    write_rows(rows)

if __name__ == "__main__":
    main()
