"""Validation as a service (issue 14): an upload page and a REST API for action plans.

The routes only read the request, call the validation library in a worker process and pick a
writer, as ``drugpolicy-kg validate`` does; the report is the CLI's, byte for byte (JSON, SHACL
Turtle, HTML), plus a CSV writer. What the library does is behind two small functions,
:func:`_run_validation` (bytes in, :class:`~drugpolicy_kg.validation.PlanReport` out) and
:func:`_render` (report and media type in, bytes out), so that the service follows the
library when it grows (spreadsheet locations, new writers).

Hostile input (``docs/security.md``): the body is counted while it streams in and refused above
:data:`MAX_UPLOAD` bytes (413) before it is all read; uploads stay in memory (never on disk, never
in the log: the log has sizes, counts and timings only); parsing is the CLI's safe loader, in a
worker process with a per-request time limit and a memory limit; when every worker is busy and
the waiting line is full the answer is 503 with ``Retry-After``. Error pages show the message a
user can act on, never a traceback. Every response of this router carries its own security
headers (CSP, ``nosniff``, no caching of reports), whatever app mounts it.

Routes: ``GET/POST /validate`` (the page), ``POST /api/validate``, ``GET /api/shapes``,
``GET /api/template``, ``GET /api/docs`` (Swagger UI, vendored) and the page's static files.
Usage: ``docs/service.md``.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import logging
import os
import re
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePath
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..errors import InputError
from ..vocab import DPO, DPS, EXAMPLE_PLANS
from .validator_pool import Saturated, TaskTimeout, ValidationPool, WorkerFailed

__all__ = ["MAX_UPLOAD", "SYNTAXES", "configure", "pool", "router"]

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static" / "validator"

#: The largest upload accepted (bytes of the plan; a multipart body may add a little framing).
#: Real plans are tens of kilobytes; the spreadsheet reader accepts up to 20 MiB.
MAX_UPLOAD = int(os.environ.get("DRUGPOLICY_KG_MAX_UPLOAD", 20 * 1024 * 1024))
_MULTIPART_SLACK = 64 * 1024
#: A body above the limit is read and thrown away up to this size, so that a client that sends
#: it whole (without ``Expect: 100-continue``) still reads the 413 instead of a reset connection.
_DRAIN_LIMIT = 256 * 1024 * 1024


@dataclass(frozen=True)
class Syntax:
    key: str  # the loader's format name, or "xlsx"/"csv" for workbooks
    label: str
    media_types: tuple[str, ...]
    extensions: tuple[str, ...]
    pasteable: bool = True


#: The syntaxes the service reads, with the media types and extensions that name them.
SYNTAXES: tuple[Syntax, ...] = (
    Syntax("turtle", "Turtle", ("text/turtle", "application/x-turtle"), (".ttl", ".turtle")),
    Syntax("json-ld", "JSON-LD", ("application/ld+json", "application/json"), (".jsonld", ".json")),
    Syntax(
        "xml", "RDF/XML", ("application/rdf+xml", "application/xml", "text/xml"), (".rdf", ".owl")
    ),
    Syntax("nt", "N-Triples", ("application/n-triples",), (".nt", ".ntriples")),
    Syntax("nquads", "N-Quads", ("application/n-quads",), (".nq", ".nquads")),
    Syntax("trig", "TriG", ("application/trig",), (".trig",)),
    Syntax("trix", "TriX", ("application/trix",), (".trix",)),
    Syntax(
        "xlsx",
        "Excel workbook (.xlsx)",
        ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",),
        (".xlsx",),
        pasteable=False,
    ),
    Syntax("csv", "CSV workbook", ("text/csv",), (".csv",)),
)
_BY_KEY = {s.key: s for s in SYNTAXES}
_BY_MEDIA = {m: s for s in SYNTAXES for m in s.media_types}
_BY_EXTENSION = {e: s for s in SYNTAXES for e in s.extensions}
_SYNTAX_ALIASES = {"ttl": "turtle", "jsonld": "json-ld", "rdfxml": "xml", "rdf/xml": "xml"}
#: Bodies whose media type says nothing about the syntax: the content decides, as for stdin.
_SNIFFED = {"application/octet-stream", ""}

#: Report formats: the media type, the CLI's --format name, and the download's file suffix.
REPORT_TYPES = {
    "application/json": ("json", ".json"),
    "text/turtle": ("turtle", ".ttl"),
    "text/csv": ("csv", ".csv"),
    "text/html": ("html", ".html"),
}
_FORMAT_TO_MEDIA = {fmt: media for media, (fmt, _s) in REPORT_TYPES.items()}

# ------------------------------------------------------------------ security headers

_PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
_API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def _secure(response: Response, *, csp: str = _API_CSP, cache: bool = False) -> Response:
    """The service's headers, set on the response itself so they hold in any app."""
    response.headers["Content-Security-Policy"] = csp
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if cache:
        response.headers["Cache-Control"] = "public, max-age=3600"
    else:  # reports and pages that show them: never stored by a browser or a proxy
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


