"""``manage.py create_instructor NAME``: an instructor's account (the first one, typically).

Prompts for the password unless ``--password`` is given (or DYNALAB_INSTRUCTOR_PASSWORD is
set, for scripts); an existing user is made an instructor without touching their password.
"""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dynalab.classroom import roles


class Command(BaseCommand):
    help = "Create an instructor's account (or make an existing user an instructor)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", help="the password (prompted for when omitted)")

    def handle(
        self, *args: Any, username: str, email: str, password: str | None, **options: Any
    ) -> None:
        users = get_user_model()
        user = users.objects.filter(username=username).first()
        if user is None:
            password = password or os.environ.get("DYNALAB_INSTRUCTOR_PASSWORD") or self._ask()
            user = users(username=username, email=email)
            try:
                password_validation.validate_password(password, user)
            except ValidationError as refused:
                raise CommandError(" ".join(refused.messages)) from None
            user.set_password(password)
            user.save()
            created = True
        else:
            created = False
        roles.make_instructor(user)
        verb = "Created" if created else "Made"
        self.stdout.write(
            f"{verb} instructor {username}: log in at /accounts/login/, then /classes/."
        )

    def _ask(self) -> str:
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The passwords differ.")
        return first
