"""Admin pages for operators: sandboxes with their journal head, and the activity log."""

from django.contrib import admin

from dynalab.sandboxes.models import Activity, JournalEntry, Sandbox, Snapshot


@admin.register(Sandbox)
class SandboxAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "owner",
        "label",
        "access_key_id",
        "is_active",
        "last_sequence",
        "created_at",
    ]
    list_filter = ["is_active"]
    search_fields = ["id", "access_key_id", "label", "owner__username", "session_key"]
    raw_id_fields = ["owner", "replaced_by"]
    # Credentials and the journal head are managed by the service, never edited by hand.
    readonly_fields = ["access_key_id", "secret_access_key", "last_sequence", "clock_offset"]


@admin.register(JournalEntry)
class JournalEntryAdmin(admin.ModelAdmin):
    list_display = ["sandbox", "sequence", "operation", "at", "created_at"]
    list_filter = ["operation"]
    raw_id_fields = ["sandbox"]

    def has_change_permission(self, request, obj=None) -> bool:  # the journal is append-only
        return False


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    list_display = ["sandbox", "sequence", "created_at"]
    raw_id_fields = ["sandbox"]
    exclude = ["state"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["sandbox", "operation", "source", "status", "duration_ms", "created_at"]
    list_filter = ["source", "status", "operation"]
    raw_id_fields = ["sandbox"]