def _style_csp(html_text: str) -> str:
    """A CSP for the CLI's standalone HTML report: its one inline ``<style>``, by hash."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(m.encode()).digest()).decode() + "'"
        for m in re.findall(r"<style>(.*?)</style>", html_text, re.DOTALL)
    )
    return f"default-src 'none'; style-src {hashes or chr(39) + 'none' + chr(39)}; " + (
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )


# ------------------------------------------------------------------ the adapter (library calls)


def _run_validation(
    data: bytes, syntax: str | None, name: str, deadline: str | None
) -> Any:  # PlanReport
    """Validate one uploaded plan exactly as ``drugpolicy-kg validate FILE`` does: the
    library's :func:`~drugpolicy_kg.validation.validate_upload` (RDF in any syntax, or a
    workbook, with results located at their line or cell).

    ``syntax`` is a key of :data:`SYNTAXES`, or None to decide from ``name`` and the content
    as the CLI does for a file. Raises :class:`InputError` for unreadable input.
    """
    from ..validation import parse_deadline, validate_upload

    chosen = parse_deadline(deadline) if deadline else None
    return validate_upload(data, syntax or name, deadline=chosen, name=name, chains=True)


def _render(report: Any, media_type: str) -> bytes:
    """The report in one of :data:`REPORT_TYPES`: the CLI's writers, byte for byte."""
    from ..validation.render import RENDERERS

    fmt = REPORT_TYPES[media_type][0]
    return RENDERERS[fmt]([report]).encode("utf-8")


