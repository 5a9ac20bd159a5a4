"""List, and with --delete remove, uploaded files that no row references."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from apps.core.upload_orphans import orphan_files, orphans_delete


class Command(BaseCommand):
    help = (
        "Find files under the upload folders that no FileField row references. A dry run by "
        "default: prints what it would remove; --delete removes them."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--delete", action="store_true", help="remove the files found")
        parser.add_argument(
            "--min-age-minutes",
            type=int,
            default=60,
            help="skip younger files, which may belong to a write not yet committed (default 60)",
        )

    def handle(self, *args, delete: bool, min_age_minutes: int, **options) -> None:
        orphans = list(orphan_files(min_age=timedelta(minutes=min_age_minutes)))
        verb = "Removed" if delete else "Would remove"
        for name in orphans:
            self.stdout.write(f"{verb} {name}")
        if delete:
            orphans_delete(orphans)
        self.stdout.write(f"{verb} {len(orphans)} orphan file(s).")
