#!/usr/bin/env python3
"""Builds the end-to-end test's input from the shared test data.

    convert.py receipts DIR OUT   SROIE receipts: box/NNN.csv, key/NNN.json
    convert.py invoices DIR OUT   invoices: NAME.pdf with NAME.json labels

Writes three files to OUT:
  documents.jsonl  ann-prompt's input: id, and text with words, or a pdf
                   path relative to DIR;
  labels.jsonl     id and output, the labels cut to the fields of the test's
                   schema: the mock's answers and ann-eval's reference;
  labelled.jsonl   each document with its labels as output, for validating
                   the labels themselves.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def schema_fields(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        return list(json.load(f)["properties"])


def ocr_lines(path):
    words = []
    with open(path, encoding="utf-8", newline="") as f:
        for raw in f.read().splitlines():
            # eight box coordinates, then the transcript, commas and all
            parts = raw.split(",", 8)
            if len(parts) < 9 or not parts[8].strip():
                continue
            words.append({"text": parts[8], "box": [int(p) for p in parts[:8]]})
    return words


def receipts(top):
    fields = schema_fields("receipt.schema.json")
    for name in sorted(os.listdir(os.path.join(top, "key"))):
        rid = name[:-len(".json")]
        with open(os.path.join(top, "key", name), encoding="utf-8") as f:
            label = json.load(f)
        words = ocr_lines(os.path.join(top, "box", rid + ".csv"))
        doc = {"id": "sroie-" + rid,
               "text": "\n".join(w["text"] for w in words), "words": words}
        yield doc, {k: label[k] for k in fields if k in label}


def invoices(top):
    fields = schema_fields("invoice-pdf.schema.json")
    for name in sorted(os.listdir(top)):
        if not name.endswith(".pdf"):
            continue
        stem = name[:-len(".pdf")]
        with open(os.path.join(top, stem + ".json"), encoding="utf-8") as f:
            label = json.load(f)
        if isinstance(label, list):
            label = label[0]
        doc = {"id": "pdf-" + stem, "pdf": name}
        yield doc, {k: label[k] for k in fields if k in label}


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("receipts", "invoices"):
        sys.exit("usage: convert.py receipts|invoices DIR OUT")
    kind, top, out = sys.argv[1:]
    gen = receipts if kind == "receipts" else invoices
    with open(os.path.join(out, "documents.jsonl"), "w", encoding="utf-8") as d, \
            open(os.path.join(out, "labels.jsonl"), "w", encoding="utf-8") as l, \
            open(os.path.join(out, "labelled.jsonl"), "w", encoding="utf-8") as b:
        for doc, label in gen(top):
            b.write(json.dumps(dict(doc, output=label), ensure_ascii=False) + "\n")
            d.write(json.dumps(doc, ensure_ascii=False) + "\n")
            l.write(json.dumps({"id": doc["id"], "output": label},
                               ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
