#!/usr/bin/env python3
"""Turns SROIE receipts (box/NNN.csv OCR lines, key/NNN.json labels) into
JSONL records for ann-validate --ground: "text" is the OCR lines joined
by newlines, "words" the same lines with their boxes, "output" the labels.

Usage: sroie_jsonl.py DATASET_DIR > records.jsonl
"""
import json
import os
import sys


def read_lines(path):
    words = []
    with open(path, encoding="utf-8", newline="") as f:
        for raw in f.read().splitlines():
            if not raw.strip():
                continue
            # eight coordinates, then the transcript, which may itself hold commas
            parts = raw.split(",", 8)
            if len(parts) < 9:
                continue
            box = [int(p) for p in parts[:8]]
            words.append({"text": parts[8], "box": box})
    return words


def main():
    top = sys.argv[1]
    for name in sorted(os.listdir(os.path.join(top, "key"))):
        rid = name[:-len(".json")]
        with open(os.path.join(top, "key", name), encoding="utf-8") as f:
            labels = json.load(f)
        words = read_lines(os.path.join(top, "box", rid + ".csv"))
        record = {
            "id": rid,
            "text": "\n".join(w["text"] for w in words),
            "words": words,
            "output": labels,
        }
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
