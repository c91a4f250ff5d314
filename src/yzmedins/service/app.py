"""The ASGI application of ``yzmedins serve`` (Litestar): the platform's envelope over HTTP.

``POST /`` and ``POST /{infno}`` take the platform's request envelope and answer with its
answer envelope, always HTTP 200 — a refusal is ``infcode`` "-1" with ``err_msg`` — except a
body that is not JSON (400), a body over the size limit (413), a request that is not signed as
configured (401) and an unknown path or method (404, 405), each still with an answer envelope.
``GET /openapi.json`` is the OpenAPI document, generated from the types below.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import msgspec
import orjson
from litestar import Litestar, Request, Response, get, post
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig

from yzmedins import __version__
from yzmedins.errors import InputError
from yzmedins.io.jsonl import decode_line
from yzmedins.limits import MAX_LINE_BYTES
from yzmedins.service.desk import TRANSACTIONS, answer_bytes
from yzmedins.service.signing import Signatures
from yzmedins.service.writer import Writer

_Text = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]


class Envelope(msgspec.Struct, forbid_unknown_fields=False):
    """The platform's request envelope (入参). Keys it may also carry (the insured area, device
    and signature fields) are accepted and ignored."""

    infno: Annotated[
        str,
        msgspec.Meta(
            description="the transaction: "
            + "; ".join(f"{code} {what}" for code, what in TRANSACTIONS.items())
        ),
    ]
    msgid: Annotated[
        _Text,
        msgspec.Meta(description="unique per request; a repeated msgid gets the same answer"),
    ]
    input: Annotated[
        dict[str, Any],
        msgspec.Meta(
            description="2303/2304: {person, contributions, claim, ytd?}; 2305: {psn_no, "
            "setl_id, mdtrt_id?}; 2601: {omsgid, oinfno}; 5203: {setl_id, psn_no?, mdtrt_id?}; "
            "5206: {psn_no, year}"
        ),
    ]
    infver: str | None = None
    opter: str | None = None
    fixmedins_code: str | None = None
    inf_time: str | None = None


class Answer(msgspec.Struct):
    """The platform's answer envelope (出参)."""

    infcode: Annotated[str, msgspec.Meta(description='"0" done, "-1" refused')]
    inf_refmsgid: Annotated[str | None, msgspec.Meta(description="the request's msgid")]
    respond_time: str
    err_msg: Annotated[str | None, msgspec.Meta(description="why it was refused")]
    warn_msg: str | None
    output: Annotated[
        dict[str, Any] | None,
        msgspec.Meta(
            description="2303/2304/2305/2601: {record, setlinfo, setldetail}; 5203: {setlinfo, "
            "setldetail}; 5206: {cuminfo: [{year, cum_type_code, cum}]}"
        ),
    ]


def _envelope_response(answer: bytes, status: int = 200) -> Response[Answer]:
    # The answer is already the envelope's JSON (byte for byte what a retry gets again).
    response: Response[Any] = Response(
        content=answer, status_code=status, media_type="application/json"
    )
    return response


def create_app(
    writer: Writer, signatures: Signatures | None = None, max_body: int = MAX_LINE_BYTES
) -> Litestar:
    """The application answering through ``writer`` (and checking ``signatures`` if given)."""
    now = writer.desk.now

    def refuse(message: str, status: int, msgid: str | None = None) -> Response[Answer]:
        return _envelope_response(answer_bytes("-1", msgid, now(), message), status)

    @post(["/", "/{infno:str}"], status_code=200, summary="A message in the platform's envelope")
    async def message(request: Request[Any, Any, Any]) -> Response[Answer]:
        if signatures is not None:
            refusal = signatures.refusal(request.headers)
            if refusal is not None:
                return refuse(refusal, 401)
        body = await request.body()
        try:
            orjson.loads(body)
        except orjson.JSONDecodeError:
            return refuse("the body is not JSON", 400)
        try:
            envelope = decode_line(body)
        except InputError as error:
            return refuse(f"the body: {error.message}", 200)
        future = writer.submit(envelope, request.path_params.get("infno"))
        return _envelope_response(await asyncio.wrap_future(future))

    document: dict[str, Any] = {}

    @get("/openapi.json", include_in_schema=False, sync_to_thread=False)
    def openapi(request: Request[Any, Any, Any]) -> dict[str, Any]:
        if not document:
            document.update(openapi_document(request.app))
        return document

    def on_http_error(request: Request[Any, Any, Any], error: HTTPException) -> Response[Answer]:
        return refuse(str(error.detail), error.status_code)

    def on_error(request: Request[Any, Any, Any], error: Exception) -> Response[Answer]:
        return refuse("the message could not be answered; nothing was kept: retry it", 200)

    return Litestar(
        [message, openapi],
        exception_handlers={HTTPException: on_http_error, Exception: on_error},
        request_max_body_size=max_body,
        openapi_config=OpenAPIConfig(
            title="yzmedins settlement service",
            version=__version__,
            description="The national healthcare security platform's envelope over the "
            "settlement life of 永政发〔2017〕12号 (specification §23).",
            path="/schema",
        ),
        debug=False,
        # No logging configuration: Litestar's default starts a queue-listener thread, and a
        # process that forks (a batch run in the same process) must not hold stray threads.
        logging_config=None,
    )


def openapi_document(app: Litestar) -> dict[str, Any]:
    """The OpenAPI document: Litestar's (paths, the answer) with the request envelope and the
    error answers added, all generated from :class:`Envelope` and :class:`Answer`."""
    document: dict[str, Any] = app.openapi_schema.to_schema()
    (schema, _), components = msgspec.json.schema_components(
        [Envelope, Answer], ref_template="#/components/schemas/{name}"
    )
    document.setdefault("components", {}).setdefault("schemas", {}).update(components)
    answer = {"application/json": {"schema": {"$ref": "#/components/schemas/Answer"}}}
    errors = {
        "400": "the body is not JSON",
        "401": "the request is not signed as configured",
        "413": "the body is larger than the limit",
    }
    for path in document.get("paths", {}).values():
        operation = path.get("post")
        if operation is None:
            continue
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
        operation["responses"] = {
            "200": {"description": "the answer envelope (infcode 0 or -1)", "content": answer},
            **{code: {"description": what, "content": answer} for code, what in errors.items()},
        }
    return document
