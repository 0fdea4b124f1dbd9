"""Load benchmark: simulated learners use DynaLab at once, against the production server.

Starts the server ``make serve`` runs (gunicorn with dynalab/gunicorn_conf.py: uvicorn's
workers, 2-4 of them) on a free loopback port over a fresh temporary SQLite database (or the
DATABASE_URL given), migrates it, then runs each learner in a thread with its own session
cookie and CSRF token: home, tables, create a table, put items, Query, Scan, browse.

``--class`` runs a class instead (100 learners by default): an instructor signs in and creates
a class; each learner (their account made beforehand, see MAKE_ACCOUNTS) joins it with its code, opens the Query and Scan lesson, sets
up its sandbox, runs the lesson's requests, answers a quiz, does the lab's steps on the
workbench's Query & Scan page and checks them, copies its keys from the Connect page and
makes SDK calls (PutItem, GetItem, Query, signed with SigV4 by botocore as boto3 signs them)
through the DynamoDB endpoint, and browses their tables and activity; all
the while the instructor's dashboard polls its grid every 5 s (as the page's htmx does) and
looks at the misconceptions. Every learner comes from 127.0.0.1, so the per-address sandbox
creation limit is turned off for the run (in a class each machine has its own address, or one
NAT address whose burst covers the class).
Every learner makes a fixed number of requests (21) with a pause between them (uniform over
0.5-1.5 times --think, 1 s by default: far busier than a person reading the results), and the
learners arrive spread over --ramp seconds, as a class does; the run is bounded in count and
time. Prints the median and 95th-percentile response times and the
errors, and the load generator's own CPU time (it runs on the same machine as the server, so
what it uses the server did not have), and exits non-zero if any request failed (or, with
--max-p95, if p95 is over it).

    .venv/bin/python bench/load_bench.py                 # 30 learners, 2 workers
    .venv/bin/python bench/load_bench.py --workers 4 --learners 30 --max-p95 150
    DATABASE_URL=postgres://... .venv/bin/python bench/load_bench.py --class --max-p95 150

A class of 200 as issue 15 measures it (learners arriving over a minute, a request every 5 s
on average: still busier than a person reading a lesson):

    DATABASE_URL=postgres://... .venv/bin/python bench/load_bench.py --class --learners 200 \
        --think 5 --ramp 60
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Issue 15's goal for a class: the 95th percentile of every request under this, no errors.
GOAL_P95_MS = 150.0
ITEMS_PER_LEARNER = 8
QUERIES_PER_LEARNER = 5
SCANS_PER_LEARNER = 3


@dataclass
class Sample:
    step: str
    seconds: float
    ok: bool
    detail: str = ""


@dataclass
class Results:
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


class Learner:
    """One browser: a keep-alive connection, its cookies, and the CSRF token Django gave it."""

    def __init__(
        self, number: int, port: int, results: Results, think: float, start_after: float
    ) -> None:
        self.start_after = start_after
        self.number = number
        self.port = port
        self.results = results
        self.think = think
        self.random = random.Random(number)
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(
        self,
        step: str,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        *,
        expect: tuple[int, ...] = (200,),
    ) -> str:
        headers = {"Host": "127.0.0.1", **getattr(self, "extra_headers", {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if method == "POST":
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            headers["Referer"] = f"http://127.0.0.1:{self.port}/"
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urllib.parse.urlencode(form or {})
        exchanged = self.exchange(step, method, path, body, headers)
        if exchanged is None:
            return ""
        response, text, elapsed = exchanged
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        ok = response.status in expect
        detail = "" if ok else f"{method} {path} -> {response.status}: {text[:200]!r}"
        self.results.add(Sample(step, elapsed, ok, detail))
        return text

    def exchange(
        self, step: str, method: str, path: str, body: str | None, headers: dict[str, str]
    ) -> tuple[http.client.HTTPResponse, str, float] | None:
        """Send one request on the keep-alive connection: the response, its text and how long
        it took; None (a failed sample recorded, a new connection made) if the connection
        failed."""
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.results.add(Sample(step, time.perf_counter() - started, False, repr(error)))
            return None
        return response, text, time.perf_counter() - started

    def pause(self) -> None:
        time.sleep(self.random.uniform(0.5, 1.5) * self.think)

    def run(self) -> None:
        table = f"Orders{self.number:02d}"
        time.sleep(self.start_after)
        self.request("home", "GET", "/")
        self.pause()
        self.request("tables", "GET", "/tables/")
        self.pause()
        self.request(
            "create table",
            "POST",
            "/tables/new/",
            {
                "table_name": table,
                "partition_key_name": "customer",
                "partition_key_type": "S",
                "sort_key_name": "order_date",
                "sort_key_type": "S",
                "billing_mode": "PAY_PER_REQUEST",
            },
            expect=(302,),
        )
        self.pause()
        for number in range(ITEMS_PER_LEARNER):
            item = {
                "customer": ["ann", "bob"][number % 2],
                "order_date": f"2024-{number % 12 + 1:02d}-{number + 1:02d}",
                "total": self.random.randint(5, 500),
                "status": self.random.choice(["PLACED", "SHIPPED"]),
            }
            self.request(
                "put item",
                "POST",
                f"/tables/{table}/items/new/",
                {"item": json.dumps(item), "format": "plain"},
                expect=(302,),
            )
            self.pause()
        for number in range(QUERIES_PER_LEARNER):
            query = urllib.parse.urlencode(
                {
                    "table": table,
                    "mode": "query",
                    "pk": ["ann", "bob"][number % 2],
                    "sk_op": ">=",
                    "sk": "2024-03",
                }
            )
            self.request("query", "GET", f"/query/?{query}")
            self.pause()
        for _ in range(SCANS_PER_LEARNER):
            query = urllib.parse.urlencode(
                {
                    "table": table,
                    "mode": "scan",
                    "filter": "#s = :s",
                    "names": '{"#s": "status"}',
                    "values": '{":s": "SHIPPED"}',
                    "limit": "5",
                }
            )
            self.request("scan", "GET", f"/query/?{query}")
            self.pause()
        self.request("items", "GET", f"/tables/{table}/")
        self.pause()
        self.request("tables", "GET", "/tables/")
        self.connection.close()


ACCESS_KEY = re.compile(r'id="access-key-id">([^<]+)<')
SECRET_KEY = re.compile(r'id="secret-access-key">([^<]+)<')
SDK_CALLS = 4  # each of PutItem, GetItem, Query; one Query more


class SdkCalls:
    """DynamoDB calls as an SDK sends them: JSON 1.0 bodies, signed with SigV4 by botocore."""

    def __init__(self, learner: Learner, access_key: str, secret_key: str) -> None:
        from botocore.auth import SigV4Auth
        from botocore.credentials import Credentials

        self.learner = learner
        self.signer = SigV4Auth(Credentials(access_key, secret_key), "dynamodb", "us-east-1")

    def call(self, step: str, operation: str, payload: dict) -> dict:
        from botocore.awsrequest import AWSRequest

        learner = self.learner
        url = f"http://127.0.0.1:{learner.port}/"
        body = json.dumps(payload)
        request = AWSRequest(
            method="POST",
            url=url,
            data=body,
            headers={
                "Content-Type": "application/x-amz-json-1.0",
                "X-Amz-Target": f"DynamoDB_20120810.{operation}",
                "Host": f"127.0.0.1:{learner.port}",
            },
        )
        self.signer.add_auth(request)
        exchanged = learner.exchange(step, "POST", "/", body, dict(request.headers))
        if exchanged is None:
            return {}
        response, text, elapsed = exchanged
        ok = response.status == 200
        detail = "" if ok else f"{operation} -> {response.status}: {text[:200]!r}"
        learner.results.add(Sample(step, elapsed, ok, detail))
        return json.loads(text) if ok else {}


LESSON = "query-and-scan"
LAB = "scan-vs-query"
PASSWORD = "a load bench passphrase"
CLASS_CODE_PATTERN = re.compile(r"data-join-code>([A-Z0-9]+)<")
REQUEST_KEYS = re.compile(rf"/learn/{LESSON}/requests/([A-Za-z0-9_-]+)/run/")


#: Made in the bench's set-up, outside the measured run: a password hash costs about 0.4 s
#: of CPU by design (Django's PBKDF2), so 100 sign-ups in the first half minute would measure
#: nothing but hashing. Each learner gets a signed-in session, as after logging in.
MAKE_ACCOUNTS = """
import json, sys
import django
django.setup()
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from importlib import import_module
store = import_module(settings.SESSION_ENGINE).SessionStore
users = get_user_model()
hashed = make_password(sys.argv[1])
cookies = []
for number in range(int(sys.argv[2])):
    user = users.objects.create(username=f"learner{number:03d}", password=hashed)
    session = store()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    cookies.append(session.session_key)