def _work(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """What a worker process runs: one validation or one template, answered as plain data.

    An :class:`InputError` is answered as data too (its message and location), so the parent
    never unpickles an exception from a worker.
    """
    started = time.perf_counter()
    try:
        if kind == "validate":
            from ..validation.engine import WITH_STANDARD_REPORT

            # the standard report is made only for the Turtle answer that shows it
            token = WITH_STANDARD_REPORT.set("text/turtle" in payload["media_types"])
            try:
                report = _run_validation(
                    payload["data"], payload["syntax"], payload["name"], payload["deadline"]
                )
            finally:
                WITH_STANDARD_REPORT.reset(token)
            counts = report.counts()
            return {
                "ok": True,
                "bodies": {m: _render(report, m) for m in payload["media_types"]},
                "conforms": report.conforms,
                "counts": [counts["Violation"], counts["Warning"], counts["Info"]],
                "seconds": time.perf_counter() - started,
                # the plan as the monitoring features read it: the page's peers (parent side)
                "records": report.records if payload.get("records") else [],
            }
        if kind == "template":
            return {"ok": True, "body": _template_bytes(payload["state"], payload["format"])}
        raise ValueError(kind)
    except InputError as exc:
        return {
            "ok": False,
            "error": str(exc),
            "message": exc.message,
            "source": exc.source,
            "line": exc.line,
            "column": exc.column,
        }


#: Template formats: file suffix and media type.
TEMPLATE_FORMATS = {
    "turtle": (".ttl", "text/turtle"),
    "json-ld": (".jsonld", "application/ld+json"),
    "xlsx": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": (".csv", "text/csv"),
}


def _template_bytes(state: str, fmt: str) -> bytes:
    """``drugpolicy-kg plan template --state STATE``: the coordinator's workbook (.xlsx), its
    plan sheet as CSV, Turtle or JSON-LD. ``state`` goes through the one name resolver
    (``NLD``, ``NL``, ``Netherlands``)."""
    from ..graph.resolve import resolve_state
    from ..plans.template import HEADER, plan_template

    code = resolve_state(state)
    if fmt == "xlsx":
        from ..plans.template_xlsx import template_workbook

        return template_workbook(code)
    graph = plan_template(code)
    if fmt == "turtle":
        return (HEADER + graph.serialize(format="turtle")).encode("utf-8")
    if fmt == "json-ld":
        return graph.serialize(format="json-ld").encode("utf-8")
    from ..plans.spreadsheet import COLUMNS, graph_to_rows

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows([[row.get(c, "") for c in COLUMNS] for row in graph_to_rows(graph)])
    return buffer.getvalue().encode("utf-8")


# ------------------------------------------------------------------ the pool

_pool: ValidationPool | None = None


def configure(
    *,
    workers: int | None = None,
    queue: int | None = None,
    timeout: float | None = None,
    max_tasks: int = 1000,
) -> ValidationPool:
    """(Re)create the worker pool; defaults from ``DRUGPOLICY_KG_WORKERS`` (CPU count),
    ``DRUGPOLICY_KG_QUEUE`` (8) and ``DRUGPOLICY_KG_TIMEOUT`` (15 s)."""
    global _pool
    if _pool is not None:
        _pool.close()
    env = os.environ.get
    _pool = ValidationPool(
        _work,
        workers=workers or int(env("DRUGPOLICY_KG_WORKERS", 0)) or min(os.cpu_count() or 1, 4),
        queue=queue if queue is not None else int(env("DRUGPOLICY_KG_QUEUE", 8)),
        timeout=timeout or float(env("DRUGPOLICY_KG_TIMEOUT", 15.0)),
        max_tasks=max_tasks,
        preload=("drugpolicy_kg.web.validator", "drugpolicy_kg.web.validator_warm"),
    )
    return _pool


def pool() -> ValidationPool:
    """The service's pool (created on first use)."""
    return _pool or configure()


# ------------------------------------------------------------------ reading requests


class TooLarge(Exception):
    pass


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, counted as it streams in; :class:`TooLarge` as soon as it passes ``limit``."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise InputError("invalid Content-Length header") from None
        if size > limit:
            if request.headers.get("expect", "").lower() != "100-continue":
                await _drain(request, size)
            raise TooLarge(size)
    buffer = bytearray()
    async for chunk in request.stream():
        buffer += chunk
        if len(buffer) > limit:
            seen = len(buffer)
            buffer.clear()
            await _drain(request, seen)
            raise TooLarge(seen)
    return bytes(buffer)


async def _drain(request: Request, seen: int) -> None:
    """Read and discard the rest of a refused body (bounded), keeping nothing."""
    if seen > _DRAIN_LIMIT:
        return
    try:
        async for chunk in request.stream():
            seen += len(chunk)
            if seen > _DRAIN_LIMIT:
                return
    except Exception:  # the client went away, or the stream was already consumed
        return


@dataclass
class Upload:
    data: bytes
    syntax: str | None  # None: decide from the name and the content
    name: str
    deadline: str | None = None
    format: str | None = None  # the page's "report format" choice


class Unsupported(Exception):
    """An unknown syntax (415)."""


def _syntax_key(value: str) -> str | None:
    """A syntax named in a form field or a query (``auto`` and empty: decide from content)."""
    key = value.strip().lower()
    if key in ("", "auto"):
        return None
    key = _SYNTAX_ALIASES.get(key, key)
    if key in _BY_KEY:
        return key
    if key in _BY_MEDIA:
        return _BY_MEDIA[key].key
    raise Unsupported(f"unknown syntax {value!r}; use one of {', '.join(s.key for s in SYNTAXES)}")


def _safe_name(filename: str) -> str:
    """The file's base name only (a client may send a path), printable, at most 120 chars."""
    base = PurePath(filename.replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable())[:120]
    return base or "upload"


def _from_name(name: str) -> str | None:
    """Workbooks are told by their extension; RDF files go to the CLI's detection."""
    syntax = _BY_EXTENSION.get(PurePath(name).suffix.lower())
    return syntax.key if syntax is not None and syntax.key in ("xlsx", "csv") else None


def _parse_multipart(body: bytes, content_type: str) -> tuple[dict[str, str], dict[str, Any]]:
    """Form fields and the one file part of a multipart body, parsed in memory.

    (Starlette's form parser spools files over 1 MB to a temporary file: uploads must never
    touch the disk.)
    """
    from python_multipart.multipart import MultipartParser, parse_options_header

    _ctype, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        raise InputError("multipart body without a boundary")
    parts: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    header_field = bytearray()
    header_value = bytearray()

    def on_part_begin() -> None:
        current.clear()
        current.update(headers={}, data=bytearray())

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header_field.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header_value.extend(data[start:end])

    def on_header_end() -> None:
        current["headers"][bytes(header_field).lower()] = bytes(header_value)
        header_field.clear()
        header_value.clear()

    def on_part_data(data: bytes, start: int, end: int) -> None:
        current["data"].extend(data[start:end])

    def on_part_end() -> None:
        parts.append(dict(current))

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    try:
        parser.write(body)
        parser.finalize()
    except Exception as exc:
        raise InputError(f"malformed multipart body ({type(exc).__name__})") from None
    if len(parts) > 16:
        raise InputError("too many parts in the multipart body (expected at most 16)")
    fields: dict[str, str] = {}
    file: dict[str, Any] = {}
    for part in parts:
        _disp, params = parse_options_header(part["headers"].get(b"content-disposition", b""))
        field = params.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in params:
            if field == "file" and part["data"]:
                file = {
                    "name": params[b"filename"].decode("utf-8", "replace"),
                    "type": part["headers"].get(b"content-type", b"").decode("latin-1"),
                    "data": bytes(part["data"]),
                }
            continue
        try:
            fields[field] = bytes(part["data"]).decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(f"form field {field!r} is not UTF-8 text") from None
    return fields, file


async def _upload(request: Request, *, api: bool) -> Upload:
    """The plan of a request: a raw body (API) or a multipart/urlencoded form."""
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";", 1)[0].strip().lower()
    query = request.query_params
    if media == "multipart/form-data" or media == "application/x-www-form-urlencoded":
        if api and media != "multipart/form-data":
            raise Unsupported(
                "a form-urlencoded body is not a plan: send the plan as the body with its "
                "Content-Type (e.g. text/turtle), or as multipart/form-data with a 'file' field"
            )
        body = await _read_body(request, MAX_UPLOAD + _MULTIPART_SLACK)
        if media == "multipart/form-data":
            fields, file = _parse_multipart(body, content_type)
        else:
            from urllib.parse import parse_qsl

            try:
                fields = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            except UnicodeDecodeError:
                raise InputError("the form is not UTF-8 text") from None
            file = {}
        chosen = _syntax_key(fields.get("syntax") or query.get("syntax") or "")
        deadline = (fields.get("deadline") or query.get("deadline") or "").strip() or None
        fmt = fields.get("format") or None
        if file:
            if len(file["data"]) > MAX_UPLOAD:
                raise TooLarge(len(file["data"]))
            name = _safe_name(file["name"])
            syntax = chosen or _from_name(name)
            if syntax is None and not PurePath(name).suffix:
                part_type = file["type"].split(";", 1)[0].strip().lower()
                syntax = _BY_MEDIA[part_type].key if part_type in _BY_MEDIA else None
            return Upload(file["data"], syntax, name, deadline, fmt)
        text = fields.get("text", "")
        if text.strip():
            data = text.encode("utf-8")
            if len(data) > MAX_UPLOAD:
                raise TooLarge(len(data))
            if chosen == "xlsx":
                raise InputError("an .xlsx workbook cannot be pasted: choose the file instead")
            return Upload(data, chosen, "pasted text", deadline, fmt)
        raise InputError("no plan given: choose a file or paste the plan's text")
    if query.get("syntax"):
        syntax = _syntax_key(query["syntax"])
    elif media in _BY_MEDIA:
        syntax = _BY_MEDIA[media].key
    elif media in _SNIFFED:
        syntax = None
    else:
        raise Unsupported(
            f"unsupported Content-Type {media!r}; send one of "
            + ", ".join(m for s in SYNTAXES for m in s.media_types[:1])
            + " (or ?syntax=)"
        )
    data = await _read_body(request, MAX_UPLOAD)
    name = _safe_name(query["name"]) if query.get("name") else "<upload>"
    return Upload(data, syntax, name, query.get("deadline") or None)


