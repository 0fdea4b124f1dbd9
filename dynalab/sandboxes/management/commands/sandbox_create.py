"""``manage.py sandbox_create``: print a sandbox's id and access keys as JSON.

``--user NAME`` gives that user's active sandbox (created if they have none); otherwise
``--label KEY`` gives the keyless-mode sandbox for that key (a random label if omitted).
Operators use it to hand keys to someone working from the AWS CLI; tests use it to set up
server processes.
"""

import json
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dynalab.sandboxes import services
from dynalab.sandboxes.errors import ServiceError


class Command(BaseCommand):
    help = "Print a sandbox's id and access keys as JSON (creating the sandbox if needed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", help="username whose active sandbox to print")
        parser.add_argument("--label", help="keyless-mode access key id (label) of the sandbox")

    def handle(self, *args: Any, user: str | None, label: str | None, **options: Any) -> None:
        if user:
            try:
                owner = get_user_model().objects.get_by_natural_key(user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"No user named {user!r}") from None
            sandbox = services.sandbox_for_user(owner)
        else:
            try:
                sandbox = services.keyless_sandbox(label or f"cli-{secrets.token_hex(6)}")
            except ServiceError as error:  # a label no sandbox can hold
                raise CommandError(error.message) from None
        self.stdout.write(
            json.dumps(
                {
                    "id": str(sandbox.pk),
                    "access_key_id": sandbox.access_key_id,
                    "secret_access_key": sandbox.secret_access_key,
                    "label": sandbox.label,
                }
            )
        )
