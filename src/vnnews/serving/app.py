"""The HTTP service: ``vnnews serve --classifier DIR --summarizer DIR``.

POST /v1/classify (a raw page or its lines -> a label per line), /v1/summarize
(clean text -> a lead), /v1/process (a raw page -> the record ``vnnews infer``
writes); each takes one object or a list. GET /healthz (the process answers),
/readyz (the models are loaded), /metrics (Prometheus), /docs (OpenAPI), and a
page at / to paste a page dump into.

Models are loaded once, in the background at start (so /healthz answers while
they load), from the paths given on the command line; a request cannot name a
model (request bodies reject unknown fields). Concurrent requests are
micro-batched into shared model calls (:mod:`vnnews.serving.batcher`). Bad input
is a 422 naming the field (text that is not valid Unicode included: it never
reaches a model batch), a body over ``max_body_bytes`` a 413, a request past
``timeout_s`` a 504, anything else a 500; every error body is ``{"error": ...}``.
The server keeps serving: a model call that fails is retried request by request
(one bad request never fails the others batched with it), and a model call that
runs out of memory is followed by a probe; when the probe fails too, /healthz and
/readyz say the worker is broken (503) so an orchestrator restarts it. With
``auth_token_file`` or ``VNNEWS_API_TOKEN`` set, every route but the two probes
needs ``Authorization: Bearer TOKEN``. On SIGTERM uvicorn stops accepting
connections and finishes the requests in flight before the models are released.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Body, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema
from starlette.exceptions import HTTPException as StarletteHTTPException

from vnnews.inference.records import article_record, line_entries, summary_document
from vnnews.inference.stages import InferenceConfig, Models, check_settings, label_articles, load_models, summarize_documents
from vnnews.ingest import Article, IngestError, IngestOptions, Line, article_from_content
from vnnews.ingest.article import lone_surrogate
from vnnews.serving.batcher import MicroBatcher
from vnnews.serving.metrics import MetricsMiddleware, ServiceMetrics

log = logging.getLogger(__name__)

TOKEN_ENV = "VNNEWS_API_TOKEN"  # the bearer token, when not in auth_token_file (never a command-line argument)
PROBES = frozenset({"/healthz", "/readyz"})  # answered without the token: orchestrators probe them


@dataclass
class ServeConfig:
    """Knobs of ``vnnews serve`` (configs/serve/default.yaml)."""

    classifier: str | None = None  # model directory or Hub id ("weak": the rule labeller)
    classifier_revision: str | None = None
    summarizer: str | None = None
    summarizer_revision: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    max_batch: int = 32  # articles (classifier) or documents (summarizer) per shared model call
    max_wait_ms: float = 5.0  # how long a batch waits for more requests once it has one
    classify_batch_size: int | None = None  # lines per forward pass inside a model call; None: by device (128 CPU, 4,096 GPU)
    summarize_batch_size: int = 32  # documents per shared summarizer call
    summarize_batch_tokens: int | None = None  # padded source tokens x beams per generate call; None: by device
    encoder_batch_tokens: int | None = None  # padded tokens per line-encoder call; None: by device
    line_cache_mib: float | None = 256  # line vectors kept across requests (a site's menus encoded once); 0 or null: none
    # Processes that segment and tokenize the lines of pages for the classifier ("auto": every
    # core but one; 0: in the model's thread)
    segment_workers: int | str = "auto"
    threads: int | str = "auto"  # torch threads; auto: models on a GPU, the cores the segmentation workers leave; on the CPU, every core
    ct2_compute_type: str | None = None  # a CTranslate2 summarizer's compute type (default by device)
    generation: dict[str, Any] = field(default_factory=dict)  # overrides the summarizer's generation config
    max_body_bytes: int = 2_000_000
    max_items: int = 64  # objects per list request
    timeout_s: float = 60.0  # per request; past it: 504, and its remaining work is dropped
    graceful_shutdown_s: float = 30.0  # time given to requests in flight on SIGTERM
    # Work one request may ask for (past these: 422 naming the limit).
    max_line_chars: int = 20_000  # characters in one line of a page
    max_lines: int = 5_000  # lines in one page
    max_document_chars: int = 200_000  # characters in one document to summarize
    max_lines_per_call: int = 2_048  # lines of pages batched into one classifier call (a longer page is a call of its own)
    max_page_elements: int = 200_000  # HTML elements of one page, counted while parsing (422 past it)
    # Slow and idle clients (uvicorn): time for a request to arrive whole (408 past it),
    # connections + requests in flight before new requests get 503, idle keep-alive.
    read_timeout_s: float = 10.0
    limit_concurrency: int = 256
    keep_alive_s: int = 5
    tone_style: Literal["new", "old"] | None = None  # None: the page's own tone marks in responses
    device: str | None = None
    classifier_precision: Literal["auto", "fp32", "bf16"] = "auto"  # auto: bf16 on a GPU that supports it, fp32 on a CPU; bf16: on a CPU too (AMX: faster)
    # HTML pages: the page labeller drops the article lines it is unsure of that trafilatura
    # leaves out (vnnews.ingest.second_opinion; a second extraction of each page); false: the model alone
    second_opinion: bool = True
    # A file holding the bearer token every route but /healthz and /readyz then needs (or set
    # the VNNEWS_API_TOKEN variable); null and no variable: no authentication (keep the host on 127.0.0.1)
    auth_token_file: str | None = None
    # A page item may give only its "url" for the service to fetch (the page at / then shows
    # an address field). Off by default: a service fetching what callers name reaches out
    # to the network; public addresses only unless fetch_private (an intranet's own sites).
    fetch: bool = False
    fetch_private: bool = False
    fetch_timeout_s: float = 10.0  # connect and each read; the request's timeout_s bounds the whole

    def __post_init__(self) -> None:
        if not (self.classifier or self.summarizer):
            raise ValueError("give --classifier and/or --summarizer")
        self.auth_token()  # a missing or empty token file is refused at start
        check_settings(
            self,
            ("max_batch", "max_body_bytes", "max_items", "classify_batch_size", "summarize_batch_size", "max_line_chars", "max_lines", "max_document_chars", "max_lines_per_call", "limit_concurrency", "keep_alive_s", "encoder_batch_tokens", "max_page_elements"),
            ("summarize_batch_tokens", "line_cache_mib"),
        )
        from vnnews.machine import check_workers

        check_workers("segment_workers", self.segment_workers)
        from vnnews.models.loading import check_precision

        check_precision("classifier_precision", self.classifier_precision)
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be between 0 and 65535, got {self.port}")
        for name in ("timeout_s", "max_wait_ms", "graceful_shutdown_s", "read_timeout_s", "fetch_timeout_s"):
            if getattr(self, name) < 0 or (name in ("timeout_s", "read_timeout_s", "fetch_timeout_s") and getattr(self, name) == 0):
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")

    def auth_token(self) -> str | None:
        """The bearer token: the content of ``auth_token_file``, else ``$VNNEWS_API_TOKEN``, else None."""
        if self.auth_token_file:
            try:
                token = Path(self.auth_token_file).read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:
                raise ValueError(f"auth_token_file {self.auth_token_file}: cannot read it ({exc})") from None
            if not token:
                raise ValueError(f"auth_token_file {self.auth_token_file} is empty")
            return token
        return os.environ.get(TOKEN_ENV, "").strip() or None


# ---------------------------------------------------------------- schemas
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _valid_unicode(cls, value: Any) -> Any:
        """Text with a lone surrogate (valid JSON: "\\ud800") cannot be encoded, tokenized or
        written back: refused here, for this item only, before it reaches a model batch."""
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str) and (at := lone_surrogate(text)) is not None:
                raise ValueError(f"not valid Unicode: a lone surrogate U+{ord(text[at]):04X} at character {at + 1}")
        return value


_ID = Annotated[str, Field(max_length=256)] | SkipJsonSchema[None]


_EXACTLY_ONE = {"oneOf": [{"required": ["text"]}, {"required": ["html"]}, {"required": ["lines"]}, {"required": ["url"], "not": {"anyOf": [{"required": ["text"]}, {"required": ["html"]}, {"required": ["lines"]}]}}]}
MAX_URL_CHARS = 2_048
# No pattern on ``url``: JSON Schema's regular expressions (ECMA-262) and the server's (Rust)
# disagree on what \s is (U+0085), so a schema-valid address was refused (schemathesis). Any
# string is taken: beside a page it is metadata (an address that is not http(s), or cannot be
# parsed, is null in the record); alone, vnnews.fetch refuses what it cannot fetch, with why.


class PageIn(_Strict):
    """A raw page: give exactly one of ``text`` (a page dump, one block per line), ``html`` or ``lines``,
    optionally with ``url`` (where it was read); or ``url`` alone for the service to fetch it (when
    started with ``fetch=true``). A page with nothing left after cleaning is answered with no lines."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_EXACTLY_ONE)

    id: Annotated[_ID, Field(description="echoed back; default: its position in the request")] = None
    text: Annotated[str | SkipJsonSchema[None], Field(description="page dump, one block per line")] = None
    html: Annotated[str | SkipJsonSchema[None], Field(description="the page's HTML")] = None
    lines: Annotated[list[str] | SkipJsonSchema[None], Field(description="the page's blocks, in order")] = None
    url: Annotated[
        Annotated[str, Field(max_length=MAX_URL_CHARS)] | SkipJsonSchema[None],
        Field(description="the page's address: with text/html/lines, where it was read (the record's url, the base of relative images); alone, the page to fetch (services started with fetch=true)"),
    ] = None

    @model_validator(mode="after")
    def _one_source(self) -> PageIn:
        given = [name for name in ("text", "html", "lines") if getattr(self, name) is not None]
        if len(given) > 1 or (not given and self.url is None):
            raise ValueError(f"give exactly one of 'text', 'html' or 'lines', or a 'url' to fetch (got {', '.join(given) or 'none'})")
        return self


