#!/usr/bin/env python3
"""Prints the closing summary of the demo from the files it wrote.

Usage: summary.py OUTPUT_DIR SECONDS
"""
import json
import os
import sys


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main(out, seconds):
    dataset = read_jsonl(os.path.join(out, "dataset.jsonl"))
    valid = sum(1 for r in dataset if r.get("validation", {}).get("valid") is True)
    errors = sum(1 for r in dataset if "error" in r)
    reasked = sum(1 for r in dataset if "attempts" in r)
    rounds = sum(r["attempts"]["rounds"] for r in dataset if "attempts" in r)
    tokens = {"input": 0, "output": 0}
    cost = 0.0
    for r in dataset:
        usage = r.get("usage", {})
        tokens["input"] += usage.get("input_tokens", 0)
        tokens["output"] += usage.get("output_tokens", 0)
        cost += r.get("cost_usd", 0)

    print()
    print("documents   %d" % len(dataset))
    print("valid       %d (%d with errors)" % (valid, errors))
    calls_retried = 0
    for name in ("invoke-stats.json", "invoke-retry-stats.json"):
        path = os.path.join(out, name)
        if os.path.exists(path) and os.path.getsize(path) > 0:
            with open(path, encoding="utf-8") as f:
                calls_retried += json.load(f)["retries"]
    print("retries     %d re-asks for %d documents; %d calls sent again after "
          "throttling or faults" % (rounds, reasked, calls_retried))
    print("tokens      %d in, %d out" % (tokens["input"], tokens["output"]))
    print("cost        $%.4f (estimate; prices in share/pricing.json)" % cost)
    print("time        %s s" % seconds)

    eval_path = os.path.join(out, "eval.json")
    if os.path.getsize(eval_path) > 0:
        report = json.load(open(eval_path, encoding="utf-8"))
        overall = report["overall"]
        print("micro F1    %.4f   macro F1 %.4f   documents exactly right %.4f" % (
            overall["micro_f1"], overall["macro_f1"], overall["document_exact_match"]))
        print()
        print("per-field F1 against the reference labels:")
        with open(os.path.join(out, "eval.txt"), encoding="utf-8") as f:
            sys.stdout.write(f.read())
    print()
    print("dataset     %s" % os.path.join(out, "dataset.jsonl"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
