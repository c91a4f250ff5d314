"""The platform's request signature (x-tif-* headers), checked when a secret is configured.

A signed request carries ``x-tif-paasid`` (the caller's id), ``x-tif-timestamp`` (Unix
seconds), ``x-tif-nonce`` (a random string used once) and ``x-tif-signature``: the hexadecimal
SHA-256 of ``timestamp + secret + nonce + timestamp``, as the platform's gateway signs. A
request is refused when a header is missing, the caller is not the configured one, the timestamp
is more than :data:`WINDOW` seconds from the server's clock or earlier than the server's start
(so a nonce seen before a restart cannot be replayed after it), the nonce was seen within the
window, or the signature does not match (compared in constant time).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Callable, Mapping

#: Seconds a timestamp may differ from the server's clock.
WINDOW = 300
#: Nonces remembered at most (a flood of fresh nonces cannot grow memory without bound).
MAX_NONCES = 1_000_000

HEADERS = ("x-tif-paasid", "x-tif-timestamp", "x-tif-nonce", "x-tif-signature")


def signature(timestamp: str, secret: str, nonce: str) -> str:
    """The signature a caller sends: SHA-256 of timestamp + secret + nonce + timestamp."""
    return hashlib.sha256(f"{timestamp}{secret}{nonce}{timestamp}".encode()).hexdigest()


class Signatures:
    """Checks the x-tif headers of each request against one caller's secret."""

    def __init__(self, paasid: str, secret: str, clock: Callable[[], float] = time.time) -> None:
        self.paasid = paasid
        self.secret = secret
        self.clock = clock
        self.started = clock()
        self.nonces: dict[str, float] = {}
        self.lock = threading.Lock()

    def refusal(self, headers: Mapping[str, str]) -> str | None:
        """Why a request's headers are refused, or None when they are good."""
        values = {name: headers.get(name) for name in HEADERS}
        missing = [name for name, value in values.items() if not value]
        if missing:
            return f"{missing[0]}: the request must be signed"
        paasid, stamp, nonce, sent = (values[name] or "" for name in HEADERS)
        if not hmac.compare_digest(paasid.encode(), self.paasid.encode()):
            return "x-tif-paasid: not a known caller"
        try:
            moment = int(stamp)
        except ValueError:
            return "x-tif-timestamp: Unix seconds are required"
        now = self.clock()
        if abs(now - moment) > WINDOW or moment < int(self.started) - 1:
            return f"x-tif-timestamp: more than {WINDOW} seconds from the server's clock"
        if len(nonce) > 128:
            return "x-tif-nonce: at most 128 characters"
        expected = signature(stamp, self.secret, nonce)
        if not hmac.compare_digest(expected, sent.lower()):
            return "x-tif-signature: does not match"
        with self.lock:
            if nonce in self.nonces:
                return "x-tif-nonce: already used"
            if len(self.nonces) >= MAX_NONCES:
                self._forget(now)
            if len(self.nonces) >= MAX_NONCES:
                return "x-tif-nonce: too many requests within the window; retry later"
            self.nonces[nonce] = moment
        return None

    def _forget(self, now: float) -> None:
        """Drop the nonces whose timestamps are outside the window (they can never be reused
        with a valid timestamp)."""
        self.nonces = {n: t for n, t in self.nonces.items() if now - t <= WINDOW}