class DocumentIn(_Strict):
    """Clean article text (the body), to summarize. Blank text gets a null summary."""

    id: _ID = None
    text: str = Field(..., description="the article body, paragraphs one per line")


class LineOut(BaseModel):
    text: str
    label: str | None
    confidence: float | None


class ClassifyOut(BaseModel):
    id: str
    lines: list[LineOut]


class SummaryOut(BaseModel):
    id: str
    summary: str | None


class ImageOut(BaseModel):
    src: str | None
    alt: str | None
    caption: str | None


class ProcessOut(BaseModel):
    """The record ``vnnews infer`` writes for one article (fields: vnnews.inference.records)."""

    id: str
    source: str
    title: str | None
    lead: str | None
    body: list[str]
    captions: list[str]
    byline: str | None
    dateline: str | None
    text: str
    date_published: str | None
    date_modified: str | None
    authors: list[str]
    url: str | None
    site_name: str | None
    section: str | None
    tags: list[str]
    language: str | None
    image: str | None
    images: list[ImageOut]
    comments: list[str]
    meta_sources: dict[str, Any]
    duplicate_of: str | None
    duplicate_score: float | None
    encoding: str | None
    lines: list[LineOut]
    summary: str | None
    label_source: str | None
    models: dict[str, str | None]
    timings: dict[str, float]


