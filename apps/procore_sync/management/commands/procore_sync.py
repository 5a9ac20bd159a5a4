"""Operators: run a sync for one office now, in this process, with a progress bar."""

import sys
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from apps.offices.models import Office

from ...client.reachability import api_unreachable
from ...engine import FLOWS, run_execute
from ...engine_models import SyncRun, Trigger
from ...runs import run_queue


class Command(BaseCommand):
    help = "Run a Procore sync flow for an office now and show its progress."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--office", type=int, required=True, help="Trestle office id")
        parser.add_argument("--flow", default="entities", choices=sorted(FLOWS))
        parser.add_argument("--full", action="store_true", help="ignore the incremental cursor")
        parser.add_argument("--entity", action="append", help="limit to these entities")

    def handle(self, *args, office: int, flow: str, full: bool, entity, **options) -> None:
        office_obj = Office.objects.filter(pk=office).first()
        if office_obj is None:
            raise CommandError(f"No office with id {office}.")
        if why := api_unreachable():
            raise CommandError(f"{why} {_where_hint()}")
        params = {"full": full, **({"entities": entity} if entity else {})}
        run = run_queue(
            office=office_obj,
            flow=flow,
            trigger=Trigger.OPERATOR,
            params=params,
            enqueue=lambda _: None,
        )
        worker = threading.Thread(target=self._execute, args=(run.pk,))
        worker.start()
        while worker.is_alive():
            self._draw(SyncRun.objects.get(pk=run.pk))
            time.sleep(0.5)
        worker.join()
        run.refresh_from_db()
        self._draw(run)
        sys.stdout.write("\n")
        self.stdout.write(f"Run {run.pk}: {run.get_status_display()} {run.counts}")
        if run.error:
            raise CommandError(run.error)

    @staticmethod
    def _execute(run_id: int) -> None:
        try:
            run_execute(run_id)
        finally:
            close_old_connections()

    @staticmethod
    def _draw(run: SyncRun) -> None:
        filled = run.percent // 5
        counts = ", ".join(f"{k} {v}" for k, v in sorted(run.counts.items()))
        sys.stdout.write(f"\r[{'#' * filled}{'.' * (20 - filled)}] {run.percent:3d}% {counts}")
        sys.stdout.flush()


def _where_hint() -> str:
    """What to fix: the embedded sandbox is served by Trestle's own web process."""
    if settings.PROCORE_API_URL.startswith(settings.SITE_URL):
        return (
            f"The Procore sandbox is served by Trestle at {settings.SITE_URL}: start `make run`, "
            "or set SITE_URL (or TRESTLE_PORT) to where it runs."
        )
    return "Check PROCORE_API_URL and the network."
