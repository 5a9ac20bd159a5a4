"""`manage.py procore_sandbox_deliver`: post the sandbox's webhook deliveries that are due now
(retries, or deliveries a stopped process left behind), then show the deliveries by status."""

import json
from typing import Any

from django.core.management.base import BaseCommand

from apps.procore_sandbox import webhook_sender


class Command(BaseCommand):
    help = "Post the sandbox's due webhook deliveries and show their counts by status."

    def handle(self, *args: Any, **options: Any) -> None:
        posts = webhook_sender.deliver_due()
        self.stdout.write(f"Posted {posts} webhook delivery request(s).")
        self.stdout.write(json.dumps(webhook_sender.counts(), indent=2))