class ErrorOut(BaseModel):
    error: str


class BadRequest(Exception):
    """A request that validates but cannot be processed; a 422 naming the field."""

    def __init__(self, field: str, message: str) -> None:
        self.field, self.message = field, message
        super().__init__(f"{field}: {message}")


# ---------------------------------------------------------------- the service
# A page's line labels, their confidences, where they came from (model, weak, input),
# and its shares of the segmentation and classifier seconds of the batch it was in.
PageLabels = tuple[list[str | None] | None, list[float | None] | None, str | None, float, float]


class Service:
    """The models behind their micro-batchers."""

    def __init__(self, config: ServeConfig, metrics: ServiceMetrics, models: Models | None = None) -> None:
        self.config = config
        self.metrics = metrics
        self.models = models
        self.load_error: str | None = None
        self.broken: str | None = None  # why the models no longer work (a failed probe), if so
        from vnnews.machine import resolve_workers

        labeller = config.classifier not in (None, "weak")  # a page labeller, not the rules
        self.workers = resolve_workers(config.segment_workers) if labeller else 0
        self.options = IngestOptions(
            tone_style=config.tone_style, max_page_lines=config.max_lines, max_page_elements=config.max_page_elements,
            second_opinion=config.second_opinion and labeller,  # only a page labeller reads it
        )
        self.classify = MicroBatcher(
            self._classify, config.max_batch, config.max_wait_ms, on_batch=lambda n: metrics.batch("classifier", n),
            cost=lambda article: max(1, len(article.lines)), max_cost=config.max_lines_per_call, cancellable=True,
        )
        self.summarize = MicroBatcher(
            self._summarize, config.max_batch, config.max_wait_ms, on_batch=lambda n: metrics.batch("summarizer", n), max_cost=config.summarize_batch_size
        )

    @property
    def ready(self) -> bool:
        return self.models is not None and self.broken is None

    async def check_health(self) -> None:
        """Probe the models with a tiny page and document (after a model call ran out of
        memory): when the probe fails too, the worker is broken and the probes say so
        (/healthz and /readyz 503) so an orchestrator restarts it; when it passes, the
        service goes on and recovers from an earlier failed probe."""
        if self.models is None:
            return
        probe = Article("probe", "probe", [Line("Hà Nội"), Line("Tin tức trong ngày.")], {})
        try:
            if self.models.classifier is not None:
                await self.classify([probe])
            if self.models.summarizer is not None:
                await self.summarize(["Hà Nội hôm nay có mưa."])
        except Exception as exc:  # noqa: BLE001 - any failure of the probe means the worker is broken
            self.broken = f"the models fail on a probe after running out of memory ({type(exc).__name__}: {exc}); restart this worker"
            self.metrics.ready.set(0)
            log.error(self.broken)
            return
        if self.broken is not None:
            log.warning("the probe passes again: the worker recovered")
        self.broken = None
        self.metrics.ready.set(1)

    def close(self) -> None:
        """Stop the classifier's segmentation processes (at shutdown: none outlives the service)."""
        if self.models is not None and hasattr(self.models.classifier, "close"):
            self.models.classifier.close()

    async def load(self) -> None:
        if self.models is not None:
            return
        infer = InferenceConfig(
            classifier=self.config.classifier,
            classifier_revision=self.config.classifier_revision,
            summarizer=self.config.summarizer,
            summarizer_revision=self.config.summarizer_revision,
            encoder_batch_tokens=self.config.encoder_batch_tokens,
            line_cache_mib=self.config.line_cache_mib,
            ct2_compute_type=self.config.ct2_compute_type,
            classifier_precision=self.config.classifier_precision,
        )
        try:
            from vnnews.machine import limit_threads, on_accelerator

            self.models = await asyncio.get_running_loop().run_in_executor(self.classify.executor, load_models, infer, self.config.device)
            limit_threads(self.workers, self.config.threads, accelerator=on_accelerator(self.models.classifier, self.models.summarizer))
            if self.workers and hasattr(self.models.classifier, "start_workers"):  # now, not in the first request
                await asyncio.get_running_loop().run_in_executor(self.classify.executor, self.models.classifier.start_workers, self.workers)
            self.metrics.ready.set(1)
            log.info("models loaded: %s", self.models.identities())
        except Exception as exc:  # noqa: BLE001 - reported by /readyz, the process stays up
            self.load_error = f"{type(exc).__name__}: {exc}"
            log.error("could not load the models: %s", self.load_error)

    async def classify_pages(self, articles: list[Article]) -> list[PageLabels]:
        """Labels of every line of ``articles``, with where they came from and each page's
        share of the segmentation and classifier time. Pages from concurrent requests share
        classifier calls of up to ``max_lines_per_call`` lines (a longer page is a call
        of its own; the classifier reads it in its overlapping windows)."""
        return await self.classify(articles)

    def _classify(self, articles: list[Article], should_stop: Callable[[], bool] | None = None) -> list[PageLabels]:
        assert self.models is not None
        done = label_articles(articles, self.models.classifier, self.config.classify_batch_size, self.workers, should_stop=should_stop)
        lines = [max(1, len(a.lines)) for a in articles]
        total = sum(lines)
        return [
            (labels, confidences, origin, done.segment_s * n / total, done.classify_s * n / total)
            for labels, confidences, origin, n in zip(done.labels, done.confidences, done.origins, lines, strict=True)
        ]

    def _summarize(self, documents: list[str]) -> list[str | None]:
        assert self.models is not None
        return summarize_documents(documents, self.models.summarizer, self.config.summarize_batch_size, self.config.generation, self.config.summarize_batch_tokens)


