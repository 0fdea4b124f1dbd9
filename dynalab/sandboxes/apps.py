from django.apps import AppConfig


class SandboxesConfig(AppConfig):
    name = "dynalab.sandboxes"
    label = "sandboxes"
    verbose_name = "Sandboxes"

    def ready(self) -> None:
        # Connects the receiver that hands an anonymous visitor's sandbox to them at login.
        from dynalab.sandboxes import signals  # noqa: F401
