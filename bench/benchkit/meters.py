"""Meters: HTTP requests sent, SQL statements run, and the peak memory of a stretch of code."""

import contextlib
import cProfile
import io
import json
import math
import os
import pstats
import re
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Sent:
    label: str
    method: str
    url: str
    status: int
    total: int | None  # the list's `Total` header
    per_page: int | None  # the page size the server actually used (`Per-Page`)
    records: int | None = None
    seconds: float = 0.0  # from sending to the answer's headers and body read

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def family(self) -> str:
        """`PATCH /rest/v1.0/change_events/{id}`: method and path below the API root, ids
        folded; a list read with `filters[...]` is marked, as it is a lookup, not a listing."""
        path = re.sub(r"^.*?(?=/rest/|/oauth/)", "", self.path)
        path = re.sub(r"/\d+(?=/|$)", "/{id}", path)
        path = re.sub(r"/attachments/\{id\}/[^/]+$", "/attachments/{id}/{filename}", path)
        filtered = "filters[" in urlsplit(self.url).query or "filters%5B" in self.url
        return f"{self.method} {path}{' (filters)' if filtered else ''}"

    def list_key(self) -> tuple[str, tuple]:
        """The list this page belongs to: path and query without the paging parameters."""
        query = sorted((k, v) for k, v in parse_qsl(urlsplit(self.url).query) if k != "page")
        return self.path, tuple(query)


@dataclass
class RequestLog:
    """Every request `requests` sends from this process while `label` is set; `failed` holds
    those that got no answer (connection dropped or refused, timeout), with status 0."""

    label: str | None = None
    sent: list[Sent] = field(default_factory=list)
    failed: list[Sent] = field(default_factory=list)

    def by_label(self) -> Counter:
        return Counter(s.label for s in self.sent)

    def minimum_list_requests(self, label: str | None = None) -> int:
        """Pages a client must fetch at least: ceil(Total / Per-Page) per distinct list."""
        lists: dict[tuple, int] = {}
        for s in self.sent:
            if s.method != "GET" or (label and s.label != label):
                continue
            needed = 1
            if s.total is not None and s.per_page:
                needed = max(1, math.ceil(s.total / s.per_page))
            lists[s.list_key()] = max(lists.get(s.list_key(), 1), needed)
        return sum(lists.values())


LOG = RequestLog()
_original_send = requests.Session.send


def _recording_send(self: requests.Session, request: Any, **kwargs: Any) -> requests.Response:
    started = time.perf_counter()
    try:
        response = _original_send(self, request, **kwargs)
    except requests.RequestException:
        if LOG.label is not None:
            elapsed = time.perf_counter() - started
            failed = Sent(LOG.label, request.method, request.url, 0, None, None, None, elapsed)
            LOG.failed.append(failed)
        raise
    elapsed = time.perf_counter() - started
    if LOG.label is not None:
        headers = response.headers
        body = json.loads(request.body) if request.method == "PATCH" and request.body else {}
        LOG.sent.append(
            Sent(
                LOG.label,
                request.method,
                request.url,
                response.status_code,
                int(headers["Total"]) if headers.get("Total") else None,
                int(headers["Per-Page"]) if headers.get("Per-Page") else None,
                len(body.get("updates") or []) if isinstance(body, dict) else None,
                elapsed,
            )
        )
    return response


requests.Session.send = _recording_send  # type: ignore[method-assign]  # count, never change


@contextlib.contextmanager
def labelled(label: str | None) -> Iterator[None]:
    before, LOG.label = LOG.label, label
    try:
        yield
    finally:
        LOG.label = before


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_SIZE


class RssPeak:
    """Peak resident memory above the start, sampled every 5 ms by a thread."""

    def __init__(self) -> None:
        self.start = self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, rss_bytes())

    def __enter__(self) -> "RssPeak":
        self.start = self.peak = rss_bytes()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.start) / 2**20


@contextlib.contextmanager
def traced_peak() -> Iterator[Callable[[], float]]:
    """Peak Python heap (MB) allocated inside the block, by tracemalloc (slows code down)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    result = {"peak": 0.0}
    try:
        yield lambda: result["peak"]
    finally:
        result["peak"] = (tracemalloc.get_traced_memory()[1] - base) / 2**20
        tracemalloc.stop()


class QueryCounter:
    """`connection.execute_wrapper` callable: counts statements under the current `label`."""

    def __init__(self) -> None:
        self.label = "other"
        self.counts: Counter = Counter()
        self.seconds: Counter = Counter()
        self.wall: Counter = Counter()  # time inside the functions `wrap` labelled, SQL included

    def __call__(self, execute: Callable, sql: str, params: Any, many: bool, context: Any):
        self.counts[self.label] += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds[self.label] += time.perf_counter() - started

    @contextlib.contextmanager
    def labelled(self, label: str) -> Iterator[None]:
        before, self.label = self.label, label
        try:
            yield
        finally:
            self.label = before

    def wrap(self, original: Callable, label: str) -> Callable:
        """`original` with its statements counted and its time summed under `label` (it is
        called unchanged)."""

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                with self.labelled(label):
                    return original(*args, **kwargs)
            finally:
                self.wall[label] += time.perf_counter() - started

        return wrapped


def profile_top(profiler: cProfile.Profile | None, lines: int = 30) -> str:
    """The top `lines` functions of a cProfile by cumulative time ("" without a profiler)."""
    if profiler is None:
        return ""
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(lines)
    return out.getvalue()


class Stopwatch:
    def __enter__(self) -> "Stopwatch":
        self.started = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.started