def _items(payload: Any, model: type[BaseModel], max_items: int) -> tuple[list[Any], bool]:
    """Validated items of a one-or-many body, and whether it was a list."""
    if not isinstance(payload, (dict, list)):  # a text/plain or form body reaches here as text
        raise BadRequest("body", "expected a JSON object, or a list of them, sent with Content-Type: application/json")
    many = isinstance(payload, list)
    raw = payload if many else [payload]
    if many and len(raw) > max_items:
        raise BadRequest("body", f"at most {max_items} items per request, got {len(raw)}")
    if many and not raw:
        raise BadRequest("body", "empty list")
    items = []
    for i, item in enumerate(raw):
        try:
            items.append(model.model_validate(item))
        except ValidationError as exc:
            first = exc.errors()[0]
            # the field and list indexes: pydantic also names the union member it tried ("constrained-str")
            loc = first.get("loc", ())
            where = ".".join(str(p) for n, p in enumerate(loc) if n == 0 or isinstance(p, int))
            prefix = f"body[{i}]" if many else "body"
            message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
            raise BadRequest(f"{prefix}.{where}" if where else prefix, message) from None
    return items, many


def _check_page_size(item: PageIn, config: ServeConfig, field_prefix: str) -> None:
    """Refuse, before any parsing, a page whose lines are too long or too many."""
    if item.html is not None:
        return  # its lines are known only once parsed: checked after (the body size bounds the parse)
    given = "text" if item.text is not None else "lines"
    lines = item.text.split("\n") if item.text is not None else (item.lines or [])
    _check_lines([len(t) for t in lines], config, f"{field_prefix}.{given}")


