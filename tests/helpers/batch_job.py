#!/usr/bin/env python3
"""A local stand-in for a Bedrock batch inference job, for tests.

Reads batch input files (the lines ann-prompt --format bedrock-batch
writes: {"recordId": ..., "modelInput": {...}}), sends each modelInput to
ann-mock's InvokeModel path through boto3's bedrock-runtime client (so the
request is signed as the SDK signs it), and writes what the job writes:
one <input>.out file per input file, its lines in shuffled order,
{"recordId", "modelInput", "modelOutput"} or, for a failed call,
{"recordId", "modelInput", "error": {"errorCode", "errorMessage"}}, and a
manifest.json.out with the counts. As the real service does, it never
retries a failed call.

Test controls: --fail ID=CODE writes an error line for ID without a call,
--drop ID leaves ID out of the output (a job stopped early), --seed fixes
the shuffle. The record id also travels in the
X-Amzn-Bedrock-Request-Metadata header, which lets ann-mock answer from its
reference file by id; whether the real service sends such a header is not
known.

Only 127.0.0.1 is ever contacted; credentials and region come from the
environment the test set.
"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mock_client import require_loopback  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--endpoint", required=True, help="ann-mock base URL on 127.0.0.1")
    p.add_argument("--model", required=True, help="model id the job names")
    p.add_argument("--output", required=True, help="directory for the .out files")
    p.add_argument("--seed", type=int, default=1, help="seed of the output order")
    p.add_argument("--fail", action="append", default=[], metavar="ID=CODE",
                   help="write an error line with errorCode CODE for record ID")
    p.add_argument("--drop", action="append", default=[], metavar="ID",
                   help="leave record ID out of the output")
    p.add_argument("inputs", nargs="+", help="batch input files, each ending in .jsonl")
    return p.parse_args()


def client(url):
    import boto3
    from botocore.config import Config
    require_loopback(url)
    # A Bedrock API key in the environment would replace the signature.
    os.environ.pop("AWS_BEARER_TOKEN_BEDROCK", None)
    region = os.environ.get("AWS_REGION")
    if not region:
        sys.exit("batch_job: set AWS_REGION, the region the requests are signed for")
    return boto3.client("bedrock-runtime", region_name=region, endpoint_url=url,
                        config=Config(retries={"total_max_attempts": 1},
                                      read_timeout=30, connect_timeout=2))


def invoke(bedrock, model, record_id, model_input):
    """Returns ("modelOutput", body) or ("error", {"errorCode", "errorMessage"})."""
    import botocore.exceptions
    meta = json.dumps({"ann_record_id": record_id})

    def add_record_id(request, **_):
        request.headers["X-Amzn-Bedrock-Request-Metadata"] = meta
    event = "before-sign.bedrock-runtime.InvokeModel"
    bedrock.meta.events.register(event, add_record_id)
    try:
        r = bedrock.invoke_model(modelId=model, contentType="application/json",
                                 accept="application/json",
                                 body=json.dumps(model_input, ensure_ascii=False).encode())
        return "modelOutput", json.loads(r["body"].read())
    except botocore.exceptions.ClientError as e:
        return "error", {"errorCode": e.response["ResponseMetadata"]["HTTPStatusCode"],
                         "errorMessage": e.response["Error"]["Message"]}
    finally:
        bedrock.meta.events.unregister(event, add_record_id)


def read_input(path):
    if not path.endswith(".jsonl"):
        sys.exit("batch_job: %s: a batch input file must end in .jsonl" % path)
    records = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            r = json.loads(line)
            if not isinstance(r.get("recordId"), str) or not isinstance(r.get("modelInput"), dict):
                sys.exit("batch_job: %s:%d: expected recordId and modelInput" % (path, n))
            records.append(r)
    return records


def main():
    args = parse_args()
    fail = dict(spec.split("=", 1) for spec in args.fail)
    drop = set(args.drop)
    bedrock = client(args.endpoint)
    rng = random.Random(args.seed)
    counts = dict.fromkeys(["totalRecordCount", "processedRecordCount", "successRecordCount",
                            "errorRecordCount", "inputTokenCount", "outputTokenCount"], 0)
    os.makedirs(args.output, exist_ok=True)

    for path in args.inputs:
        lines = []
        for r in read_input(path):
            counts["totalRecordCount"] += 1
            if r["recordId"] in drop:
                continue
            if r["recordId"] in fail:
                member, value = "error", {"errorCode": int(fail[r["recordId"]]),
                                          "errorMessage": "simulated batch failure"}
            else:
                member, value = invoke(bedrock, args.model, r["recordId"], r["modelInput"])
            counts["processedRecordCount"] += 1
            if member == "modelOutput":
                counts["successRecordCount"] += 1
                usage = value.get("usage", {})
                counts["inputTokenCount"] += usage.get("input_tokens", 0)
                counts["outputTokenCount"] += usage.get("output_tokens", 0)
            else:
                counts["errorRecordCount"] += 1
            lines.append(json.dumps({"recordId": r["recordId"], "modelInput": r["modelInput"],
                                     member: value}, ensure_ascii=False))
        rng.shuffle(lines)
        out = os.path.join(args.output, os.path.basename(path) + ".out")
        with open(out, "w", encoding="utf-8") as f:
            f.writelines(line + "\n" for line in lines)

    with open(os.path.join(args.output, "manifest.json.out"), "w", encoding="utf-8") as f:
        json.dump(counts, f)
        f.write("\n")
    json.dump(counts, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
