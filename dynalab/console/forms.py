"""The workbench's forms. They parse what the learner typed; the engine judges it."""

from __future__ import annotations

from typing import Any

from django import forms

from dynalab.console.tables import GSI_SLOTS, LSI_SLOTS

KEY_TYPES = [("S", "String (S)"), ("N", "Number (N)"), ("B", "Binary (B)")]
BILLING_MODES = [
    ("PAY_PER_REQUEST", "On-demand (pay per request)"),
    ("PROVISIONED", "Provisioned capacity"),
]
PROJECTIONS = [
    ("ALL", "ALL: every attribute"),
    ("KEYS_ONLY", "KEYS_ONLY: the table's and the index's keys"),
    ("INCLUDE", "INCLUDE: the keys and the attributes you list"),
]
STREAM_VIEW_TYPES = [
    ("", "No stream"),
    ("KEYS_ONLY", "KEYS_ONLY: the changed item's key"),
    ("NEW_IMAGE", "NEW_IMAGE: the item after the change"),
    ("OLD_IMAGE", "OLD_IMAGE: the item before the change"),
    ("NEW_AND_OLD_IMAGES", "NEW_AND_OLD_IMAGES: both"),
]
#: Whole numbers a form accepts: wide enough for the service to judge, narrow enough that
#: nothing downstream meets an integer it cannot handle.
MAX_FORM_INTEGER = 10**15


def _number(label: str, *, initial: int | None = None) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        initial=initial,
        required=False,
        min_value=-MAX_FORM_INTEGER,
        max_value=MAX_FORM_INTEGER,
    )


class CreateTableForm(forms.Form):
    """CreateTable and the settings a table starts with. Names and numbers go to the engine as
    typed, so the learner meets the service's own rules (and messages)."""

    table_name = forms.CharField(label="Table name", max_length=1024, required=False)
    partition_key_name = forms.CharField(label="Partition key", max_length=1024, required=False)
    partition_key_type = forms.ChoiceField(
        label="Partition key type", choices=KEY_TYPES, initial="S", required=False
    )
    sort_key_name = forms.CharField(
        label="Sort key", max_length=1024, required=False, help_text="Optional."
    )
    sort_key_type = forms.ChoiceField(
        label="Sort key type", choices=KEY_TYPES, initial="S", required=False
    )
    billing_mode = forms.ChoiceField(
        label="Capacity mode",
        choices=BILLING_MODES,
        initial="PAY_PER_REQUEST",
        widget=forms.RadioSelect,
        required=False,
    )
    read_capacity = _number("Read capacity units", initial=5)
    write_capacity = _number("Write capacity units", initial=5)
    stream_view_type = forms.ChoiceField(
        label="Stream", choices=STREAM_VIEW_TYPES, required=False, initial=""
    )
    ttl_attribute = forms.CharField(label="TTL attribute", max_length=1024, required=False)
    pitr = forms.BooleanField(label="Point-in-time recovery", required=False)
    pitr_days = _number("Recovery period (days)", initial=35)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, slots in (("gsi", GSI_SLOTS), ("lsi", LSI_SLOTS)):
            for slot in range(slots):
                prefix = f"{kind}_{slot}_"
                what = f"Global index {slot + 1}" if kind == "gsi" else "Local index"
                self.fields[prefix + "name"] = forms.CharField(
                    label=f"{what} name", max_length=1024, required=False
                )
                if kind == "gsi":
                    self.fields[prefix + "pk"] = forms.CharField(
                        label=f"{what} partition key", max_length=1024, required=False
                    )
                    self.fields[prefix + "pk_type"] = forms.ChoiceField(
                        label=f"{what} partition key type",
                        choices=KEY_TYPES,
                        initial="S",
                        required=False,
                    )
                self.fields[prefix + "sk"] = forms.CharField(
                    label=f"{what} sort key", max_length=1024, required=False
                )
                self.fields[prefix + "sk_type"] = forms.ChoiceField(
                    label=f"{what} sort key type", choices=KEY_TYPES, initial="S", required=False
                )
                self.fields[prefix + "projection"] = forms.ChoiceField(
                    label=f"{what} projection", choices=PROJECTIONS, initial="ALL", required=False
                )
                self.fields[prefix + "include"] = forms.CharField(
                    label=f"{what} INCLUDE attributes", max_length=4096, required=False
                )

    def clean(self) -> dict[str, Any]:
        """A choice left out (a hand-made request) takes its default, as the page shows."""
        data = super().clean()
        return _with_defaults(self, data)

    def index_slots(self) -> list[dict[str, Any]]:
        """The index slots as the template draws them: kind, bound fields, open or not."""
        slots = []
        for kind, count in (("gsi", GSI_SLOTS), ("lsi", LSI_SLOTS)):
            for slot in range(count):
                prefix = f"{kind}_{slot}_"
                names = [name for name in self.fields if name.startswith(prefix)]
                bound = {name[len(prefix) :]: self[name] for name in names}
                filled = bool(self[prefix + "name"].value())
                errors = any(self[name].errors for name in names)
                slots.append(
                    {
                        "kind": kind,
                        "number": slot + 1,
                        "prefix": prefix,
                        "fields": bound,
                        "open": filled or errors,
                    }
                )
        return slots


class AddIndexForm(forms.Form):
    """A global secondary index added to an existing table (UpdateTable)."""

    index_name = forms.CharField(label="Index name", max_length=1024, required=False)
    partition_key_name = forms.CharField(label="Partition key", max_length=1024, required=False)
    partition_key_type = forms.ChoiceField(
        label="Type", choices=KEY_TYPES, initial="S", required=False
    )
    sort_key_name = forms.CharField(label="Sort key", max_length=1024, required=False)
    sort_key_type = forms.ChoiceField(label="Type", choices=KEY_TYPES, initial="S", required=False)
    projection = forms.ChoiceField(
        label="Projection", choices=PROJECTIONS, initial="ALL", required=False
    )
    include = forms.CharField(label="INCLUDE attributes", max_length=4096, required=False)
    read_capacity = _number("Read capacity units", initial=5)
    write_capacity = _number("Write capacity units", initial=5)

    def clean(self) -> dict[str, Any]:
        """A choice left out (a hand-made request) takes its default, as the page shows."""
        return _with_defaults(self, super().clean())


def _with_defaults(form: forms.Form, data: dict[str, Any]) -> dict[str, Any]:
    for name, field in form.fields.items():
        if isinstance(field, forms.ChoiceField) and not data.get(name) and field.initial:
            data[name] = field.initial
    return data


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