# ------------------------------------------------------------------ negotiation


def _accepts(accept: str, offered: Sequence[str]) -> str | None:
    """The offered media type the ``Accept`` header prefers (q-values, ``*/*``, ``type/*``);
    the first offered on a tie or without a header; None if none is acceptable."""
    if not accept.strip():
        return offered[0]
    best: tuple[float, int, str] | None = None
    for item in accept.split(","):
        media, *params = (p.strip() for p in item.split(";"))
        media = media.lower()
        q = 1.0
        for p in params:
            if p.lower().startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        for order, candidate in enumerate(offered):
            kind = candidate.split("/")[0]
            if media in (candidate, "*/*", f"{kind}/*"):
                specific = 0 if media == candidate else 1
                key = (-q, specific * 100 + order, candidate)
                if best is None or key < best:
                    best = key
    return best[2] if best else None


# ------------------------------------------------------------------ responses


_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(("html",), default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _static_base(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/") + "/static/validator"


def _page(request: Request, status: int = 200, **values: Any) -> Response:
    template = _env.get_template("validator/page.html")
    html_text = template.render(
        syntaxes=SYNTAXES,
        max_upload_mb=MAX_UPLOAD // (1024 * 1024),
        static=_static_base(request),
        **values,
    )
    return _secure(Response(html_text, status, media_type="text/html"), csp=_PAGE_CSP)


def _error(
    status: int,
    message: str,
    *,
    html: bool = False,
    request: Request | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    """An error the user can act on: JSON for programs, the page (with the message) for people."""
    if html and request is not None:
        response = _page(request, status, error=message, error_detail=extra or {}, form=form or {})
    else:
        body = {"error": message, **(extra or {})}
        response = Response(
            json.dumps(body, ensure_ascii=False, indent=2) + "\n",
            status,
            media_type="application/json",
        )
        _secure(response)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _download_name(name: str, suffix: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", PurePath(name).stem).strip("._") or "plan"
    return f"{stem}-report{suffix}"


def _data_uri(media: str, body: bytes) -> str:
    return f"data:{media};charset=utf-8;base64," + base64.b64encode(body).decode("ascii")


def _report_fragment(html_report: str) -> str:
    """The body of the CLI's HTML report, headings one level down, for the page."""
    body = html_report.split("<body>", 1)[-1].rsplit("</body>", 1)[0]
    for level in (3, 2, 1):  # escaped text never holds "<h1": the writer escapes "<"
        body = body.replace(f"<h{level}>", f"<h{level + 1}>").replace(
            f"</h{level}>", f"</h{level + 1}>"
        )
    return body


def _peers_html(own: Sequence[Any], loaded: Sequence[Any]) -> str:
    """The peers to consult of the uploaded plan's state among the plans the server was started
    with (``serve --plans``), as ``validate FILE --plans DIR`` adds them to its HTML report
    (Recital 12); empty without loaded plans or a stated submitter."""
    if not own or not loaded:
        return ""
    from ..monitoring import render_peers
    from ..monitoring.peers import peers_of_states
    from ..monitoring.revisions import state_names

    # This runs in the server process on an upload's records: only plans of states the KG
    # knows, and no more of them than there are states (an upload of thousands of plans with
    # made-up states would otherwise cost states x plans x practices here).
    known = state_names()
    own = [p for p in own if p.state in known][: len(known)]
    uploaded = {p.iri for p in own}  # the upload stands for a loaded plan of the same IRI
    every = [*own, *(p for p in loaded if p.iri not in uploaded)]
    parts = [
        render_peers.render_html_body(found, heading="h3") for found in peers_of_states(own, every)
    ]
    return f"<section class='peers'>{''.join(parts)}</section>" if parts else ""


async def _validate(
    upload: Upload, media_types: Sequence[str], records: bool = False
) -> dict[str, Any]:
    """Run the validation in the pool; log sizes, counts and timings only. ``records``: the
    answer also carries the plan's records (for its peers)."""
    started = time.perf_counter()
    answer: dict[str, Any] = await pool().run(
        "validate",
        {
            "data": upload.data,
            "syntax": upload.syntax,
            "name": upload.name,
            "deadline": upload.deadline,
            "media_types": tuple(media_types),
            "records": records,
        },
    )
    elapsed = (time.perf_counter() - started) * 1000
    if answer["ok"]:
        v, w, i = answer["counts"]
        log.info(
            "validated %d bytes (%s) in %.0f ms: %d violations, %d warnings, %d infos",
            len(upload.data),
            upload.syntax or "detected",
            elapsed,
            v,
            w,
            i,
        )
    else:
        log.info("refused %d bytes (%s) in %.0f ms", len(upload.data), upload.syntax, elapsed)
    return answer


def _detail(exc: InputError) -> dict[str, Any]:
    return {"message": exc.message, "source": exc.source, "line": exc.line, "column": exc.column}


def _input_error(answer: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    detail = {k: answer[k] for k in ("message", "source", "line", "column")}
    return answer["error"], detail


# ------------------------------------------------------------------ routes


@asynccontextmanager
async def _lifespan(_app: Any) -> AsyncIterator[None]:
    """Start the workers with the application (the first request then pays nothing), and
    stop them with it."""
    global _pool
    running = pool()
    await running.start()
    try:
        yield
    finally:
        running.close()
        if _pool is running:
            _pool = None


router = APIRouter(lifespan=_lifespan)

_VALIDATE_DOC = """Validate one action plan against the shapes of Recital 12 (Decision 7301/24).

Send the plan as the request body with its syntax as `Content-Type` (`text/turtle`,
`application/ld+json`, `application/rdf+xml`, `application/n-triples`, `application/n-quads`,
`application/trig`, `application/trix`, `text/csv`, the `.xlsx` media type;
`application/octet-stream` detects the syntax from the content), or as `multipart/form-data`
with a `file` field (or a `text` field and a `syntax` field). `?syntax=` overrides the
`Content-Type`; `?deadline=YYYY-MM-DD` sets the submission deadline.

The report's format follows `Accept`: `application/json` (the CLI's `--format json`, the
default), `text/turtle` (a SHACL `sh:ValidationReport`), `text/csv`, `text/html`.
Status: 200 for a report (conforming or not: see `conforms` and the `X-Conforms` header),
400 for input that cannot be read (the CLI's message, with `source`, `line`, `column`),
406 for an unknown `Accept`, 413 above the size limit, 415 for an unknown syntax,
503 with `Retry-After` when the service is saturated.
"""

_REPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The validation report (the plan may or may not conform).",
        "content": {
            "application/json": {
                "example": {
                    "conforms": False,
                    "results": [
                        {
                            "severity": "Violation",
                            "focusNode": str(EXAMPLE_PLANS["nld-2024"]),
                            "path": f"<{DPO.submittedBy}>",
                            "message": f"Action plan <{EXAMPLE_PLANS['nld-2024']}>: ...",
                            "shape": str(DPS.SubmittedByShape),
                            "value": None,
                            "practice": None,
                            "block": None,
                        }
                    ],
                }
            },
            "text/turtle": {},
            "text/csv": {},
            "text/html": {},
        },
    },
    400: {"description": "The input cannot be read (message and location as the CLI gives)."},
    406: {"description": "No acceptable report format."},
    413: {"description": "The upload is larger than the limit."},
    415: {"description": "Unknown syntax."},
    503: {"description": "Saturated; retry after `Retry-After` seconds."},
}


@router.post(
    "/api/validate",
    tags=["validation"],
    summary="Validate an action plan",
    description=_VALIDATE_DOC,
    responses=_REPORT_RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                **{m: {"schema": {"type": "string"}} for s in SYNTAXES for m in s.media_types},
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "text": {"type": "string"},
                            "syntax": {"type": "string", "enum": [s.key for s in SYNTAXES]},
                            "deadline": {"type": "string", "format": "date"},
                        },
                    }
                },
            },
        }
    },
)
async def api_validate(request: Request) -> Response:
    media = _accepts(request.headers.get("accept", ""), tuple(REPORT_TYPES))
    if media is None:
        return _error(
            406,
            "no acceptable report format; Accept one of " + ", ".join(REPORT_TYPES),
        )
    try:
        upload = await _upload(request, api=True)
        answer = await _validate(upload, (media,))
    except TooLarge:
        return _error(413, f"the upload is larger than the limit of {MAX_UPLOAD:,} bytes")
    except Unsupported as exc:
        return _error(415, str(exc))
    except InputError as exc:
        return _error(400, str(exc), extra=_detail(exc))
    except Saturated as exc:
        return _error(503, str(exc), headers={"Retry-After": str(exc.retry_after)})
    except TaskTimeout as exc:
        return _error(
            400, f"{upload.name}: {exc}", extra=_detail(InputError(str(exc), upload.name))
        )
    except WorkerFailed as exc:
        log.error("validation worker failed: %s", exc)
        return _error(500, "validation failed unexpectedly; please report it")
    if not answer["ok"]:
        message, detail = _input_error(answer)
        return _error(400, message, extra=detail)
    body = answer["bodies"][media]
    response = Response(body, 200, media_type=media)
    response.headers["X-Conforms"] = str(answer["conforms"]).lower()
    if media == "text/html":
        return _secure(response, csp=_style_csp(body.decode("utf-8")))
    return _secure(response)


