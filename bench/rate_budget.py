"""Issue 17 §3: 8 worker processes share one connection's rate budget against the sandbox's limits.

The stack (benchkit) serves the sandbox with gunicorn; its limits are set to a 20-request
10-second spike window and a 3,600-request hourly one (`--spike`, `--hourly`), as fixed windows
aligned on the clock (apps/procore_sandbox/ratelimit.py; every request counts, refused ones too).
Then `--workers` processes, each its own Django, call `GET /rest/v1.0/me` through `ProcoreClient`
for the office's one connection (one token) as fast as the budget lets them, from the same
10-second boundary for `--seconds` (a multiple of 10), each through a session that records every
answer: its status and its `X-Rate-Limit-*` headers. `--cache database` runs the workers on the
budget's database fallback (`make run` without Redis) instead of Redis. `--latency-ms` delays
each request in the sandbox before it is counted, so requests sent near a window's end are
counted in the next one (the sandbox then serves fewer than the windows allow: 2 gunicorn
workers).

- requests: every answer the workers got, retries included;
- answered_429: those answered 429 (in the whole run);
- budget_used: 2xx answers counted in the measured spike windows (the window an answer was
  counted in is the one its `X-Rate-Limit-Reset` names), divided by what the sandbox allowed in
  those windows: `spike` per window, at most `hourly` in all. The measured windows are the
  `seconds / 10` windows from the common start; a request a worker reserved before the end but
  sent after it counts in `requests` and `answered_429`, not in `budget_used`.

The last line is one JSON object: `{"requests": N, "answered_429": N, "budget_used": F}`.

    .venv/bin/python bench/rate_budget.py [--workers 8] [--seconds 120] [--spike 20]
                                          [--hourly 3600] [--cache redis|database]
                                          [--latency-ms 0]
"""

import argparse
import json
import math
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from benchkit import stack

SPIKE_SECONDS = 10
READY_SECONDS = 20  # time for every worker to set Django up before the common start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=120, help="a multiple of 10")
    parser.add_argument("--spike", type=int, default=20, help="requests per 10 s")
    parser.add_argument("--hourly", type=int, default=3600, help="requests per hour")
    parser.add_argument("--cache", choices=["redis", "database"], default="redis")
    parser.add_argument("--latency-ms", type=int, default=0, help="the sandbox's, before counting")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)  # child mode
    parser.add_argument("--connection", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--start", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        return worker(args)
    seconds = max(SPIKE_SECONDS, args.seconds - args.seconds % SPIKE_SECONDS)
    with stack.bench_stack("--employees", "5", "--projects", "2", "--vendors", "1") as bench:
        stack.django_setup()
        from benchkit.office import connected_office

        from apps.procore_sandbox import faults

        _, connection = connected_office("Rate Budget Bench")
        faults.set_faults(
            rate_limit_hourly=args.hourly, rate_limit_spike=args.spike, latency_ms=args.latency_ms
        )
        environ = dict(bench.environ)
        if args.cache == "database":
            environ.pop("REDIS_URL")  # config.settings.local then shares the cache in the DB
            stack.manage(environ, "createcachetable")
        start = math.ceil((time.time() + READY_SECONDS) / SPIKE_SECONDS) * SPIKE_SECONDS
        answers = run_workers(args, environ, bench.run_dir, connection.pk, start, seconds)
    print_report(args, answers, start, seconds)


def run_workers(args, environ, run_dir: Path, connection_id: int, start: float, seconds: int):
    children = []
    for index in range(args.workers):
        out = run_dir / f"worker-{index}.json"
        command = [sys.executable, __file__, "--worker", str(index), "--out", str(out)]
        command += ["--connection", str(connection_id), "--start", str(start)]
        command += ["--seconds", str(seconds)]
        log = open(run_dir / f"worker-{index}.log", "w")  # noqa: SIM115 - closed below
        children.append(
            (subprocess.Popen(command, env=environ, cwd=stack.ROOT, stderr=log), out, log)
        )
    answers = []
    for child, out, log in children:
        code = child.wait(timeout=start - time.time() + seconds + 180)
        log.close()
        if code:
            raise RuntimeError(f"a worker failed:\n{Path(log.name).read_text()}")
        answers += json.loads(out.read_text())
    return answers


# --- a worker: one process, one ProcoreClient ---------------------------------------------------


def worker(args) -> None:
    stack.django_setup()
    import requests

    from apps.procore_sync.client import resources
    from apps.procore_sync.client.errors import ProcoreError, RateLimited
    from apps.procore_sync.client.http import ProcoreClient
    from apps.procore_sync.models import ProcoreConnection

    answers: list[dict] = []

    class RecordingSession(requests.Session):
        def request(self, method, url, *a, **kw):
            sent = time.time()
            try:
                response = super().request(method, url, *a, **kw)
            except requests.RequestException:
                answers.append({"sent": sent, "at": time.time(), "status": None})
                raise
            headers = response.headers
            answers.append({
                "sent": sent, "at": time.time(), "status": response.status_code,
                "limit": headers.get("X-Rate-Limit-Limit"),
                "reset": headers.get("X-Rate-Limit-Reset"),
            })  # fmt: skip
            return response

    client = ProcoreClient(
        ProcoreConnection.objects.get(pk=args.connection), session=RecordingSession()
    )
    errors: Counter = Counter()
    end = args.start + args.seconds
    time.sleep(max(0.0, args.start - time.time()))
    while time.time() < end:
        try:
            resources.me(client)
        except RateLimited as exc:  # the hour is spent: nothing to send before its reset
            errors["RateLimited"] += 1
            time.sleep(max(0.0, min(exc.retry_at or end, end) - time.time()))
        except ProcoreError as exc:
            errors[type(exc).__name__] += 1
    Path(args.out).write_text(json.dumps(answers))
    if errors:
        print(f"worker {args.worker}: {dict(errors)}", file=sys.stderr)


# --- the report ---------------------------------------------------------------------------------


def window_of(answer: dict, spike: int) -> float:
    """The spike window (its start) the sandbox counted an answer in."""
    if answer.get("reset") and answer.get("limit") == str(spike):
        return float(answer["reset"]) - SPIKE_SECONDS
    return answer["at"] - answer["at"] % SPIKE_SECONDS


def print_report(args, answers: list[dict], start: float, seconds: int) -> None:
    windows = [start + SPIKE_SECONDS * k for k in range(seconds // SPIKE_SECONDS)]
    statuses = Counter(a["status"] for a in answers)
    ok_per_window = Counter(
        window_of(a, args.spike) for a in answers if a["status"] and 200 <= a["status"] < 300
    )
    used = sum(ok_per_window[w] for w in windows)
    allowed = min(args.spike * len(windows), args.hourly)
    per_window = [ok_per_window[w] for w in windows]
    print(
        f"{args.workers} worker processes, one connection, {seconds} s from a common start, "
        f"budget on {args.cache}; sandbox limits {args.spike} per 10 s, {args.hourly} per hour, "
        f"latency {args.latency_ms} ms"
    )
    by_status = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items(), key=str))
    print(f"answers: {len(answers)} ({by_status})")
    print(
        f"2xx per measured window: min {min(per_window)}, max {max(per_window)} "
        f"of {args.spike}; {used} of {allowed} allowed in {len(windows)} windows"
    )
    result = {
        "requests": len(answers),
        "answered_429": statuses.get(429, 0),
        "budget_used": round(used / allowed, 3) if allowed else 0.0,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    main()
