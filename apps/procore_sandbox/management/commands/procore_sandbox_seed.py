"""`manage.py procore_sandbox_seed`: the demo Procore companies `make run` connects to."""

import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.procore_sandbox import registry, seed
from apps.procore_sandbox.models import SandboxCompany


class Command(BaseCommand):
    help = (
        "Build the sandbox's demo companies, the contractor's (sized by the options) and the "
        "customer's (replacing them); with --if-empty, only those that are missing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="leave a demo company that exists alone"
        )
        parser.add_argument("--projects", type=int, default=5)
        parser.add_argument("--employees", type=int, default=250)
        parser.add_argument("--vendors", type=int, default=20)
        parser.add_argument("--sub-jobs", type=int, default=3, help="per project")
        parser.add_argument("--cost-codes", type=int, default=12, help="in the company list")
        parser.add_argument("--seed", type=int, default=1, help="same seed, same data")

    def handle(self, *args: Any, **options: Any) -> None:
        registry.app_register()  # `make run` always has Trestle's OAuth app
        sizes = seed.Sizes(
            projects=options["projects"],
            employees=options["employees"],
            vendors=options["vendors"],
            sub_jobs=options["sub_jobs"],
            cost_codes=options["cost_codes"],
            seed=options["seed"],
        )
        builds: list[tuple[str, Callable[[], SandboxCompany]]] = [
            (seed.DEMO_COMPANY, lambda: seed.seed_demo(sizes)),
            (seed.CUSTOMER_COMPANY, seed.seed_customer),
        ]
        done = []
        for name, build in builds:
            if options["if_empty"] and SandboxCompany.objects.filter(name=name).exists():
                continue
            started = time.monotonic()
            company = build()
            done.append(f"{company.name} ({company.id}) in {time.monotonic() - started:.1f}s")
        if not done:
            self.stdout.write("Procore sandbox: already seeded.")
            return
        self.stdout.write(
            f"Procore sandbox: seeded {'; '.join(done)}; consent as {registry.DEMO_LOGIN}, "
            "who works in both demo companies."
        )
