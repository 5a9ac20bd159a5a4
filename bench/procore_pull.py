"""Issue 3: pull 20,000 company users through ProcoreClient, next to a floor from the same run.

The sandbox is seeded with N employees (`procore_sandbox_seed --employees N --projects 0`) and
served by gunicorn on a loopback port. The client pass lists `/rest/v1.3/companies/{id}/users`
through `resources.company_users` (paging, token, rate budget, circuit breaker, logging). The
floor replays the very page URLs the client fetched with a bare `requests.get` loop and
`json.loads`. Passes alternate (client, floor, client, ...) and the median time is reported;
peak memory comes from one more pass of each under tracemalloc (which slows code, so it is not
timed). No assertion: the figures are printed as measured.

    .venv/bin/python bench/procore_pull.py [--employees 20000] [--repeat 3]
"""

import argparse
import json
import statistics
from dataclasses import dataclass

import requests
from benchkit import meters, stack


@dataclass
class Pass:
    records: int
    requests: int
    seconds: float = 0.0
    peak_mb: float = 0.0


def client_pull(connection, label: str) -> int:
    from apps.procore_sync.client import resources
    from apps.procore_sync.client.http import ProcoreClient

    client = ProcoreClient(connection)
    with meters.labelled(label):
        return sum(1 for _ in resources.company_users(client, company_id=connection.company_id))


def floor_pull(urls: list[str], headers: dict[str, str]) -> int:
    records = 0
    for url in urls:
        response = requests.get(url, headers=headers, timeout=60)
        response.raise_for_status()
        records += len(json.loads(response.content))
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="timed passes of each side")
    args = parser.parse_args()
    seed = ("--employees", str(args.employees), "--projects", "0", "--vendors", "0")
    with stack.bench_stack(*seed) as bench:
        stack.django_setup()
        from benchkit.office import auth_headers, connected_office

        _, connection = connected_office("Bench Pull")
        log = meters.LOG

        def client_run() -> tuple[int, int]:
            before = len(log.sent)
            records = client_pull(connection, "client")
            return records, len(log.sent) - before

        client_run()  # warm-up: connections, imports, the server's first requests
        urls = [s.url for s in log.sent if s.label == "client"]
        minimum = log.minimum_list_requests("client")
        per_page = {s.per_page for s in log.sent if s.label == "client"}
        headers = auth_headers(connection.access_token, connection.company_id)

        def floor_run() -> tuple[int, int]:
            return floor_pull(urls, headers), len(urls)

        client, floor = measure_alternating(client_run, floor_run, args.repeat)
        report(bench, args, client, floor, minimum, per_page)


def measure_alternating(client_run, floor_run, repeat: int) -> tuple[Pass, Pass]:
    client_times, floor_times = [], []
    for _ in range(repeat):
        with meters.Stopwatch() as watch:
            client_records, client_sent = client_run()
        client_times.append(watch.seconds)
        with meters.Stopwatch() as watch:
            floor_records, floor_sent = floor_run()
        floor_times.append(watch.seconds)
    with meters.traced_peak() as client_peak:
        client_run()
    with meters.traced_peak() as floor_peak:
        floor_run()
    client = Pass(client_records, client_sent, statistics.median(client_times), client_peak())
    floor = Pass(floor_records, floor_sent, statistics.median(floor_times), floor_peak())
    return client, floor


def report(bench, args, client: Pass, floor: Pass, minimum: int, per_page: set) -> None:
    print(f"procore_pull: {client.records:,} company users from the sandbox ({args.employees:,} "
          f"seeded employees + the Procore login), server: gunicorn, {stack.SERVER_WORKERS} "
          "workers, loopback")  # fmt: skip
    print(f"  seed: {bench.notes[0]} (command wall time {bench.seed_seconds:.1f}s)")
    print(f"  pages: server page size {sorted(per_page)} (client asks per_page=2000); minimum "
          f"requests = ceil(Total/Per-Page) = {minimum}")  # fmt: skip
    print(f"  timing: median of {args.repeat} alternating passes; peak memory: peak Python heap "
          "allocated during one extra pass under tracemalloc")  # fmt: skip
    print(f"  {'':24}{'requests':>9}{'minimum':>9}{'seconds':>9}{'records/s':>11}{'peak MB':>9}")
    for name, row in (("client (ProcoreClient)", client), ("floor (requests.get)", floor)):
        rate = row.records / row.seconds if row.seconds else 0
        print(f"  {name:24}{row.requests:>9}{minimum:>9}{row.seconds:>9.2f}{rate:>11,.0f}"
              f"{row.peak_mb:>9.1f}")  # fmt: skip
    time_ratio = client.seconds / floor.seconds if floor.seconds else float("nan")
    memory_ratio = client.peak_mb / floor.peak_mb if floor.peak_mb else float("nan")
    print(f"  ratio client/floor: time {time_ratio:.2f}x, peak memory {memory_ratio:.2f}x")


if __name__ == "__main__":
    main()
