#!/usr/bin/env python3
"""Clients that drive ann-mock from tests/ann-mock.bats.

Every command talks only to the base URL it is given (a server the test
started on 127.0.0.1) and prints one JSON object on stdout, so the bats
file can assert on its members. Credentials come from the environment
the test set explicitly.
"""
import argparse
import collections
import concurrent.futures
import http.client
import json
import re
import sys
import time
import urllib.parse

MODEL = "jp.anthropic.claude-haiku-4-5-20251001-v1:0"
MODEL_ARN = ("arn:aws:bedrock:ap-northeast-1:123456789012:inference-profile/"
             "jp.anthropic.claude-haiku-4-5-20251001-v1:0")


def require_loopback(url):
    host = urllib.parse.urlsplit(url).hostname
    if host != "127.0.0.1":
        sys.exit("mock_client: refusing to contact %r: tests talk to 127.0.0.1 only" % host)


def load_schema(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def validate(schema, value, where="$"):
    """Returns the list of ways value breaks the subset of JSON Schema used by the fixtures."""
    errors = []
    kind = schema.get("type")
    types = {"object": dict, "array": list, "string": str, "boolean": bool}
    if kind in types and not isinstance(value, types[kind]):
        return ["%s: expected %s" % (where, kind)]
    if kind in ("number", "integer") and (isinstance(value, bool) or
                                          not isinstance(value, (int, float))):
        return ["%s: expected %s" % (where, kind)]
    if kind == "integer" and value != int(value):
        errors.append("%s: expected an integer" % where)
    if "enum" in schema and value not in schema["enum"]:
        errors.append("%s: %r not in enum" % (where, value))
    if schema.get("format") == "date" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        errors.append("%s: %r is not a date" % (where, value))
    if "minimum" in schema and value < schema["minimum"]:
        errors.append("%s: below minimum" % where)
    if "minLength" in schema and len(value) < schema["minLength"]:
        errors.append("%s: shorter than minLength" % where)
    if kind == "object":
        for name in schema.get("required", []):
            if name not in value:
                errors.append("%s: missing %s" % (where, name))
        props = schema.get("properties", {})
        for name, v in value.items():
            if name in props:
                errors += validate(props[name], v, where + "." + name)
            elif schema.get("additionalProperties") is False:
                errors.append("%s: extra member %s" % (where, name))
    if kind == "array":
        if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems", 1 << 30):
            errors.append("%s: item count out of range" % where)
        for i, v in enumerate(value):
            errors += validate(schema.get("items", {}), v, "%s[%d]" % (where, i))
    return errors


def boto_client(url, read_timeout=10, bearer=False):
    import os
    import boto3
    from botocore.config import Config
    require_loopback(url)
    # botocore prefers a Bedrock API key over signing whenever the variable
    # is set, so signing tests must not see it.
    if not bearer:
        os.environ.pop("AWS_BEARER_TOKEN_BEDROCK", None)
    return boto3.client("bedrock-runtime", region_name="ap-northeast-1", endpoint_url=url,
                        config=Config(retries={"total_max_attempts": 1},
                                      read_timeout=read_timeout, connect_timeout=2))


def converse_kwargs(args, schema):
    kwargs = {
        "modelId": args.model,
        "messages": [{"role": "user", "content": [{"text": args.text}]}],
        "inferenceConfig": {"maxTokens": args.max_tokens},
    }
    if schema is not None:
        kwargs["toolConfig"] = {
            "tools": [{"toolSpec": {"name": "extract_invoice",
                                    "inputSchema": {"json": schema}}}],
            "toolChoice": {"tool": {"name": "extract_invoice"}},
        }
    if args.record_id:
        kwargs["requestMetadata"] = {"ann_record_id": args.record_id}
    return kwargs


def cmd_boto(args):
    """One Converse or InvokeModel call through boto3; prints the outcome."""
    import botocore.exceptions
    client = boto_client(args.url, args.read_timeout, args.bearer)
    schema = load_schema(args.schema) if args.schema else None
    try:
        if args.op == "converse":
            r = client.converse(**converse_kwargs(args, schema))
            out = {"ok": True, "stopReason": r["stopReason"], "usage": r["usage"],
                   "content": r["output"]["message"]["content"],
                   "request_id": r["ResponseMetadata"]["RequestId"]}
        else:
            body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": args.max_tokens,
                    "messages": [{"role": "user", "content": args.text}]}
            if schema is not None:
                body["tools"] = [{"name": "extract_invoice", "input_schema": schema}]
                body["tool_choice"] = {"type": "tool", "name": "extract_invoice"}
            kwargs = {"modelId": args.model, "body": json.dumps(body),
                      "contentType": "application/json", "accept": "application/json"}
            if args.record_id:
                # botocore 1.43 does not model requestMetadata for InvokeModel
                # yet, so the header is added before signing, as newer SDKs do.
                meta = json.dumps({"ann_record_id": args.record_id})
                client.meta.events.register(
                    "before-sign.bedrock-runtime.InvokeModel",
                    lambda request, **_: request.headers.__setitem__(
                        "X-Amzn-Bedrock-Request-Metadata", meta))
            r = client.invoke_model(**kwargs)
            headers = r["ResponseMetadata"]["HTTPHeaders"]
            out = {"ok": True, "body": json.loads(r["body"].read()),
                   "input_tokens_header": headers.get("x-amzn-bedrock-input-token-count"),
                   "request_id": r["ResponseMetadata"]["RequestId"]}
    except botocore.exceptions.ClientError as e:
        out = {"ok": False, "exception": type(e).__name__,
               "code": e.response["Error"]["Code"],
               "message": e.response["Error"]["Message"],
               "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
               "request_id": e.response["ResponseMetadata"].get("RequestId")}
    except (botocore.exceptions.ConnectionClosedError,
            botocore.exceptions.ReadTimeoutError,
            botocore.exceptions.EndpointConnectionError) as e:
        out = {"ok": False, "exception": type(e).__name__, "message": str(e)}
    print(json.dumps(out, ensure_ascii=False))


