"""Cross-check lib/sigv4 against botocore's SigV4Auth.

Signs each request of a table with botocore and with the sigv4-sign tool
(path given as argv[1]) at a pinned time and requires identical
Authorization headers. Prints TAP. Nothing here opens a network
connection: botocore only computes headers on an unsent request.
"""
import datetime
import os
import subprocess
import sys
from unittest import mock
from urllib.parse import quote

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
PINNED = "20250115T120000Z"
PINNED_DT = datetime.datetime(2025, 1, 15, 12, 0, 0)
BODY = b'{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[]}'


def label(s):
    """Encode one URI path label the way botocore serializes {modelId}."""
    return quote(s, safe="-._~")


def query(pairs):
    return "&".join(label(k) + ("=" + label(v) if v is not None else "=") for k, v in pairs)


def invoke(model, op="invoke"):
    return "/model/" + label(model) + "/" + op


JSON = [("Content-Type", "application/json"), ("Accept", "application/json")]

CASES = [
    ("model id with colon", dict(path=invoke("anthropic.claude-3-5-sonnet-20240620-v1:0"), headers=JSON, body=BODY)),
    ("jp profile id", dict(path=invoke("jp.anthropic.claude-haiku-4-5-20251001-v1:0"), headers=JSON, body=BODY, region="ap-northeast-1")),
    ("inference profile ARN", dict(path=invoke("arn:aws:bedrock:ap-northeast-1:123456789012:inference-profile/jp.anthropic.claude-haiku-4-5-20251001-v1:0"), headers=JSON, body=BODY, region="ap-northeast-1")),
    ("application profile ARN", dict(path=invoke("arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc123example"), headers=JSON, body=BODY)),
    ("converse-stream", dict(path=invoke("us.anthropic.claude-sonnet-4-20250514-v1:0", "converse-stream"), headers=[("Content-Type", "application/json"), ("X-Amzn-Bedrock-Accept", "*/*")], body=BODY)),
    ("label with every reserved char", dict(path="/x/" + label(":/?#[]@!$&'()*+,;= %"), headers=[], body=b"")),
    ("japanese path label", dict(path="/x/" + label("請求書.pdf"), headers=[], body=b"")),
    ("dot segments", dict(path="/a/./b/../c//d", headers=[], body=b"")),
    ("sorted query", dict(method="GET", path="/foundation-models", query="byProvider=anthropic&byOutputModality=TEXT", host="bedrock.us-east-1.amazonaws.com")),
    ("reserved chars in query", dict(method="GET", path="/q", query=query([("q", "a b/c:d?e#f[g]@!$&'()*+,;="), ("z", "+"), ("e", "")]))),
    ("non-ascii query", dict(method="GET", path="/q", query=query([("名前", "請求書 ¥12,000"), ("emoji", "\U0001F600"), ("k", "é")]))),
    ("repeated query keys", dict(method="GET", path="/q", query=query([("a", "2"), ("a", "1"), ("a", "10"), ("A", "x"), ("_", "y")]))),
    ("control-plane job ARN", dict(method="GET", path="/model-invocation-job/" + label("arn:aws:bedrock:ap-northeast-1:123456789012:model-invocation-job/abcdef012345"), host="bedrock.ap-northeast-1.amazonaws.com", region="ap-northeast-1")),
    ("list jobs query", dict(method="GET", path="/model-invocation-jobs", query=query([("statusEquals", "InProgress"), ("maxResults", "100"), ("nameContains", "ann batch"), ("nextToken", "abc/def+ghi==")]), host="bedrock.us-east-1.amazonaws.com")),
    ("padded header", dict(path="/p", headers=[("X-Amz-Meta-Note", "   two  spaces   here  "), ("X-Quoted", '"a   b   c"'), ("X-Tab", "a\t\tb")], body=b"x")),
    ("repeated headers", dict(path="/p", headers=[("My-Header1", "value4"), ("My-Header1", " value1"), ("my-header1", "value3  "), ("My-Header2", "b")], body=b"")),
    ("mixed case names", dict(path="/p", headers=[("CONTENT-TYPE", "application/json"), ("x-AMZN-bedrock-TRACE", "ENABLED")], body=BODY)),
    ("session token", dict(path=invoke("anthropic.claude-3-haiku-20240307-v1:0"), headers=JSON, body=BODY, token="FwoGZXIvYXdzEXAMPLETOKEN//////////wEa+/=")),
    ("padded session token", dict(path=invoke("anthropic.claude-3-haiku-20240307-v1:0"), headers=JSON, body=BODY, token="EXAMPLESESSIONTOKEN  ")),
    ("token with headers and query", dict(method="GET", path="/q", query=query([("b", "2"), ("a", "1")]), headers=[("X-Amzn-Bedrock-Trace", "ENABLED"), ("X-Amzn-Bedrock-Trace", "DISABLED")], token="TOKEN/with+slash=")),
    ("loopback port", dict(scheme="http", host="127.0.0.1:8080", path=invoke("anthropic.claude-3-haiku-20240307-v1:0"), headers=JSON, body=BODY)),
    ("empty body post", dict(path=invoke("a.b-v1:0"), headers=[("Content-Type", "application/json")], body=b"")),
    ("large body", dict(path=invoke("a.b-v1:0"), headers=JSON, body=("請求書" * 20000).encode())),
    ("osaka region", dict(path=invoke("apac.anthropic.claude-3-5-sonnet-20241022-v2:0"), headers=JSON, body=BODY, region="ap-northeast-3")),
    ("s3 object key", dict(method="PUT", service="s3", host="ann-batch.s3.us-east-1.amazonaws.com", path="/in/" + quote("2025/請求書 a:b.jsonl", safe="/-._~"), headers=[("Content-Type", "application/jsonl")], body=b'{"recordId":"1"}\n')),
]


