"""A stand-in child for the `supergraph dev` supervision tests (test_dev_children.py).

    python -m tests.e2e.dev_child_stub --port P [--exit-after SECONDS] [--exit-code N]

Answers `GET /health` with 200 on 127.0.0.1:P (stdlib only: it starts in a
fraction of the time a subgraph takes); exits with N after SECONDS (at once for 0).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/health" else 404)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--exit-after", type=float)
    parser.add_argument("--exit-code", type=int, default=3)
    args = parser.parse_args()
    if args.exit_after == 0:
        sys.exit(args.exit_code)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Health)
    if args.exit_after is not None:
        threading.Timer(args.exit_after, os._exit, (args.exit_code,)).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