print(json.dumps(cookies))
"""


class ClassLearner(Learner):
    """A learner in a class: joins it, works through the Query and Scan lesson."""

    def __init__(self, *args: object, code: str, session: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.code = code
        self.cookies["sessionid"] = session

    def run(self) -> None:
        time.sleep(self.start_after)
        self.request("classes", "GET", "/classes/")
        self.pause()
        self.request("join", "POST", "/classes/join/", {"code": self.code}, expect=(302,))
        self.pause()
        page = self.request("lesson", "GET", f"/learn/{LESSON}/")
        self.pause()
        # The lesson page's buttons post through htmx, which sends HX-Request and swaps in
        # the part of the page that changed.
        self.extra_headers = {"HX-Request": "true"}
        self.request("setup", "POST", f"/learn/{LESSON}/setup/", expect=(200,))
        self.pause()
        for key in sorted(set(REQUEST_KEYS.findall(page)))[:3]:
            self.request("run request", "POST", f"/learn/{LESSON}/requests/{key}/run/")
            self.pause()
        self.request("quiz", "POST", f"/learn/{LESSON}/quizzes/scan-cost/answer/", {"answer": "4"})
        self.extra_headers = {}
        self.pause()
        scan = urllib.parse.urlencode(
            {
                "table": "ShopOrders",
                "mode": "scan",
                "filter": "customer = :c",
                "values": '{":c": "c03"}',
            }
        )
        self.request("query page", "GET", f"/query/?{scan}")
        self.pause()
        self.extra_headers = {"HX-Request": "true"}
        self.request("check step", "POST", f"/learn/{LESSON}/labs/{LAB}/steps/1/check/")
        self.extra_headers = {}
        self.pause()
        query = urllib.parse.urlencode({"table": "ShopOrders", "mode": "query", "pk": "c03"})
        self.request("query page", "GET", f"/query/?{query}")
        self.pause()
        self.extra_headers = {"HX-Request": "true"}
        self.request("check step", "POST", f"/learn/{LESSON}/labs/{LAB}/steps/2/check/")
        self.extra_headers = {}
        self.pause()
        self.request("tables", "GET", "/tables/")
        self.pause()
        self.sdk()
        self.request("items", "GET", "/tables/ShopOrders/")
        self.pause()
        self.request("activity", "GET", "/activity/")
        self.connection.close()

    def sdk(self) -> None:
        """Copy the keys from the Connect page, then call the endpoint as a script would."""
        page = self.request("connect", "GET", "/connect/")
        access, secret = ACCESS_KEY.search(page), SECRET_KEY.search(page)
        if access is None or secret is None:
            self.results.add(Sample("connect", 0.0, False, "the Connect page shows no keys"))
            return
        sdk = SdkCalls(self, html.unescape(access[1]), html.unescape(secret[1]))
        self.pause()
        item = {"customer": {"S": "c03"}, "orderId": {"S": f"2025-01-{self.number % 28 + 1:02d}#9"}}
        sdk.call("SDK PutItem", "PutItem", {"TableName": "ShopOrders", "Item": item})
        self.pause()
        sdk.call("SDK GetItem", "GetItem", {"TableName": "ShopOrders", "Key": item})
        self.pause()
        for _ in range(SDK_CALLS - 2):
            sdk.call(
                "SDK Query",
                "Query",
                {
                    "TableName": "ShopOrders",
                    "KeyConditionExpression": "customer = :c",
                    "ExpressionAttributeValues": {":c": {"S": "c03"}},
                },
            )
            self.pause()


class Instructor(Learner):
    """Signs in, creates the class, then keeps the dashboard open until ``done`` is set."""

    def log_in(self) -> str:
        self.request("login page", "GET", "/accounts/login/")
        self.request(
            "log in",
            "POST",
            "/accounts/login/",
            {"username": "teacher", "password": PASSWORD},
            expect=(302,),
        )
        self.request(
            "new class",
            "POST",
            "/classes/new/",
            {"name": "Load bench", f"lesson_{LESSON}": "on", f"due_{LESSON}": ""},
            expect=(302,),
        )
        dashboard = self.request("dashboard", "GET", "/classes/")
        found = re.search(r'href="/classes/(\d+)/"', dashboard)
        assert found, "the instructor's class is not listed"
        self.class_path = f"/classes/{found.group(1)}/"
        page = self.request("dashboard", "GET", self.class_path)
        code = CLASS_CODE_PATTERN.search(page)
        assert code, "the dashboard shows no join code"
        return code.group(1)

    def watch(self, done: threading.Event, poll: float) -> None:
        polls = 0
        while not done.wait(poll):
            self.request_htmx("dashboard poll", self.class_path)
            polls += 1
            if polls % 3 == 0:
                self.request("misconceptions", "GET", self.class_path + "misconceptions/")
        self.connection.close()

    def request_htmx(self, step: str, path: str) -> None:
        self.extra_headers = {"HX-Request": "true"}
        try:
            self.request(step, "GET", path)
        finally:
            self.extra_headers = {}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(port: int, server: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {server.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/", headers={"Host": "127.0.0.1"})
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within 30 s")


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (p95: the value 95 % of samples are at or below)."""
    ordered = sorted(values)
    rank = max(1, int(-(-fraction * len(ordered) // 1)))
    return ordered[min(rank, len(ordered)) - 1]


def report(results: Results, workers: int, learners: int, wall: float) -> tuple[float, int]:
    samples = results.samples
    times = [s.seconds * 1000 for s in samples]
    errors = [s for s in samples if not s.ok]
    print(
        f"\n{learners} learners, {len(samples)} requests in {wall:.1f} s "
        f"({len(samples) / wall:.0f} req/s), make serve's setup with {workers} workers"
    )
    print(f"{'step':<14}{'requests':>9}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}")
    steps = sorted(
        {s.step for s in samples}, key=lambda step: [s.step for s in samples].index(step)
    )
    for step in steps:
        step_times = [s.seconds * 1000 for s in samples if s.step == step]
        print(
            f"{step:<14}{len(step_times):>9}{statistics.median(step_times):>11.1f}"
            f"{percentile(step_times, 0.95):>9.1f}{max(step_times):>9.1f}"
        )
    p95 = percentile(times, 0.95)
    print(
        f"{'all':<14}{len(times):>9}{statistics.median(times):>11.1f}{p95:>9.1f}{max(times):>9.1f}"
    )
    print(f"errors: {len(errors)}")
    for error in errors[:10]:
        print(f"  {error.step}: {error.detail}")
    return p95, len(errors)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=None, help="30; 100 with --class")
    parser.add_argument(
        "--class",
        dest="classroom",
        action="store_true",
        help="a class: learners sign up, join, do a lesson and its lab, while an instructor's "
        "dashboard polls",
    )
    parser.add_argument(
        "--poll", type=float, default=5.0, help="seconds between the dashboard's polls"
    )
    parser.add_argument("--workers", type=int, default=2, choices=range(1, 9))
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean pause between a learner's requests, seconds (default 1.0)",
    )
    parser.add_argument(
        "--ramp",
        type=float,
        default=3.0,
        help="learners arrive evenly spread over this many seconds (default 3)",
    )
    parser.add_argument(
        "--max-p95",
        type=float,
        default=None,
        help="also fail when the overall p95 is above this many ms",
    )
    args = parser.parse_args()
    if args.learners is None:
        args.learners = 100 if args.classroom else 30

    with tempfile.TemporaryDirectory(prefix="dynalab-load-") as folder:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "dynalab.settings",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "load-bench-only-" + "b" * 40,
            # Every simulated learner comes from 127.0.0.1 (see the module docstring).
            "DYNALAB_SANDBOX_CREATIONS_PER_MINUTE": "0",
        }
        env.setdefault("DATABASE_URL", f"sqlite:///{Path(folder) / 'load.sqlite3'}")
        print(f"database: {env['DATABASE_URL'].split('@')[-1]}")
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        port = free_port()
        env.update(
            {
                "HOST_PORT": f"127.0.0.1:{port}",
                "DYNALAB_SERVER_WORKERS": str(args.workers),
                "DYNALAB_ACCESS_LOG": "",
            }
        )
        sessions: list[str] = []
        if args.classroom:
            subprocess.run(
                [sys.executable, "manage.py", "create_instructor", "teacher"],
                cwd=ROOT,
                env={**env, "DYNALAB_INSTRUCTOR_PASSWORD": PASSWORD},
                check=True,
                capture_output=True,
            )
            made = subprocess.run(
                [sys.executable, "-c", MAKE_ACCOUNTS, PASSWORD, str(args.learners)],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            sessions = json.loads(made.stdout)
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "dynalab/gunicorn_conf.py",
                "dynalab.asgi:application",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            wait_until_up(port, server)
            results = Results()
            done = threading.Event()
            watcher = None
            if args.classroom:
                instructor = Instructor(-1, port, results, args.think, 0.0)
                code = instructor.log_in()
                learners: list[Learner] = [
                    ClassLearner(
                        n,
                        port,
                        results,
                        args.think,
                        args.ramp * n / max(args.learners, 1),
                        code=code,
                        session=sessions[n],
                    )
                    for n in range(args.learners)
                ]
                watcher = threading.Thread(target=instructor.watch, args=(done, args.poll))
                watcher.start()
            else:
                learners = [
                    Learner(n, port, results, args.think, args.ramp * n / max(args.learners, 1))
                    for n in range(args.learners)
                ]
            threads = [threading.Thread(target=learner.run) for learner in learners]
            cpu_before = time.process_time()
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=600)
            wall = time.perf_counter() - started
            generator_cpu = time.process_time() - cpu_before
            done.set()
            if watcher is not None:
                watcher.join(timeout=30)
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
    p95, errors = report(results, args.workers, args.learners, wall)
    print(
        f"load generator: {generator_cpu:.1f} s of CPU in {wall:.1f} s "
        f"({generator_cpu / wall:.0%} of one core of this machine's {os.cpu_count()}), "
        "taken from the server, which runs on the same machine"
    )
    print(f"pauses: {args.think:g} s mean; arrivals spread over {args.ramp:g} s")
    goal = args.max_p95 if args.max_p95 is not None else GOAL_P95_MS
    met = p95 < goal and not errors
    print(
        f"goal: p95 under {goal:g} ms and no errors: {'PASS' if met else 'BELOW'} "
        f"(p95 {p95:.1f} ms, {errors} errors)"
    )
    if errors:
        return 1
    if args.max_p95 is not None and p95 > args.max_p95:
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
