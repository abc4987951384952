#!/usr/bin/env python3
"""Turns a Markdown tutorial into a bash script that runs its examples.

Usage: doc_blocks.py DOC.md OUT_DIR
       doc_blocks.py --check OUT_DIR

Conventions in DOC.md:
  ```sh            a block to run; all of them run in order, in one bash
                   process, so variables and the working directory carry on
  ```sh untested   a block shown to the reader but never run (real AWS, a
                   browser)
  ```text          when it is the next fenced block after a block that ran:
                   that block's expected output. Every non-blank line must
                   appear as a whole line of what the block printed, standard
                   output and standard error together. A line with "…" in it
                   stands for elided output and is not checked.

The first form writes OUT_DIR/NN.sh for block NN, OUT_DIR/NN.expect for each
block with expected output, and OUT_DIR/run.sh, which runs the blocks and
writes OUT_DIR/NN.out and OUT_DIR/NN.status. Before a block that calls
ann-invoke or ann-retry, run.sh stops with status 3 unless
AWS_ENDPOINT_URL_BEDROCK_RUNTIME is a URL on 127.0.0.1, so an example can
never reach AWS. On exit it stops the background jobs the blocks started.

The second form compares each NN.expect with NN.out after a run, prints
every expected line that is missing and exits 1 if there is one.
"""
import os
import re
import sys

FENCE = re.compile(r"^```(.*)$")


def read_blocks(path):
    """Returns the fenced blocks as (info string, text, line number)."""
    blocks = []
    info = None
    body = []
    start = 0
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            m = FENCE.match(line.rstrip("\n"))
            if m and info is None:
                info, body, start = m.group(1).strip(), [], n
            elif m and m.group(1).strip() == "":
                blocks.append((info, "".join(body), start))
                info = None
            elif info is not None:
                body.append(line)
    if info is not None:
        raise SystemExit("doc_blocks: %s: the block opened at line %d is never closed" % (path, start))
    return blocks


GUARD = r'''ann_doc_guard() {
	if [[ ! ${AWS_ENDPOINT_URL_BEDROCK_RUNTIME-} =~ ^http://127\.0\.0\.1:[0-9]+$ ]]; then
		echo "doc_blocks: block $1 would call a model, but AWS_ENDPOINT_URL_BEDROCK_RUNTIME is '${AWS_ENDPOINT_URL_BEDROCK_RUNTIME-}', not a server on 127.0.0.1" >&2
		exit 3
	fi
}
'''


def check(out):
    """Returns the number of expected lines missing from the blocks' output."""
    missing = 0
    for name in sorted(os.listdir(out)):
        if not name.endswith(".expect"):
            continue
        tag = name[:-len(".expect")]
        with open(os.path.join(out, name), encoding="utf-8") as f:
            expected = [l.rstrip() for l in f if l.strip() and "…" not in l]
        try:
            with open(os.path.join(out, tag + ".out"), encoding="utf-8") as f:
                got = {l.rstrip() for l in f}
        except FileNotFoundError:
            got = set()
        for line in expected:
            if line not in got:
                print("block %s: expected line not in its output: %s" % (tag, line))
                missing += 1
    return missing


def main(argv):
    if len(argv) == 3 and argv[1] == "--check":
        return 1 if check(argv[2]) else 0
    if len(argv) != 3:
        sys.stderr.write("usage: doc_blocks.py DOC.md OUT_DIR | --check OUT_DIR\n")
        return 2
    doc, out = argv[1], os.path.abspath(argv[2])
    os.makedirs(out, exist_ok=True)

    script = ["#!/bin/bash", "# Written by tests/helpers/doc_blocks.py from " + doc, GUARD,
              "trap 'kill $(jobs -p) 2>/dev/null' EXIT"]
    number = 0
    last_ran = None
    for info, body, line in read_blocks(doc):
        words = info.split()
        lang = words[0] if words else ""
        if lang == "sh" and "untested" not in words[1:]:
            number += 1
            last_ran = number
            tag = "%02d" % number
            with open(os.path.join(out, tag + ".sh"), "w", encoding="utf-8") as f:
                f.write(body)
            if re.search(r"\bann-(invoke|retry)\b", body):
                script.append("ann_doc_guard %s" % tag)
            script.append("# block %s, %s line %d" % (tag, doc, line))
            script.append("{\n%s\n} >%s/%s.out 2>&1" % (body.rstrip("\n"), out, tag))
            script.append("echo $? >%s/%s.status" % (out, tag))
            continue
        if lang == "text" and last_ran is not None:
            with open(os.path.join(out, "%02d.expect" % last_ran), "w", encoding="utf-8") as f:
                f.write(body)
        last_ran = None

    with open(os.path.join(out, "run.sh"), "w", encoding="utf-8") as f:
        f.write("\n".join(script) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
