"""The DAX pages: clusters and parameter groups, and each cluster's nodes, caches,
statistics and a stale read to watch. A cluster belongs to one Region, as on AWS: the pages
show and change the clusters of the Region the workbench works in."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from dynalab.console import dax
from dynalab.console.calls import endpoint_url, pop_last_call, remember_call
from dynalab.console.forms import CreateClusterForm, NodesForm, ParameterGroupForm, StaleReadForm
from dynalab.console.tables import table_names, table_summary
from dynalab.console.views.base import region, workbench
from dynalab.sandboxes import selectors


def _create_form(request: HttpRequest, data: Any = None) -> CreateClusterForm:
    groups = [
        group.name
        for group in selectors.dax_parameter_groups(
            request.sandbox,  # type: ignore[attr-defined]
            region=region(request),
        )
    ]
    return CreateClusterForm(data, node_types=dax.NODE_TYPES, groups=groups)


def _absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def _cluster_json(request: HttpRequest, cluster: selectors.DaxCluster) -> dict[str, Any]:
    data = dataclasses.asdict(cluster)
    data["endpoint_url"] = _absolute(request, cluster.endpoint_path)
    return data


def _overview(
    request: HttpRequest,
    *,
    form: CreateClusterForm | None = None,
    group_form: ParameterGroupForm | None = None,
    status: int = 200,
) -> HttpResponse:
    sandbox = request.sandbox  # type: ignore[attr-defined]
    where = region(request)
    clusters = selectors.dax_clusters(sandbox, region=where)
    groups = selectors.dax_parameter_groups(sandbox, region=where)
    context = {
        "clusters": [
            {"view": cluster, "url": _absolute(request, cluster.endpoint_path)}
            for cluster in clusters
        ],
        "groups": groups,
        "form": form or _create_form(request),
        "group_form": group_form or ParameterGroupForm(),
        "last_call": pop_last_call(request),
        "connect_url": endpoint_url(request),
    }
    return workbench(
        request,
        "console/dax.html",
        context,
        json=lambda: {
            "Region": where,
            "Clusters": [_cluster_json(request, cluster) for cluster in clusters],
            "ParameterGroups": [dataclasses.asdict(group) for group in groups],
        },
        status=status,
    )


def _form_errors(form: Any, result: Any) -> None:
    for field_name, problems in result.error.by_field.items():
        for problem in problems:
            form.add_error(field_name or None, f"{result.error.code}: {problem}")


@require_http_methods(["GET", "POST"])
def clusters(request: HttpRequest) -> HttpResponse:
    """Every DAX cluster with its status and nodes; POST creates one."""
    if request.method != "POST":
        return _overview(request)
    form = _create_form(request, request.POST)
    if form.is_valid():
        result = dax.create_cluster(
            request.sandbox,  # type: ignore[attr-defined]
            form.cleaned_data,
            endpoint=endpoint_url(request),
            region=region(request),
        )
        if result.ok:
            remember_call(request, result)
            name = result.response["Cluster"]["ClusterName"]
            messages.success(
                request,
                f"Cluster {name} created. It is creating for a minute of simulated time: "
                "advance the clock to make it available.",
            )
            return redirect("console:dax_cluster", name=name)
        _form_errors(form, result)
    return _overview(request, form=form, status=400)


@require_POST
def parameter_groups(request: HttpRequest) -> HttpResponse:
    """Create a parameter group with the two TTLs given."""
    form = ParameterGroupForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        result = dax.create_parameter_group(
            request.sandbox,  # type: ignore[attr-defined]
            data["name"],
            data["record_ttl_millis"],
            data["query_ttl_millis"],
            endpoint=endpoint_url(request),
            region=region(request),
        )
        if result.ok:
            remember_call(request, result)
            messages.success(request, f"Parameter group {data['name'].lower()} created.")
            return redirect("console:dax")
        _form_errors(form, result)
    return _overview(request, group_form=form, status=400)


def _cluster_page(
    request: HttpRequest,
    name: str,
    *,
    demo: dax.StaleRead | None = None,
    demo_form: StaleReadForm | None = None,
    nodes_form: NodesForm | None = None,
    status: int = 200,
) -> HttpResponse:
    sandbox = request.sandbox  # type: ignore[attr-defined]
    where = region(request)
    cluster = selectors.dax_cluster(sandbox, name, region=where)
    if cluster is None:
        return workbench(
            request,
            "console/dax_missing.html",
            {"name": name},
            json={"__type": "ClusterNotFoundFault", "message": f"Cluster {name} not found."},
            status=404,
        )
    tables = table_names(sandbox, region=where)
    staying = [node for node in cluster.nodes if node.status != "deleting"]
    stats = cluster.statistics
    item_reads = stats.item_hits + stats.item_misses
    page_reads = stats.query_hits + stats.query_misses + stats.scan_hits + stats.scan_misses
    context = {
        "cluster": cluster,
        "endpoint_url": _absolute(request, cluster.endpoint_path),
        "nodes": [
            {"view": node, "url": _absolute(request, node.endpoint_path)} for node in cluster.nodes
        ],
        "node_count": len(staying),
        "item_hit_rate": round(100 * stats.item_hits / item_reads) if item_reads else None,
        "page_hits": stats.query_hits + stats.scan_hits,
        "page_misses": stats.query_misses + stats.scan_misses,
        "page_hit_rate": (
            round(100 * (stats.query_hits + stats.scan_hits) / page_reads) if page_reads else None
        ),
        "used_pct": round(100 * cluster.cache_used_bytes / cluster.cache_capacity_bytes),
        "nodes_form": nodes_form or NodesForm(initial={"nodes": len(staying)}),
        "demo_form": demo_form or StaleReadForm(tables=tables),
        "tables": tables,
        "demo": demo,
        "last_call": pop_last_call(request),
    }
    return workbench(
        request,
        "console/dax_cluster.html",
        context,
        json=lambda: _cluster_json(request, cluster),
        status=status,
    )


@require_http_methods(["GET"])
def cluster(request: HttpRequest, name: str) -> HttpResponse:
    """One cluster: nodes, statistics, memory, both caches' entries with their remaining
    TTL, and the stale-read demonstration."""
    return _cluster_page(request, name)


@require_POST
def nodes(request: HttpRequest, name: str) -> HttpResponse:
    """Set the cluster's number of nodes (IncreaseReplicationFactor or Decrease...)."""
    sandbox = request.sandbox  # type: ignore[attr-defined]
    form = NodesForm(request.POST)
    where = region(request)
    current = selectors.dax_cluster(sandbox, name, entries=0, region=where)
    if current is None:
        return _cluster_page(request, name)
    if not form.is_valid():
        return _cluster_page(request, name, nodes_form=form, status=400)
    count = sum(1 for node in current.nodes if node.status != "deleting")
    result = dax.resize(
        sandbox,
        current.name,
        count,
        form.cleaned_data["nodes"],
        endpoint=endpoint_url(request),
        region=where,
    )
    if not result.ok:
        _form_errors(form, result)
        return _cluster_page(request, name, nodes_form=form, status=400)
    remember_call(request, result)
    messages.success(request, f"{result.operation} sent: the cluster is modifying.")
    return redirect("console:dax_cluster", name=current.name)


