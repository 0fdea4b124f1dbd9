"""Benchmark DynaLab's wire endpoint against moto's server mode and dynalite, all via boto3.

The script starts three servers on loopback ports, runs the same boto3 workload against each,
stops them, and prints requests per second with DynaLab's ratio to each peer:

- DynaLab: the server ``make serve`` runs (gunicorn with dynalab/gunicorn_conf.py: uvicorn's
  workers, 2 of them, Django in their thread pools), debug off, accept-any-key mode, no
  request-rate limit, a fresh SQLite database in a temporary folder (``--database-dir`` picks
  where: the default is the system's temporary folder, on disk; /dev/shm puts it in memory
  like the peers' state). Every acknowledged write is committed first, as always.
- moto: ``moto_server`` from moto[server] (in the dev extra).
- dynalite: installed with ``npm install dynalite`` into a cache folder on first use (run by
  node, state in memory). Skipped, and said so, when node or npm is missing or the install fails.

Workloads, each after a short untimed warm-up: PutItem of ~100-byte items, GetItem of those
items, and Query returning one partition's 100 items; each with 1 and with 4 concurrent
clients (``--clients``), on the same server. The goal (issue 15) is DynaLab at or above
dynalite on each: the last column says PASS or BELOW.

Usage: .venv/bin/python bench/endpoint_bench.py [--requests 500] [--queries 150] [--clients 1,4]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DYNALITE_CACHE = Path(
    os.environ.get("DYNALAB_BENCH_CACHE", Path.home() / ".cache" / "dynalab-bench")
)
TABLE = "bench"
QUERY_PARTITION = "query-partition"
QUERY_ITEMS = 100
PAYLOAD = "x" * 80  # with the keys, an item of about 100 bytes
WORKLOADS = ("PutItem", "GetItem", "Query (100 items)")


@dataclass
class Server:
    name: str
    url: str
    note: str = ""


# ---------------------------------------------------------------------- servers
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    client = make_client(url, retries=1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}:\n{log.read_text()[-2000:]}")
        try:
            client.list_tables()
            return
        except Exception:  # not listening yet
            time.sleep(0.2)
    raise RuntimeError(f"not serving after {timeout:.0f} s:\n{log.read_text()[-2000:]}")


@contextmanager
def started(
    name: str, command: list[str], url: str, workdir: Path, *, env: dict[str, str] | None = None
) -> Iterator[Server]:
    log = workdir / f"{name}.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env=env, cwd=workdir
        )
    try:
        wait_until_serving(url, process, log)
        yield Server(name, url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def dynalab_server(workdir: Path, database_dir: Path, workers: int) -> Iterator[Server]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database_dir / 'bench.sqlite3'}",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DYNALAB_API_ACCEPT_ANY_KEY": "1",
        "DYNALAB_API_REQUESTS_PER_SECOND": "0",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    env.update(
        {
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "endpoint-bench-only-" + "k" * 40,
            "HOST_PORT": f"127.0.0.1:{port}",
            "DYNALAB_SERVER_WORKERS": str(workers),
            "DYNALAB_ACCESS_LOG": "",
        }
    )
    command = [
        str(VENV_BIN / "gunicorn"),
        "-c", str(ROOT / "dynalab" / "gunicorn_conf.py"),
        "dynalab.asgi:application",
        "--chdir", str(ROOT),
        "--log-level", "warning",
    ]  # fmt: skip
    with started("dynalab", command, f"http://127.0.0.1:{port}/", workdir, env=env) as server:
        server.note = (
            f"make serve's server: gunicorn + {workers} uvicorn workers, Django in "
            f"their thread pools, SQLite in {database_dir}"
        )
        yield server


@contextmanager
def moto_server(workdir: Path) -> Iterator[Server]:
    port = free_port()
    command = [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)]
    with started("moto", command, f"http://127.0.0.1:{port}", workdir) as server:
        server.note = "moto_server (Flask/Werkzeug, threaded)"
        yield server


def install_dynalite() -> Path:
    """node_modules/dynalite/cli.js, installed with npm into the cache folder if needed."""
    cli = DYNALITE_CACHE / "node_modules" / "dynalite" / "cli.js"
    if cli.exists():
        return cli
    if not shutil.which("npm"):
        raise RuntimeError("npm is not installed")
    DYNALITE_CACHE.mkdir(parents=True, exist_ok=True)
    for extra in ([], ["--omit=optional"]):
        result = subprocess.run(
            ["npm", "install", "dynalite", "--no-audit", "--no-fund", "--silent", *extra],
            cwd=DYNALITE_CACHE,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode == 0 and cli.exists():
            return cli
    raise RuntimeError(f"npm install dynalite failed:\n{result.stderr[-2000:]}")


@contextmanager
def dynalite_server(workdir: Path) -> Iterator[Server]:
    if not shutil.which("node"):
        raise RuntimeError("node is not installed")
    cli = install_dynalite()
    port = free_port()
    command = ["node", str(cli), "--host", "127.0.0.1", "--port", str(port), "--createTableMs", "0"]
    with started("dynalite", command, f"http://127.0.0.1:{port}", workdir) as server:
        server.note = "dynalite (node, in-memory LevelDB)"
        yield server


# ---------------------------------------------------------------------- the workload
def make_client(url: str, *, retries: int = 3) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="AKIABENCHMARK",
        aws_secret_access_key="benchmark-secret",
        config=Config(
            retries={"total_max_attempts": retries, "mode": "standard"},
            max_pool_connections=32,
        ),
    )


def prepare(client: Any) -> None:
    """A fresh table, and one partition of 100 items for the Query workload."""
    if TABLE in client.list_tables()["TableNames"]:
        client.delete_table(TableName=TABLE)
        client.get_waiter("table_not_exists").wait(TableName=TABLE, WaiterConfig={"Delay": 0.2})
    client.create_table(
        TableName=TABLE,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    client.get_waiter("table_exists").wait(TableName=TABLE, WaiterConfig={"Delay": 0.2})
    for start in range(0, QUERY_ITEMS, 25):
        client.batch_write_item(
            RequestItems={
                TABLE: [
                    {"PutRequest": {"Item": item(QUERY_PARTITION, sk)}}
                    for sk in range(start, min(start + 25, QUERY_ITEMS))
                ]
            }
        )


def item(partition: str, sk: int) -> dict[str, Any]:
    return {"pk": {"S": partition}, "sk": {"N": str(sk)}, "payload": {"S": PAYLOAD}}


def put(client: Any, n: int) -> None:
    client.put_item(TableName=TABLE, Item=item(f"user-{n % 50}", n))


def get(client: Any, n: int) -> None:
    response = client.get_item(
        TableName=TABLE, Key={"pk": {"S": f"user-{n % 50}"}, "sk": {"N": str(n)}}
    )
    assert "Item" in response, response


def query(client: Any, n: int) -> None:
    response = client.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": QUERY_PARTITION}},
    )
    assert response["Count"] == QUERY_ITEMS, response["Count"]


def timed(call: Callable[[Any, int], None], clients: list[Any], count: int) -> float:
    """Requests per second for ``count`` calls spread over the clients (one thread each)."""

    def run(index: int) -> None:
        client = clients[index]
        for n in range(index, count, len(clients)):
            call(client, n)

    started_at = time.perf_counter()
    if len(clients) == 1:
        run(0)
    else:
        with ThreadPoolExecutor(len(clients)) as pool:
            list(pool.map(run, range(len(clients))))
    return count / (time.perf_counter() - started_at)


def measure(
    server: Server, requests: int, queries: int, client_counts: list[int]
) -> dict[tuple[str, int], float]:
    clients = [make_client(server.url) for _ in range(max(client_counts))]
    prepare(clients[0])
    warm_up = 30
    for n in range(warm_up):
        for client in clients:
            put(client, 10**6 + n)
            get(client, 10**6 + n)
            query(client, n)
    results = {}
    for count in client_counts:
        using = clients[:count]
        results[("PutItem", count)] = timed(put, using, requests)
        results[("GetItem", count)] = timed(get, using, requests)
        results[("Query (100 items)", count)] = timed(query, using, queries)
    return results


# ---------------------------------------------------------------------- report
#: DynaLab's goal against dynalite on every workload (issue 15): at or above it.
GOAL_PEER = "dynalite"


def report(
    results: dict[str, dict[tuple[str, int], float]],
    servers: dict[str, Server],
    skipped: dict,
    client_counts: list[int],
) -> str:
    names = list(results)
    peers = [name for name in names if name != "dynalab"]
    header = ["workload", "clients", *[f"{name} req/s" for name in names]]
    header += [f"dynalab / {peer}" for peer in peers if "dynalab" in results]
    goal = "dynalab" in results and GOAL_PEER in results
    if goal:
        header.append(f"goal: >= {GOAL_PEER}")
    rows = [header]
    for count in client_counts:
        for workload in WORKLOADS:
            key = (workload, count)
            row = [workload, str(count)] + [f"{results[name][key]:,.0f}" for name in names]
            if "dynalab" in results:
                ours = results["dynalab"][key]
                row += [f"{ours / results[peer][key]:.2f}x" for peer in peers]
            if goal:
                met = results["dynalab"][key] >= results[GOAL_PEER][key]
                row.append("PASS" if met else "BELOW")
            rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines.append("")
    lines += [f"{name}: {server.note}" for name, server in servers.items()]
    lines += [f"{name}: not measured ({why})" for name, why in skipped.items()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=500, help="PutItem and GetItem calls")
    parser.add_argument("--queries", type=int, default=150, help="Query calls")
    parser.add_argument(
        "--clients",
        type=lambda text: [int(part) for part in text.split(",")],
        default=[1, 4],
        help="concurrent boto3 clients, a comma-separated list (1,4)",
    )
    parser.add_argument("--workers", type=int, default=2, help="DynaLab's gunicorn workers")
    parser.add_argument("--database-dir", type=Path, default=None)
    parser.add_argument(
        "--skip", action="append", default=[], choices=["dynalab", "moto", "dynalite"]
    )
    options = parser.parse_args()

    results: dict[str, dict[str, float]] = {}
    servers: dict[str, Server] = {}
    skipped: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="dynalab-bench-") as scratch, ExitStack():
        workdir = Path(scratch)
        database_dir = options.database_dir or workdir
        if options.database_dir:
            database_dir = Path(tempfile.mkdtemp(prefix="dynalab-bench-", dir=database_dir))
        candidates = {
            "dynalab": lambda: dynalab_server(workdir, database_dir, options.workers),
            "moto": lambda: moto_server(workdir),
            "dynalite": lambda: dynalite_server(workdir),
        }
        for name, start in candidates.items():
            if name in options.skip:
                continue
            try:
                with start() as server:
                    print(f"measuring {name} at {server.url} ...", file=sys.stderr)
                    results[name] = measure(
                        server, options.requests, options.queries, options.clients
                    )
                    servers[name] = server
            except RuntimeError as error:
                skipped[name] = str(error).splitlines()[0]
                print(f"{name}: {error}", file=sys.stderr)
        if options.database_dir:
            shutil.rmtree(database_dir, ignore_errors=True)
    counts = " and ".join(str(count) for count in options.clients)
    print(
        f"{options.requests} PutItem, {options.requests} GetItem, {options.queries} Query "
        f"(100 items each) through boto3, with {counts} concurrent client(s)\n"
    )
    print(report(results, servers, skipped, options.clients))


if __name__ == "__main__":
    main()