def _check_lines(lengths: list[int], config: ServeConfig, where: str) -> None:
    if len(lengths) > config.max_lines:
        raise BadRequest(where, f"{len(lengths)} lines; the limit is max_lines={config.max_lines} per page")
    for i, n in enumerate(lengths):
        if n > config.max_line_chars:
            raise BadRequest(where, f"line {i + 1} has {n} characters; the limit is max_line_chars={config.max_line_chars}")


def _page(item: PageIn, index: int, service: Service, field_prefix: str) -> Article:
    """The article of one page item, within the configured limits (runs in a worker
    thread: cleaning a large page must not stall the event loop and /healthz)."""
    article_id = item.id or str(index)
    fetched = item.text is None and item.html is None and item.lines is None
    given = "url" if fetched else "text" if item.text is not None else "html" if item.html is not None else "lines"
    if fetched:
        item = _fetched_page(item, service.config, f"{field_prefix}.url")
    _check_page_size(item, service.config, field_prefix)
    try:
        article = article_from_content(article_id, "request", text=item.text, html=item.html, lines=item.lines, options=service.options)
    except IngestError as exc:
        if exc.cause == "no text left after cleaning":  # a valid request for an empty page: no lines
            return Article(article_id, "request", [], {"url": item.url} if item.url else {})
        raise BadRequest(f"{field_prefix}.{given}", exc.cause) from None
    if item.html is not None:
        _check_lines([len(line.text) for line in article.lines], service.config, f"{field_prefix}.{given}")
    if item.url:
        article.meta["url"] = item.url
    return article