@require_POST
def delete(request: HttpRequest, name: str) -> HttpResponse:
    """Delete the cluster (it is deleting for 30 simulated seconds)."""
    result = dax.delete_cluster(
        request.sandbox,  # type: ignore[attr-defined]
        name,
        endpoint=endpoint_url(request),
        region=region(request),
    )
    if result.ok:
        remember_call(request, result)
        messages.success(
            request, f"Cluster {name} is deleting; it is gone in 30 simulated seconds."
        )
        return redirect("console:dax")
    messages.error(request, f"{result.error.code}: {result.error.message}")
    return redirect("console:dax_cluster", name=name)


@require_POST
def stale_read(request: HttpRequest, name: str) -> HttpResponse:
    """Run the stale-read demonstration on a table (or read its item again)."""
    sandbox = request.sandbox  # type: ignore[attr-defined]
    where = region(request)
    form = StaleReadForm(request.POST, tables=table_names(sandbox, region=where))
    if not form.is_valid():
        return _cluster_page(request, name, demo_form=form, status=400)
    table = table_summary(sandbox, form.cleaned_data["table"], region=where)
    if table is None:
        form.add_error("table", "That table no longer exists.")
        return _cluster_page(request, name, demo_form=form, status=400)
    if request.POST.get("action") == "again":
        demo = dax.read_again(sandbox, name, table, region=where)
    else:
        demo = dax.run_stale_read(sandbox, name, table, region=where)
    return _cluster_page(
        request, name, demo=demo, demo_form=form, status=400 if demo.error else 200
    )