@router.get("/validate", include_in_schema=False, name="validator_page")
async def validate_page(request: Request) -> Response:
    return _page(request, form={})


@router.post("/validate", include_in_schema=False)
async def validate_form(request: Request) -> Response:
    """The page's form: the report on the page (HTML) or as a download (JSON, Turtle, CSV)."""
    partial = request.query_params.get("partial") == "1"  # the page's script: just the report
    form: dict[str, Any] = {}
    try:
        upload = await _upload(request, api=False)
        form = {"syntax": upload.syntax or "auto", "deadline": upload.deadline or ""}
        if upload.name == "pasted text":
            form["text"] = upload.data.decode("utf-8")
        download = _FORMAT_TO_MEDIA.get(upload.format or "")
        if download and download != "text/html":
            answer = await _validate(upload, (download,))
        else:
            download = None
            peer_plans = getattr(request.app.state, "peer_plans", ())
            answer = await _validate(upload, tuple(REPORT_TYPES), records=bool(peer_plans))
    except TooLarge:
        return _error(
            413,
            f"The file is larger than the limit of {MAX_UPLOAD // (1024 * 1024)} MB.",
            html=True,
            request=request,
        )
    except Unsupported as exc:
        return _error(415, str(exc), html=True, request=request, form=form)
    except InputError as exc:
        return _error(400, str(exc), html=True, request=request, form=form)
    except Saturated as exc:
        return _error(
            503,
            "The service is busy. Please try again in a moment.",
            html=True,
            request=request,
            form=form,
            headers={"Retry-After": str(exc.retry_after)},
        )
    except TaskTimeout as exc:
        return _error(400, f"{upload.name}: {exc}", html=True, request=request, form=form)
    except WorkerFailed as exc:
        log.error("validation worker failed: %s", exc)
        return _error(
            500, "Validation failed unexpectedly; please report it.", html=True, request=request
        )
    if not answer["ok"]:
        message, detail = _input_error(answer)
        return _error(400, message, html=True, request=request, extra=detail, form=form)
    if download:
        response = Response(answer["bodies"][download], 200, media_type=download)
        response.headers["Content-Disposition"] = (
            f'attachment; filename="{_download_name(upload.name, REPORT_TYPES[download][1])}"'
        )
        return _secure(response)
    bodies = answer["bodies"]
    fragment = _report_fragment(bodies["text/html"].decode("utf-8"))
    peers = _peers_html(answer.get("records") or [], getattr(request.app.state, "peer_plans", ()))
    report = {
        "name": upload.name,
        "conforms": answer["conforms"],
        "counts": answer["counts"],
        "fragment": fragment + peers,
        "downloads": [
            (label, _download_name(upload.name, REPORT_TYPES[m][1]), _data_uri(m, bodies[m]))
            for label, m in (
                ("JSON", "application/json"),
                ("SHACL Turtle", "text/turtle"),
                ("CSV", "text/csv"),
                ("HTML", "text/html"),
            )
        ],
    }
    if partial:
        html_text = _env.get_template("validator/report.html").render(report=report)
        return _secure(Response(html_text, 200, media_type="text/html"), csp=_PAGE_CSP)
    return _page(request, report=report, form=form)