def _fetched_page(item: PageIn, config: ServeConfig, where: str) -> PageIn:
    """``item`` with the page its ``url`` names, fetched within the service's bounds (a page
    no larger than a request body may be, ``fetch_timeout_s``, public addresses unless
    ``fetch_private``), as ``html`` or ``text``; ``url`` becomes the address reached."""
    if not config.fetch:
        raise BadRequest(where, "this service does not fetch pages (start it with fetch=true), send the page itself as 'html' or 'text'")
    from vnnews.fetch import FetchError, fetch
    from vnnews.ingest.content import looks_like_html
    from vnnews.ingest.decode import declared_charset, decode_bytes

    assert item.url is not None
    try:
        page = fetch(item.url, max_bytes=config.max_body_bytes, timeout_s=min(config.fetch_timeout_s, config.timeout_s), public_only=not config.fetch_private)
    except FetchError as exc:
        raise BadRequest(where, str(exc)) from None
    text, _ = decode_bytes(page.body, declared_charset(page.body))
    html = looks_like_html(text)
    return item.model_copy(update={"html": text if html else None, "text": None if html else text, "url": page.url})


async def _pages(items: list[PageIn], many: bool, service: Service, seconds: list[float] | None = None) -> list[Article]:
    """Every page's article, cleaned in a worker thread; the time each took is appended
    to ``seconds`` when given."""

    def clean() -> list[Article]:
        articles = []
        for i, item in enumerate(items):
            t0 = time.perf_counter()
            articles.append(_page(item, i, service, _prefix(many, i)))
            if seconds is not None:
                seconds.append(time.perf_counter() - t0)
        return articles

    return await asyncio.to_thread(clean)


def _prefix(many: bool, i: int) -> str:
    return f"body[{i}]" if many else "body"


def _one_or_many(model: type[BaseModel], max_items: int, fetches: bool = True) -> dict[str, Any]:
    """The request body schema: one object, or a list of 1..max_items of them (inlined:
    the models are validated by hand, so FastAPI does not list them itself). A service
    that does not fetch documents a page item as needing its content (``url`` alone is
    then refused)."""
    one = model.model_json_schema()
    if not fetches and "oneOf" in one:
        one["oneOf"] = [alt for alt in one["oneOf"] if alt.get("required") != ["url"]]
    return {"required": True, "content": {"application/json": {"schema": {"oneOf": [one, {"type": "array", "items": one, "minItems": 1, "maxItems": max_items}]}}}}


def _add_error_handlers(app: FastAPI) -> None:
    """Every error is ``{"error": ...}`` naming the field or the cause; 422 for bad input."""

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": ("body",), "msg": "invalid request"}
        if first.get("type") == "json_invalid":
            reason = (first.get("ctx") or {}).get("error", "")
            return JSONResponse({"error": f"body: invalid JSON at character {first['loc'][-1]}" + (f" ({reason})" if reason else "")}, status_code=422)
        where = ".".join(str(p) for p in first.get("loc", ()))
        return JSONResponse({"error": f"{where}: {first.get('msg')}"}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI could not decode the body at all
            cause = exc.__cause__
            why = "not UTF-8 (JSON must be)" if isinstance(cause, UnicodeDecodeError) else "nested too deeply" if isinstance(cause, RecursionError) else "not readable as JSON"
            return JSONResponse({"error": f"body: {why}"}, status_code=422)
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(BadRequest)
    async def _bad(request: Request, exc: BadRequest) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=422)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.error("%s %s failed: %s: %s", request.method, request.url.path, type(exc).__name__, exc, exc_info=exc)
        return JSONResponse({"error": f"internal error ({type(exc).__name__}); the request was not completed, the server goes on"}, status_code=500)


