"""A real HTTP receiver for notifications: http.server on 127.0.0.1 in a thread, keeping every POST.

Apprise's ``json://127.0.0.1:PORT/path`` URL posts ``{"title", "message", "type", "attachments": [{"filename",
"base64", "mimetype"}]}`` to it. Nothing is mocked: the notifier, Apprise and the network are real.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Post:
    """One request the receiver got."""

    path: str
    content_type: str
    body: bytes

    def json(self) -> dict[str, Any]:
        data = json.loads(self.body)
        assert isinstance(data, dict)
        return data

    @property
    def title(self) -> str:
        return str(self.json()["title"])

    @property
    def message(self) -> str:
        return str(self.json()["message"])

    def lines(self) -> dict[str, str]:
        """The body's ``key: value`` lines."""
        return dict(line.split(": ", 1) for line in self.message.splitlines())

    def attachments(self) -> list[tuple[str, str, bytes]]:
        """``(filename, mimetype, bytes)`` of each attachment."""
        return [(a["filename"], a["mimetype"], base64.b64decode(a["base64"])) for a in self.json()["attachments"]]


class Receiver:
    """Listens on a free port of 127.0.0.1 until :meth:`close`; ``hold`` makes every request wait for it."""

    def __init__(self, *, hold: threading.Event | None = None) -> None:
        self.posts: list[Post] = []
        self.entered = threading.Event()  # a request has arrived (and, with hold, is waiting)
        self.hold = hold
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.entered.set()
                if receiver.hold is not None:
                    receiver.hold.wait(30)
                receiver.posts.append(Post(self.path, self.headers.get("Content-Type", ""), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name="receiver", daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook", *, auth: str = "") -> str:
        """Apprise's JSON webhook URL for ``path`` (``auth``: ``user:password@``, sent as basic auth)."""
        return f"json://{auth}127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()


def closed_port() -> int:
    """A port of 127.0.0.1 nothing listens on (a connection is refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