@lru_cache(maxsize=1)
def _shapes_text() -> bytes:
    from ..resources import iter_assets

    return "\n".join(a.read_text(encoding="utf-8") for a in iter_assets("shapes", ".ttl")).encode()


@router.get(
    "/api/shapes",
    tags=["validation"],
    summary="The SHACL shapes plans are validated against (Turtle)",
    responses={200: {"content": {"text/turtle": {}}}},
)
async def api_shapes() -> Response:
    response = Response(_shapes_text(), 200, media_type="text/turtle")
    return _secure(response, cache=True)


@router.get(
    "/api/template",
    tags=["validation"],
    summary="A plan template for one state: Turtle, JSON-LD or a workbook (.xlsx, CSV)",
    description="The skeleton of `drugpolicy-kg plan template --state STATE`: the four block "
    "sections with an entry for each of the 44 practices. The format is `format=` if given, "
    "else the `Accept` header's choice (default Turtle).",
    responses={
        200: {"content": {media: {} for _s, media in TEMPLATE_FORMATS.values()}},
        400: {"description": "Not one of the 27 addressees."},
    },
)
async def api_template(
    request: Request,
    state: str | None = Query(None, description="ISO 3166 alpha-3 code of an addressee, e.g. NLD"),
    format: str | None = Query(None, description="turtle, json-ld, xlsx or csv"),
) -> Response:
    if not state:
        return _error(400, "give the state: ?state=NLD (ISO 3166 alpha-3 code of an addressee)")
    if format:
        fmt = _SYNTAX_ALIASES.get(format.lower(), format.lower())
        if fmt not in TEMPLATE_FORMATS:
            return _error(
                400, f"unknown format {format!r}; use one of {', '.join(TEMPLATE_FORMATS)}"
            )
    else:
        offered = tuple(media for _s, media in TEMPLATE_FORMATS.values())
        chosen = _accepts(request.headers.get("accept", ""), offered)
        if chosen is None:
            return _error(406, "no acceptable template format; Accept one of " + ", ".join(offered))
        fmt = next(k for k, (_s, m) in TEMPLATE_FORMATS.items() if m == chosen)
    if not re.fullmatch(r"[A-Za-z]{3}", state.strip()):
        return _error(400, f"state {state!r}: expected an ISO 3166 alpha-3 code such as NLD")
    try:
        answer = await pool().run("template", {"state": state, "format": fmt})
    except Saturated as exc:
        return _error(503, str(exc), headers={"Retry-After": str(exc.retry_after)})
    except (TaskTimeout, WorkerFailed):
        return _error(500, "the template could not be made; please report it")
    if not answer["ok"]:
        return _error(400, answer["error"])
    suffix, media = TEMPLATE_FORMATS[fmt]
    response = Response(answer["body"], 200, media_type=media)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{state.strip().lower()}-plan-template{suffix}"'
    )
    return _secure(response)


_DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
)


@router.get("/api/docs", include_in_schema=False)
async def api_docs(request: Request) -> Response:
    """Swagger UI (vendored from npm swagger-ui-dist; no CDN) on ``/api/openapi.json``."""
    html_text = _env.get_template("validator/docs.html").render(static=_static_base(request))
    return _secure(Response(html_text, 200, media_type="text/html"), csp=_DOCS_CSP, cache=False)


_STATIC_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".txt": "text/plain",
    ".map": "application/json",
}


@lru_cache(maxsize=1)
def _static_files() -> dict[str, Path]:
    """The files under ``static/validator`` (fixed when the package is installed)."""
    return {
        p.relative_to(STATIC).as_posix(): p
        for p in STATIC.rglob("*")
        if p.is_file() and p.suffix in _STATIC_TYPES
    }


@router.get("/static/validator/{name:path}", include_in_schema=False, name="validator_static")
async def validator_static(name: str) -> Response:
    path = _static_files().get(name)
    if path is None:
        return _error(404, "not found")
    response = Response(path.read_bytes(), 200, media_type=_STATIC_TYPES[path.suffix])
    return _secure(response, cache=True)


def standalone_app() -> Any:
    """An app serving only this router, for ``uvicorn --factory`` in tests and benchmarks.

    The site's application (``web/app.py``) includes :data:`router` with its other pages; this
    one exists so the service can be run and measured on its own.
    """
    from fastapi import FastAPI

    app = FastAPI(
        title="drugpolicy-kg validation service",
        version=_version(),
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.include_router(router)
    return app


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("drugpolicy-kg")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0"