def _add_model_routes(app: FastAPI, service: Service, config: ServeConfig) -> None:
    """/v1/classify, /v1/summarize, /v1/process: one object or a list, micro-batched, bounded by ``timeout_s``."""
    page_body, doc_body = _one_or_many(PageIn, config.max_items, config.fetch), _one_or_many(DocumentIn, config.max_items)

    async def guarded(work: Any) -> Any:
        if not service.ready:
            return JSONResponse({"error": service.broken or service.load_error or "models are still loading; retry when /readyz says ready"}, status_code=503)
        try:
            return await asyncio.wait_for(work, config.timeout_s)
        except (asyncio.TimeoutError, TimeoutError):
            return JSONResponse({"error": f"request took longer than {config.timeout_s:g}s"}, status_code=504)
        except MemoryError:
            await service.check_health()  # a probe: does the worker still work?
            return JSONResponse({"error": "the server ran out of memory on this request; smaller pages or fewer items may pass"}, status_code=503)

    def need(model: str) -> None:
        assert service.models is not None
        if getattr(service.models, model) is None:
            raise BadRequest("body", f"this server runs no {model} (start it with --{model})")

    @app.post("/v1/classify", response_model=ClassifyOut | list[ClassifyOut], openapi_extra={"requestBody": page_body})
    async def classify(payload: Annotated[Any, Body()]) -> Any:
        """Label every line of a raw page (or of each page of a list)."""

        async def work() -> Any:
            need("classifier")
            items, many = _items(payload, PageIn, config.max_items)
            articles = await _pages(items, many, service)
            results = await service.classify_pages(articles)
            out = [{"id": a.id, "lines": line_entries(a, labels, conf)} for a, (labels, conf, *_) in zip(articles, results, strict=True)]
            return out if many else out[0]

        return await guarded(work())

    @app.post("/v1/summarize", response_model=SummaryOut | list[SummaryOut], openapi_extra={"requestBody": doc_body})
    async def summarize(payload: Annotated[Any, Body()]) -> Any:
        """Write a lead (sapo) for clean article text (or for each of a list)."""

        async def work() -> Any:
            need("summarizer")
            items, many = _items(payload, DocumentIn, config.max_items)
            for i, item in enumerate(items):
                if len(item.text) > config.max_document_chars:
                    raise BadRequest(f"{_prefix(many, i)}.text", f"{len(item.text)} characters; the limit is max_document_chars={config.max_document_chars}")
            summaries = await service.summarize([item.text for item in items])
            out = [{"id": item.id or str(i), "summary": s} for i, (item, s) in enumerate(zip(items, summaries, strict=True))]
            return out if many else out[0]

        return await guarded(work())

    @app.post("/v1/process", response_model=ProcessOut | list[ProcessOut], openapi_extra={"requestBody": page_body})
    async def process(payload: Annotated[Any, Body()]) -> Any:
        """Raw page in, the full record out: the clean fields, every line labelled, and the summary."""

        async def work() -> Any:
            items, many = _items(payload, PageIn, config.max_items)
            ingest_s: list[float] = []
            articles = await _pages(items, many, service, ingest_s)
            assert service.models is not None
            if service.models.classifier is not None:
                labelled = await service.classify_pages(articles)
            else:
                labelled = [(None, None, None, 0.0, 0.0)] * len(articles)
            t1 = time.perf_counter()
            documents = [summary_document(a, lab) for a, (lab, *_) in zip(articles, labelled, strict=True)]
            summaries = await service.summarize(documents) if service.models.summarizer is not None else [None] * len(articles)
            summarize_s = (time.perf_counter() - t1) / len(articles)  # the request's pages are summarized together
            identities = service.models.identities()
            out = [
                article_record(a, lab, conf, origin, s, identities, {"ingest_s": ing, "segment_s": seg, "classify_s": cls, "summarize_s": summarize_s})
                for a, (lab, conf, origin, seg, cls), s, ing in zip(articles, labelled, summaries, ingest_s, strict=True)
            ]
            return out if many else out[0]

        return await guarded(work())


