"""Why Litestar: the per-request cost of the two candidate ASGI frameworks, side by side.

``python benchmarks/service_frameworks.py [N]`` calls each application in process (no socket,
no server: only what the framework adds) N times with the same envelope and prints the mean
time per request. The same handler shape in both: a typed envelope in, a dict out, handled on
the event loop. Needs ``fastapi`` installed beside the service extra (it is not a dependency of
the package): ``pip install fastapi``.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
import time
from collections.abc import MutableMapping
from typing import Any

import msgspec
import orjson
from litestar import Litestar, post

BODY = orjson.dumps(
    {
        "infno": "2303",
        "msgid": "x",
        "input": {
            "person": {"id": "P1", "sex": "male", "birth_date": "1970-01-01"},
            "claim": {"id": "K1", "total": "1000.00"},
        },
    }
)


class Envelope(msgspec.Struct):
    infno: str
    msgid: str
    input: dict[str, Any]


@post("/", status_code=200, sync_to_thread=False)
def litestar_root(data: Envelope) -> dict[str, Any]:
    return {"infcode": "0", "inf_refmsgid": data.msgid, "output": data.input}


def fastapi_app() -> Any:
    """The same handler in FastAPI (imported by name: it is not a dependency of the package)."""
    fastapi: Any = importlib.import_module("fastapi")
    pydantic: Any = importlib.import_module("pydantic")
    model = pydantic.create_model(
        "Model", infno=(str, ...), msgid=(str, ...), input=(dict[str, Any], ...)
    )

    async def root(envelope: Any) -> dict[str, Any]:
        return {"infcode": "0", "inf_refmsgid": envelope.msgid, "output": envelope.input}

    root.__annotations__["envelope"] = model
    app = fastapi.FastAPI()
    app.post("/")(root)
    return app


async def call(app: Any) -> None:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(BODY)).encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": BODY, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        return None

    await app(scope, receive, send)


async def measure(app: Any, count: int) -> float:
    for _ in range(200):
        await call(app)
    started = time.perf_counter()
    for _ in range(count):
        await call(app)
    return (time.perf_counter() - started) / count * 1e6


async def main(count: int) -> None:
    apps: dict[str, Any] = {"litestar": Litestar([litestar_root])}
    try:
        apps["fastapi"] = fastapi_app()
    except ImportError:
        print("fastapi is not installed: only litestar is measured")
    for round_ in range(2):
        for name, app in apps.items():
            print(f"round {round_ + 1}  {name:9} {await measure(app, count):7.0f} µs/request")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000))
