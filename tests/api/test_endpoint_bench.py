"""The endpoint benchmark's own code: its workload against a live server, and its report."""

from __future__ import annotations

import pytest

from bench import endpoint_bench

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_workload_runs_against_our_server(live_server, accept_any_key) -> None:
    server = endpoint_bench.Server("dynalab", live_server.url + "/")

    results = endpoint_bench.measure(server, requests=6, queries=2, client_count=2)

    assert set(results) == set(endpoint_bench.WORKLOADS)
    assert all(rate > 0 for rate in results.values())


def test_the_report_gives_rates_and_ratios() -> None:
    results = {
        "dynalab": dict.fromkeys(endpoint_bench.WORKLOADS, 300.0),
        "moto": dict.fromkeys(endpoint_bench.WORKLOADS, 100.0),
        "dynalite": dict.fromkeys(endpoint_bench.WORKLOADS, 600.0),
    }
    servers = {
        name: endpoint_bench.Server(name, "http://x", note=f"{name} note") for name in results
    }

    text = endpoint_bench.report(results, servers, {"other": "node is not installed"})

    header, rule, put, *_ = text.splitlines()
    assert header.split() == [
        "workload", "dynalab", "req/s", "moto", "req/s", "dynalite", "req/s",
        "dynalab", "/", "moto", "dynalab", "/", "dynalite",
    ]  # fmt: skip
    assert put.split() == ["PutItem", "300", "100", "600", "3.00x", "0.50x"]
    assert "other: not measured (node is not installed)" in text
