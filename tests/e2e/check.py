#!/usr/bin/env python3
"""Checks one end-to-end run left by pipeline.sh and prints its figures.

    check.py OUT_DIR LABELS_CHECKED

LABELS_CHECKED is the output of the run's ann-validate stage on the labels
themselves, with the documents' text. A label that fails there disagrees with
its own document (an OCR line break, a digit the OCR lost). The mock serves
that label as the model's output, so the document cannot end valid either,
and such documents are counted apart. Exits 1 with a message on the first
failed assertion.
"""
import json
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def fail(msg):
    print("e2e check: " + msg)
    sys.exit(1)


def main():
    out, checked = sys.argv[1], sys.argv[2]
    docs = [r["id"] for r in load(out + "/documents.jsonl")]
    dataset = load(out + "/dataset.jsonl")
    n = len(docs)
    if n == 0:
        fail("no documents")

    # Every document reaches the dataset exactly once.
    seen = {}
    for r in dataset:
        seen[r["id"]] = seen.get(r["id"], 0) + 1
    dups = sorted(k for k, c in seen.items() if c > 1)
    lost = sorted(set(docs) - set(seen))
    strays = sorted(set(seen) - set(docs))
    if dups or lost or strays or len(dataset) != n:
        fail("dataset has %d records for %d documents; twice: %s; lost: %s; unknown: %s"
             % (len(dataset), n, dups, lost, strays))

    # At least 99% end valid, not counting labels that fail validation themselves.
    bad_labels = {r["id"] for r in load(checked)
                  if not r.get("validation", {}).get("valid")}
    valid = {r["id"] for r in dataset
             if (r.get("validation") or {}).get("valid") is True}
    invalid = sorted(set(docs) - valid)
    unexplained = [i for i in invalid if i not in bad_labels]
    fair = n - len(bad_labels & set(docs))
    share = (fair - len(unexplained)) / fair
    if share < 0.99:
        fail("%d of %d documents with consistent labels ended invalid: %s"
             % (len(unexplained), fair, unexplained))

    # F1 >= 0.99 for every field.
    with open(out + "/eval.json", encoding="utf-8") as f:
        ev = json.load(f)
    fields = ev["fields"]
    if not fields or ev["records"]["paired"] != n:
        fail("ann-eval paired %d records of %d" % (ev["records"]["paired"], n))
    worst = min(fields, key=lambda k: fields[k]["f1"])
    if fields[worst]["f1"] < 0.99:
        fail("F1 of %s is %s" % (worst, fields[worst]["f1"]))

    # The mock saw no call that the retries do not explain.
    with open(out + "/mock-stats.json", encoding="utf-8") as f:
        st = json.load(f)
    ft = st["faults"]
    injected = ft["throttle"] + ft["unavailable"] + ft["reset"]
    others = sum(v for k, v in ft.items() if k not in ("throttle", "unavailable", "reset"))
    ok = st["by_status"].get("200", 0)
    statuses = {k: v for k, v in st["by_status"].items() if k != "200"}
    rounds = sum((r.get("attempts") or {}).get("rounds", 0) for r in dataset)
    retries = 0
    for name in ("invoke-stats.json", "invoke-retry-stats.json"):
        with open(out + "/" + name, encoding="utf-8") as f:
            retries += json.load(f)["retries"]
    if st["auth_rejected"] or any(st["quota"].values()) or others:
        fail("unexpected rejections: auth %d, quota %s, other faults %d"
             % (st["auth_rejected"], st["quota"], others))
    if statuses != {k: v for k, v in (("429", ft["throttle"]), ("503", ft["unavailable"])) if v}:
        fail("error statuses %s do not match the injected faults %s" % (statuses, ft))
    if st["calls"] != ok + injected:
        fail("%d calls, but %d answers and %d injected faults" % (st["calls"], ok, injected))
    if ok != n + rounds:
        fail("%d answers for %d documents and %d re-asks" % (ok, n, rounds))
    # ann-invoke retries every 429, 503 and reset itself, and counts each
    # send (it refuses libcurl's own resend on a dead kept-alive connection).
    if retries != injected:
        fail("%d injected faults (%d resets), but the invokers retried %d times"
             % (injected, ft["reset"], retries))
    if set(st["by_record"]) != set(docs) or sum(st["by_record"].values()) != st["calls"]:
        fail("calls by record do not match the documents")

    print("documents %d, valid %d (%.1f%%), labels failing validation %d, "
          "valid of consistent %.1f%%" % (n, len(valid), 100.0 * len(valid) / n,
                                          len(bad_labels), 100.0 * share))
    print("invokers' retries %d" % retries)
    print("F1 minimum %.4f (%s); calls %d = %d answers (%d documents + %d re-asks) "
          "+ %d faults (%d throttle, %d 503, %d reset), all retried; mistakes %d"
          % (fields[worst]["f1"], worst, st["calls"], ok, n, rounds, injected,
             ft["throttle"], ft["unavailable"], ft["reset"], sum(st["mistakes"].values())))


if __name__ == "__main__":
    main()
