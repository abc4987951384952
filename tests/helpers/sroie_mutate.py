#!/usr/bin/env python3
"""Reads records from sroie_jsonl.py and writes, for each, copies whose
answer has one changed digit or one invented value that the OCR text does
not contain. Each copy's id names the receipt and the changed field:
"NNN:total-digit", "NNN:date-digit", "NNN:total-invented",
"NNN:company-invented".

Usage: sroie_mutate.py < records.jsonl > mutated.jsonl
"""
import json
import re
import sys

NUMBER = re.compile(r"[0-9][0-9,.]*[0-9]|[0-9]")


def numbers_in(text):
    """Every value a number token of the text (or a piece between separators) can have."""
    values = set()
    for token in NUMBER.findall(text):
        for piece in [token] + re.split(r"[.,]", token):
            try:
                values.add(round(float(piece.replace(",", "")), 6))
            except ValueError:
                pass
    return values


def as_number(s):
    digits = re.sub(r"[^0-9.]", "", s)
    try:
        return round(float(digits), 6)
    except ValueError:
        return None


def change_digit(value, text, is_taken):
    """The value with one digit changed to a string the text does not hold."""
    for pos in range(len(value) - 1, -1, -1):
        if not value[pos].isdigit():
            continue
        for step in range(1, 10):
            digit = str((int(value[pos]) + step) % 10)
            changed = value[:pos] + digit + value[pos + 1:]
            if changed not in text and not is_taken(changed):
                return changed
    return None


def main():
    for line in sys.stdin:
        record = json.loads(line)
        text = record["text"]
        numbers = numbers_in(text)
        labels = record["output"]

        def emit(suffix, field, value):
            out = dict(record)
            out["id"] = record["id"] + ":" + suffix
            out["output"] = dict(labels, **{field: value})
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")

        total = labels.get("total")
        if total:
            changed = change_digit(total, text, lambda s: as_number(s) in numbers)
            if changed:
                emit("total-digit", "total", changed)
            invented = "%.2f" % ((as_number(total) or 1) * 7 + 0.03)
            if as_number(invented) not in numbers and invented not in text:
                emit("total-invented", "total", invented)
        date = labels.get("date")
        if date:
            changed = change_digit(date, text, lambda s: False)
            if changed:
                emit("date-digit", "date", changed)
        company = "ZENITH QUANTUM TRADING"
        if company not in text.upper():
            emit("company-invented", "company", company)


if __name__ == "__main__":
    main()
