"""One line instead of a stack trace when the database is not there."""

import sys

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand

START_HINT = (
    "start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start "
    "(or set DATABASE_URL to a PostgreSQL you can reach)"
)


class Command(BaseCommand):
    help = "Exit 1 with a one-line hint when the configured PostgreSQL server cannot be reached."

    def handle(self, *args, **options) -> None:
        db = settings.DATABASES["default"]
        where = f"{db.get('HOST') or 'local socket'}:{db.get('PORT') or 5432}"
        try:
            # The server, not the database: the test run creates its own database on it.
            psycopg.connect(
                host=db.get("HOST") or None,
                port=db.get("PORT") or None,
                user=db.get("USER") or None,
                password=db.get("PASSWORD") or None,
                dbname="postgres",
                connect_timeout=3,
            ).close()
        except psycopg.OperationalError:
            self.stderr.write(f"PostgreSQL is not reachable at {where}; {START_HINT}")
            sys.exit(1)
