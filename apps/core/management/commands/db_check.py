"""One line instead of a stack trace when the database is not there."""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.db.utils import OperationalError

START_HINT = (
    "start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start "
    "(or set DATABASE_URL to a PostgreSQL you can reach)"
)


class Command(BaseCommand):
    help = "Exit 1 with a one-line hint when the configured database cannot be reached."

    def handle(self, *args, **options) -> None:
        db = settings.DATABASES["default"]
        where = f"{db.get('HOST') or 'local socket'}:{db.get('PORT') or 5432}/{db.get('NAME')}"
        try:
            connection.ensure_connection()
        except OperationalError:
            self.stderr.write(f"PostgreSQL is not reachable at {where}; {START_HINT}")
            sys.exit(1)
