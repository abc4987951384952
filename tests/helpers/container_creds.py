#!/usr/bin/env python3
"""Serves the fake keys of secrets_helper.bash as a container credentials
endpoint on 127.0.0.1, the way ECS and AWS Batch serve a task role's.

Usage: container_creds.py PORT_FILE

The port is written to PORT_FILE once the server listens. Only a request
whose Authorization header is ANN_FAKE_CONTAINER_TOKEN gets the keys
(status 200); any other gets {} with status 403.
"""
import http.server
import json
import os
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ok = self.headers.get("Authorization") == os.environ["ANN_FAKE_CONTAINER_TOKEN"]
        body = json.dumps({"AccessKeyId": os.environ["ANN_FAKE_ACCESS_KEY_ID"],
                           "SecretAccessKey": os.environ["ANN_FAKE_SECRET_ACCESS_KEY"],
                           "Token": os.environ["ANN_FAKE_SESSION_TOKEN"],
                           "Expiration": "2099-01-01T00:00:00Z"}) if ok else "{}"
        self.send_response(200 if ok else 403)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


def main(port_file):
    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_port))
    os.rename(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1])
