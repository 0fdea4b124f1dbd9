"""``runserver`` that keeps Django's debug pages on this machine.

With debug on, an error page shows the settings and the environment (a database password
among them) to whoever caused it, so the development server then listens on loopback only;
``make serve`` is the way to serve others. Static files are served as staticfiles' runserver
serves them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.staticfiles.management.commands.runserver import Command as StaticRunserver
from django.core.management.base import CommandError

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def listening_host(addrport: str) -> str:
    """The host part of runserver's ``addrport`` ("" when only a port, or nothing, is given:
    runserver then listens on 127.0.0.1)."""
    if not addrport or addrport.isdigit():
        return ""
    if addrport.startswith("["):
        return addrport.split("]", 1)[0] + "]"
    if addrport.count(":") == 1:
        return addrport.split(":", 1)[0]
    if ":" in addrport:  # a bare IPv6 address
        return addrport
    return addrport


class Command(StaticRunserver):
    def handle(self, *args: Any, **options: Any) -> None:
        address = options.get("addrport") or ""
        host = listening_host(address)
        if settings.DEBUG and host and host not in LOOPBACK:
            raise CommandError(
                f"Debug is on, so this server listens only on loopback (127.0.0.1), not "
                f"{host}: its error pages would show your settings and environment to anyone. "
                f"To serve other people, use `make serve` (debug off)."
            )
        super().handle(*args, **options)