def defaults(c):
    c = dict(c)
    c.setdefault("method", "POST")
    c.setdefault("region", "us-east-1")
    c.setdefault("service", "bedrock")
    c.setdefault("host", "bedrock-runtime.%s.amazonaws.com" % c["region"])
    c.setdefault("scheme", "https")
    c.setdefault("query", None)
    c.setdefault("headers", [])
    c.setdefault("body", b"")
    c.setdefault("token", None)
    return c


def botocore_authorization(c):
    url = "%s://%s%s" % (c["scheme"], c["host"], c["path"])
    if c["query"]:
        url += "?" + c["query"]
    req = AWSRequest(method=c["method"], url=url, data=c["body"])
    for name, value in c["headers"]:
        req.headers[name] = value  # HTTPHeaders appends, so names may repeat
    creds = Credentials(AKID, SECRET, c["token"])
    auth = S3SigV4Auth if c["service"] == "s3" else SigV4Auth
    with mock.patch("botocore.auth.get_current_datetime", return_value=PINNED_DT):
        auth(creds, c["service"], c["region"]).add_auth(req)
    return req.headers["Authorization"]


def ours(tool, c):
    lines = [
        "method " + c["method"],
        "host " + c["host"],
        "path " + c["path"],
        "region " + c["region"],
        "service " + c["service"],
        "access-key-id " + AKID,
        "secret-access-key " + SECRET,
        "body-hex " + c["body"].hex(),
    ]
    if c["query"]:
        lines.append("query " + c["query"])
    if c["token"]:
        lines.append("session-token " + c["token"])
    if c["service"] == "s3":
        lines.append("flags s3")
    for name, value in c["headers"]:
        lines.append("header %s:%s" % (name, value))
    env = dict(os.environ, ANN_SIGNING_TIME=PINNED)
    out = subprocess.run([tool], input=("\n".join(lines) + "\n").encode(),
                         capture_output=True, env=env, check=False)
    if out.returncode != 0:
        return None, out.stderr.decode(errors="replace").strip()
    for line in out.stdout.decode().splitlines():
        if line.startswith("Authorization: "):
            return line[len("Authorization: "):], ""
    return None, "no Authorization line in the output"


def main():
    tool = sys.argv[1]
    print("1..%d" % len(CASES))
    failed = 0
    for i, (name, case) in enumerate(CASES, 1):
        c = defaults(case)
        expected = botocore_authorization(c)
        got, err = ours(tool, c)
        if got == expected:
            print("ok %d - %s" % (i, name))
            continue
        failed += 1
        print("not ok %d - %s" % (i, name))
        print("#   botocore: %s" % expected)
        print("#   ours:     %s %s" % (got, err))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
