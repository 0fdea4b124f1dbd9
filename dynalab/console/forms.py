"""The workbench's forms. They parse what the learner typed; the engine judges it."""

from __future__ import annotations

from django import forms

KEY_TYPES = [("S", "String (S)"), ("N", "Number (N)"), ("B", "Binary (B)")]
BILLING_MODES = [
    ("PAY_PER_REQUEST", "On-demand (pay per request)"),
    ("PROVISIONED", "Provisioned capacity"),
]


class CreateTableForm(forms.Form):
    """CreateTable's essentials. Names and numbers go to the engine as typed, so the learner
    meets the service's own rules (and messages) for table and attribute names."""

    table_name = forms.CharField(label="Table name", max_length=1024, required=False)
    partition_key_name = forms.CharField(label="Partition key", max_length=1024, required=False)
    partition_key_type = forms.ChoiceField(label="Type", choices=KEY_TYPES, initial="S")
    sort_key_name = forms.CharField(
        label="Sort key", max_length=1024, required=False, help_text="Optional."
    )
    sort_key_type = forms.ChoiceField(label="Type", choices=KEY_TYPES, initial="S")
    billing_mode = forms.ChoiceField(
        label="Capacity mode",
        choices=BILLING_MODES,
        initial="PAY_PER_REQUEST",
        widget=forms.RadioSelect,
    )
    read_capacity = forms.IntegerField(label="Read capacity units", initial=5, required=False)
    write_capacity = forms.IntegerField(label="Write capacity units", initial=5, required=False)


class CreateClusterForm(forms.Form):
    """CreateCluster's essentials: the name, node type and nodes go to the engine as given,
    so the learner meets DAX's own rules and messages."""

    name = forms.CharField(label="Cluster name", max_length=100, required=False)
    node_type = forms.ChoiceField(label="Node type", choices=(), initial="dax.t3.small")
    nodes = forms.IntegerField(label="Nodes", initial=1, min_value=1, max_value=11)
    parameter_group = forms.ChoiceField(label="Parameter group", choices=(), required=False)

    def __init__(
        self, *args: object, node_types: list[tuple[str, str]], groups: list[str], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["node_type"].choices = node_types  # type: ignore[attr-defined]
        self.fields["parameter_group"].choices = [(g, g) for g in groups]  # type: ignore[attr-defined]


class NodesForm(forms.Form):
    """A cluster's new number of nodes (a primary and up to 10 read replicas)."""

    nodes = forms.IntegerField(label="Nodes", min_value=1, max_value=11)


class ParameterGroupForm(forms.Form):
    """A parameter group and its two TTLs, in milliseconds as DAX takes them."""

    name = forms.CharField(label="Parameter group name", max_length=255, required=False)
    record_ttl_millis = forms.IntegerField(
        label="Item cache TTL (record-ttl-millis)", initial=300_000, min_value=0, max_value=10**12
    )
    query_ttl_millis = forms.IntegerField(
        label="Query cache TTL (query-ttl-millis)", initial=300_000, min_value=0, max_value=10**12
    )


class StaleReadForm(forms.Form):
    """Which table the stale-read demonstration writes its item to."""

    table = forms.ChoiceField(label="Table", choices=())

    def __init__(self, *args: object, tables: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["table"].choices = [(t, t) for t in tables]  # type: ignore[attr-defined]
