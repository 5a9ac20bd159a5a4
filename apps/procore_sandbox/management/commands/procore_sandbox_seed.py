"""`manage.py procore_sandbox_seed`: the demo Procore company `make run` connects to."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.procore_sandbox import registry, seed
from apps.procore_sandbox.models import SandboxCompany


class Command(BaseCommand):
    help = "Build the sandbox's demo company (replacing it), or nothing with --if-empty."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="skip if any company exists")
        parser.add_argument("--projects", type=int, default=5)
        parser.add_argument("--employees", type=int, default=250)
        parser.add_argument("--vendors", type=int, default=20)
        parser.add_argument("--sub-jobs", type=int, default=3, help="per project")
        parser.add_argument("--cost-codes", type=int, default=12, help="in the company list")
        parser.add_argument("--seed", type=int, default=1, help="same seed, same data")

    def handle(self, *args: Any, **options: Any) -> None:
        registry.app_register()  # `make run` always has Trestle's OAuth app
        if options["if_empty"] and SandboxCompany.objects.exists():
            self.stdout.write("Procore sandbox: already seeded.")
            return
        sizes = seed.Sizes(
            projects=options["projects"],
            employees=options["employees"],
            vendors=options["vendors"],
            sub_jobs=options["sub_jobs"],
            cost_codes=options["cost_codes"],
            seed=options["seed"],
        )
        started = time.monotonic()
        company = seed.seed_demo(sizes)
        self.stdout.write(
            f"Procore sandbox: company {company.name} ({company.id}) seeded in "
            f"{time.monotonic() - started:.1f}s; consent as {registry.DEMO_LOGIN}."
        )