def cmd_validate(args):
    """Checks the JSON answer on stdin against the schema; prints the errors."""
    value = json.load(sys.stdin)
    errors = validate(load_schema(args.schema), value)
    print(json.dumps({"valid": not errors, "errors": errors}, ensure_ascii=False))


class Client:
    """A keep-alive HTTP client that reconnects after a dropped connection."""

    def __init__(self, url, timeout=5):
        require_loopback(url)
        parts = urllib.parse.urlsplit(url)
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self.conn = None

    def post(self, path, body, headers):
        """Returns (status, headers, body bytes), or (kind, None, None) for a lost connection."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            self.conn.request("POST", path, body=json.dumps(body).encode(), headers=headers)
            r = self.conn.getresponse()
            data = r.read()
            return r.status, dict(r.getheaders()), data
        except ConnectionResetError:
            kind = "reset"
        except (http.client.RemoteDisconnected, BrokenPipeError):
            kind = "closed"
        self.conn.close()
        self.conn = None
        return kind, None, None


REASK_FEEDBACK = ("Your previous answer does not match the required JSON Schema. "
                  "1 problem found:\n- at /total: must be a number\n")


def converse_body(schema, record_id, text="請求書 株式会社 山田商事 合計 ¥12,000 2024-05-01",
                  reask=None):
    messages = [{"role": "user", "content": [{"text": text}]}]
    if reask is not None:
        # The opening of ann-retry's built-in feedback is what marks a re-ask.
        messages += [{"role": "assistant", "content": [{"text": reask}]},
                     {"role": "user", "content": [{"text": REASK_FEEDBACK}]}]
    body = {"messages": messages, "inferenceConfig": {"maxTokens": 1024},
            "outputConfig": {"textFormat": {"type": "json_schema", "structure": {
                "jsonSchema": {"schema": json.dumps(schema), "name": "invoice"}}}}}
    if record_id is not None:
        body["requestMetadata"] = {"ann_record_id": record_id}
    return body


def bearer_headers():
    import os
    return {"Content-Type": "application/json",
            "Authorization": "Bearer " + os.environ["AWS_BEARER_TOKEN_BEDROCK"]}


PATH = "/model/" + urllib.parse.quote(MODEL, safe="") + "/converse"


def cmd_load(args):
    """Sends n Converse calls, one per record id, and counts outcomes by kind."""
    schema = load_schema(args.schema)
    client = Client(args.url)
    counts = collections.Counter()
    started = time.monotonic()
    for i in range(args.n):
        body = converse_body(schema, "rec-%06d" % i, reask="{}" if args.reask else None)
        status, headers, data = client.post(PATH, body, bearer_headers())
        if headers is None:
            counts[status] += 1
        elif status == 200:
            text = json.loads(data)["output"]["message"]["content"][0]["text"]
            try:
                ok = not validate(schema, json.loads(text))
            except ValueError:
                ok = False
            counts["valid" if ok else "invalid"] += 1
        else:
            counts[headers.get("x-amzn-ErrorType", str(status)).split(":")[0]] += 1
    counts["seconds"] = round(time.monotonic() - started, 2)
    print(json.dumps(counts, sort_keys=True))


def outcome_of(client, schema, record_id):
    status, headers, data = client.post(PATH, converse_body(schema, record_id), bearer_headers())
    if headers is None:
        return status
    return "%s %s" % (status, data.decode())


def cmd_replay(args):
    """Calls each of k ids m times, the ids spread over threads; prints outcomes by (id, call)."""
    schema = load_schema(args.schema)

    def run(ids):
        client = Client(args.url)
        return {"%s#%d" % (rid, j): outcome_of(client, schema, rid)
                for rid in ids for j in range(args.calls)}

    ids = ["rec-%03d" % i for i in range(args.ids)]
    groups = [ids[i::args.threads] for i in range(args.threads)]
    results = {}
    with concurrent.futures.ThreadPoolExecutor(args.threads) as pool:
        for part in pool.map(run, groups):
            results.update(part)
    print(json.dumps(results, sort_keys=True, ensure_ascii=False))


def cmd_latency(args):
    """Sends n calls from 16 threads; compares reported and measured latencies."""
    schema = load_schema(args.schema)

    def one(i):
        client = Client(args.url)
        t = time.monotonic()
        status, _, data = client.post(PATH, converse_body(schema, "lat-%d" % i), bearer_headers())
        wall = (time.monotonic() - t) * 1000
        return json.loads(data)["metrics"]["latencyMs"], wall

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        pairs = list(pool.map(one, range(args.n)))
    reported = [p[0] for p in pairs]
    print(json.dumps({
        "mean_ms": sum(reported) / len(reported),
        "min_ms": min(reported), "max_ms": max(reported),
        "walls_cover_reported": all(w + 1 >= r for r, w in pairs),
    }))


def cmd_reask(args):
    """Sends n re-asks (an earlier answer and feedback in the messages); counts valid answers."""
    schema = load_schema(args.schema)
    client = Client(args.url)
    valid = 0
    for i in range(args.n):
        status, _, data = client.post(PATH, converse_body(schema, "re-%d" % i, reask="{}"),
                                      bearer_headers())
        text = json.loads(data)["output"]["message"]["content"][0]["text"]
        try:
            valid += not validate(schema, json.loads(text))
        except ValueError:
            pass
    print(json.dumps({"n": args.n, "valid": valid}))


def cmd_ask(args):
    """Sends one JSON-mode Converse call for record inv-001 and prints the answer text."""
    schema = load_schema(args.schema)
    client = Client(args.url)
    status, _, data = client.post(PATH, converse_body(schema, args.record, text=args.text),
                                  bearer_headers())
    r = json.loads(data)
    print(json.dumps({"status": status, "stopReason": r.get("stopReason"),
                      "text": r["output"]["message"]["content"][0]["text"],
                      "usage": r.get("usage")}, ensure_ascii=False))


def cmd_quota(args):
    """Sends n calls as fast as possible; counts successes and throttles with their messages."""
    schema = load_schema(args.schema)
    client = Client(args.url)
    counts = collections.Counter()
    started = time.monotonic()
    for i in range(args.n):
        body = converse_body(schema, "q-%d" % i)
        body["inferenceConfig"]["maxTokens"] = args.max_tokens
        status, headers, data = client.post(PATH, body, bearer_headers())
        if status == 200:
            counts["ok"] += 1
            counts["input_tokens"] = json.loads(data)["usage"]["inputTokens"]
        else:
            counts["%s %s" % (status, json.loads(data)["message"])] += 1
    counts["seconds"] = time.monotonic() - started
    print(json.dumps(counts))


def main():
    p = argparse.ArgumentParser(description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("boto")
    b.add_argument("op", choices=["converse", "invoke"])
    b.add_argument("url")
    b.add_argument("--model", default=MODEL)
    b.add_argument("--schema")
    b.add_argument("--record-id")
    b.add_argument("--text", default="請求書 株式会社 山田商事 合計 ¥12,000 2024-05-01")
    b.add_argument("--max-tokens", type=int, default=1024)
    b.add_argument("--read-timeout", type=float, default=10)
    b.add_argument("--bearer", action="store_true",
                   help="let botocore send AWS_BEARER_TOKEN_BEDROCK instead of signing")
    v = sub.add_parser("validate")
    v.add_argument("schema")
    for name in ("load", "replay", "latency", "reask", "quota"):
        s = sub.add_parser(name)
        s.add_argument("url")
        s.add_argument("schema")
        s.add_argument("--n", type=int, default=100)
        s.add_argument("--ids", type=int, default=20)
        s.add_argument("--calls", type=int, default=5)
        s.add_argument("--threads", type=int, default=4)
        s.add_argument("--max-tokens", type=int, default=100)
        s.add_argument("--reask", action="store_true")
    a = sub.add_parser("ask")
    a.add_argument("url")
    a.add_argument("schema")
    a.add_argument("--record", default="inv-001")
    a.add_argument("--text", default="請求書番号 A-1001 株式会社 山田商事 2024年5月1日 合計 12,000円")
    args = p.parse_args()
    {"ask": cmd_ask, "boto": cmd_boto, "validate": cmd_validate, "load": cmd_load, "replay": cmd_replay,
     "latency": cmd_latency, "reask": cmd_reask, "quota": cmd_quota}[args.cmd](args)


if __name__ == "__main__":
    main()
