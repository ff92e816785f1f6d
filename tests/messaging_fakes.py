"""A fake provider: an HTTP server on 127.0.0.1 that records requests and answers as told."""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class Seen:
    method: str
    path: str
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> dict:
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8")).items()}


@dataclass
class FakeProvider:
    """answers: a list of (status, json body) or "hang" (never answers until stopped), used in order;
    the last one repeats."""

    answers: list = field(default_factory=lambda: [(200, {})])
    seen: list = field(default_factory=list)

    def __post_init__(self):
        self._release = threading.Event()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                provider.seen.append(Seen("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                index = min(len(provider.seen), len(provider.answers)) - 1
                answer = provider.answers[index]
                if answer == "hang":
                    provider._release.wait(10)  # the client gives up first (its timeout)
                    return
                status, payload = answer
                data = json.dumps(payload).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self):
        self._release.set()
        self.server.shutdown()
        self.server.server_close()
