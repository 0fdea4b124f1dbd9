"""The endpoint benchmark's own code: its workload against a live server, and its report."""

from __future__ import annotations

import pytest

from bench import endpoint_bench

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_workload_runs_against_our_server(live_server, accept_any_key) -> None:
    server = endpoint_bench.Server("dynalab", live_server.url + "/")

    results = endpoint_bench.measure(server, requests=6, queries=2, client_counts=[1, 2])

    assert set(results) == {(w, n) for w in endpoint_bench.WORKLOADS for n in (1, 2)}
    assert all(rate > 0 for rate in results.values())


def test_the_report_gives_rates_ratios_and_the_goal_against_dynalite() -> None:
    def rates(one: float, four: float) -> dict[tuple[str, int], float]:
        return {
            **{(w, 1): one for w in endpoint_bench.WORKLOADS},
            **{(w, 4): four for w in endpoint_bench.WORKLOADS},
        }

    results = {
        "dynalab": rates(300.0, 900.0),
        "moto": rates(100.0, 100.0),
        "dynalite": rates(600.0, 600.0),
    }
    servers = {
        name: endpoint_bench.Server(name, "http://x", note=f"{name} note") for name in results
    }

    text = endpoint_bench.report(results, servers, {"other": "node is not installed"}, [1, 4])

    header, rule, put_one, *rest = text.splitlines()
    assert header.split() == [
        "workload", "clients", "dynalab", "req/s", "moto", "req/s", "dynalite", "req/s",
        "dynalab", "/", "moto", "dynalab", "/", "dynalite", "goal:", ">=", "dynalite",
    ]  # fmt: skip
    assert put_one.split() == ["PutItem", "1", "300", "100", "600", "3.00x", "0.50x", "BELOW"]
    put_four = rest[len(endpoint_bench.WORKLOADS) - 1]
    assert put_four.split() == ["PutItem", "4", "900", "100", "600", "9.00x", "1.50x", "PASS"]
    assert "other: not measured (node is not installed)" in text


def test_without_dynalite_there_is_no_goal_column() -> None:
    results = {"dynalab": {(w, 1): 5.0 for w in endpoint_bench.WORKLOADS}}
    servers = {"dynalab": endpoint_bench.Server("dynalab", "http://x")}
    text = endpoint_bench.report(results, servers, {"dynalite": "npm is missing"}, [1])
    assert "goal" not in text and "PASS" not in text and "BELOW" not in text
