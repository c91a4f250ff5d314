"""Starting and stopping ``yzmedins serve`` on loopback for the service tests (and posting to
it with the standard library only)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@attrs.define
class Server:
    """A running ``yzmedins serve`` process."""

    store: Path
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def post(
        self,
        body: Any,
        path: str = "/",
        headers: Mapping[str, str] | None = None,
        timeout: float = 30,
    ) -> tuple[int, bytes]:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path,
            data=data,
            headers={"content-type": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def post_oversized(self, body: bytes) -> tuple[int, bytes]:
        """POST a body the server refuses before reading it all: it may answer and close while
        the body is still being sent, so read its answer whatever happened to the sending."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as connection:
            head = (
                f"POST / HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
                f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
            ).encode()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                connection.sendall(head + body)
            received = b""
            with contextlib.suppress(ConnectionResetError):
                while chunk := connection.recv(65536):
                    received += chunk
        status_line, _, rest = received.partition(b"\r\n")
        _, _, payload = rest.partition(b"\r\n\r\n")
        return int(status_line.split()[1]), payload

    def kill(self) -> None:
        """``kill -9``: no shutdown, no flush."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def start_server(
    store: Path, *args: str, env: Mapping[str, str] | None = None, port: int | None = None
) -> Server:
    """Start the service on a free loopback port and wait until it answers."""
    port = port or free_port()
    log = store.with_suffix(".log")
    handle = log.open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "yzmedins", "serve", "--ledger", str(store), "--port", str(port),
         *args],
        stdout=handle,
        stderr=handle,
        env={**os.environ, **(env or {})},
    )  # fmt: skip
    handle.close()
    server = Server(store, port, process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server ended: {log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(server.url + "/openapi.json", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the server did not start within 60 s")
