"""Attachments downloaded a few at a time, ahead of the invoice being written (issue 18).

While the main thread combines and writes one invoice, a small pool (`AP_IMPORT_DOWNLOADS`
threads) fetches the files of the next ones. Only HTTP runs in the pool, through the one client
seam: every attempt takes a slot of the shared rate budget and is retried as any download is; a
failure comes back to the main thread with its invoice's result, so it fails that invoice
alone. Each thread has its own `requests.Session`. The database stays on the main thread
(Django's connections are per thread), so the pool is used only when the rate budget lives in
Redis; with the database budget of `make run` the files are fetched one at a time, in line.
"""

import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from django.conf import settings

from ..client import ratestore
from ..client.http import ProcoreClient
from .documents import attachment_files

T = TypeVar("T")
Files = list[tuple[str, bytes]]


def pool_size() -> int:
    """Download threads: the setting, or none at all when reserving a slot needs the ORM."""
    return settings.AP_IMPORT_DOWNLOADS if ratestore.in_redis() else 0


class Downloads:
    """`with Downloads(client) as downloads:` then `downloads.ahead(...)`; leaving the block
    cancels what has not started and waits for what has (a run that stops sends no more)."""

    def __init__(self, client: ProcoreClient, workers: int | None = None) -> None:
        self.client = client
        self.workers = pool_size() if workers is None else workers
        self._local = threading.local()
        self._pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> "Downloads":
        if self.workers > 1:
            self._pool = ThreadPoolExecutor(
                self.workers, thread_name_prefix="ap-download", initializer=self._thread_start
            )
        return self

    def __exit__(self, *exc_info) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def ahead(
        self, items: Iterable[T], attachments: Callable[[T], list[dict] | None]
    ) -> Iterator[tuple[T, "Future[Files] | None"]]:
        """Each item with the download of its attachments under way (None: nothing to fetch).
        At most twice the pool's size of items are fetched ahead of the one yielded, so memory
        holds a few invoices' files, never a page's."""
        waiting: deque = deque()
        lookahead = 2 * self.workers if self._pool is not None else 0  # in line: none
        for item in items:
            waiting.append((item, self._start(attachments(item))))
            if len(waiting) > lookahead:
                yield waiting.popleft()
        while waiting:
            yield waiting.popleft()

    def _start(self, attachments: list[dict] | None) -> "Future[Files] | None":
        if attachments is None:
            return None
        if self._pool is not None:
            return self._pool.submit(self._fetch, attachments)
        future: Future[Files] = Future()
        try:
            future.set_result(attachment_files(self.client, attachments))
        except Exception as exc:  # handed to the invoice's own handling, as from a thread
            future.set_exception(exc)
        return future

    def _thread_start(self) -> None:
        self._local.client = self.client.for_thread()

    def _fetch(self, attachments: list[dict]) -> Files:
        return attachment_files(self._local.client, attachments)