def _add_status_routes(app: FastAPI, service: Service, metrics: ServiceMetrics) -> None:
    """Probes, Prometheus metrics, the label set and the page at /."""

    @app.get("/healthz", responses={503: {"model": ErrorOut}})
    async def healthz() -> Any:
        """The process is up and serving HTTP, and its models still work (503 once a probe
        after an out-of-memory failure fails: restart the worker)."""
        if service.broken:
            return JSONResponse({"error": service.broken}, status_code=503)
        return {"status": "ok"}

    @app.get("/readyz", responses={503: {"model": ErrorOut}})
    async def readyz() -> Any:
        """The models are loaded and work: requests will be served. (The models' names are
        at /v1/models, behind the token when one is set.)"""
        if service.ready:
            return {"status": "ready"}
        return JSONResponse({"error": service.broken or service.load_error or "loading models"}, status_code=503)

    @app.get("/v1/models", responses={503: {"model": ErrorOut}})
    async def models() -> Any:
        """The models this server runs: the id or path each was loaded from and its revision."""
        if service.models is None:
            return JSONResponse({"error": service.load_error or "loading models"}, status_code=503)
        return {"models": service.models.identities()}

    @app.get("/metrics", response_class=Response)
    async def prometheus() -> Response:
        """Prometheus metrics: requests by endpoint and status, latency, batch sizes, in flight."""
        body, content_type = metrics.render()
        return Response(body, media_type=content_type)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page() -> HTMLResponse:
        html = resources.files("vnnews.serving").joinpath("static/index.html").read_text(encoding="utf-8")
        if service.config.fetch:  # the address field is shown only where the service fetches
            html = html.replace('<body data-fetch="off">', '<body data-fetch="on">', 1)
        return HTMLResponse(html)

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    async def docs() -> HTMLResponse:
        """The API's operations and schemas, read from /openapi.json by a page with no outside resource."""
        html = resources.files("vnnews.serving").joinpath("static/docs.html").read_text(encoding="utf-8")
        return HTMLResponse(html)

    @app.get("/v1/labels", include_in_schema=True)
    async def labels() -> dict[str, Any]:
        """The label set, with each label's coarse group (content, caption, boilerplate)."""
        from vnnews.labels import COARSE, LABELS

        return {"labels": list(LABELS), "coarse": dict(COARSE)}


def create_app(config: ServeConfig, models: Models | None = None) -> FastAPI:
    """The ASGI app. ``models`` skips loading (tests, notebooks)."""
    from vnnews import __version__
    from vnnews.serving.auth import BearerAuth
    from vnnews.serving.limits import BodySizeLimit, ConcurrencyLimit

    metrics = ServiceMetrics()
    service = Service(config, metrics, models)
    if models is not None:
        metrics.ready.set(1)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        service.classify.start()
        service.summarize.start()
        loader = asyncio.create_task(service.load())
        yield
        loader.cancel()
        await service.classify.stop()
        await service.summarize.stop()
        service.close()

    app = FastAPI(
        title="vnnews",
        version=__version__,
        description="Clean, structured articles and summaries from Vietnamese news pages.",
        lifespan=lifespan,
        docs_url=None,  # FastAPI's Swagger UI and ReDoc load from a CDN: blank on an offline intranet;
        redoc_url=None,  # /docs is a self-contained page of vnnews' own (static/docs.html)
        responses={413: {"model": ErrorOut}, 422: {"model": ErrorOut}, 503: {"model": ErrorOut}, 504: {"model": ErrorOut}},
    )
    app.state.service = service
    _add_error_handlers(app)
    _add_model_routes(app, service, config)
    _add_status_routes(app, service, metrics)
    metrics.endpoints = {route.path for route in app.routes}  # bounded label values for /metrics
    # added innermost first: metrics see every response, the token is checked before the
    # body is read, the size limit rejects before parsing
    app.add_middleware(BodySizeLimit, max_bytes=config.max_body_bytes)
    app.add_middleware(ConcurrencyLimit, max_in_flight=config.limit_concurrency, open_paths=PROBES)
    if (token := config.auth_token()) is not None:
        app.add_middleware(BearerAuth, token=token, open_paths=PROBES)
    elif config.host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("listening on %s without authentication: set auth_token_file or %s (serve/README.md)", config.host, TOKEN_ENV)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app


def app_from_env() -> FastAPI:
    """The app for an ASGI server that imports it, e.g. several worker processes:
    ``uvicorn --factory vnnews.serving.app:app_from_env --workers 4``. The config
    comes from ``VNNEWS_SERVE_CONFIG`` (a YAML file) and ``VNNEWS_SERVE_<KEY>``
    variables (``VNNEWS_SERVE_CLASSIFIER=runs/classifier``, values parsed as YAML),
    the variables winning."""
    import os

    from vnnews.config import load_config

    prefix = "VNNEWS_SERVE_"
    overrides = [f"{k[len(prefix):].lower()}={v}" for k, v in sorted(os.environ.items()) if k.startswith(prefix) and k != prefix + "CONFIG"]
    return create_app(load_config(ServeConfig, os.environ.get(prefix + "CONFIG"), overrides))


__all__ = ["ServeConfig", "app_from_env", "create_app"]
