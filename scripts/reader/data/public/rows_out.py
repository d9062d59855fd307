"""What every extract script ends with: its rows, one JSON object a line, in rows.jsonl beside the scripts."""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def write_rows(rows, name="rows.jsonl"):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as out:
        for r in rows:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(len(rows), "rows")
