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
