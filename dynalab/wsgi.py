"""WSGI entry point, for WSGI servers (``gunicorn dynalab.wsgi``; ``make serve`` uses the ASGI
front in dynalab/asgi.py, which withstands slow clients)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dynalab.settings")

application = get_wsgi_application()

from dynalab.security import refuse_unsafe_start  # noqa: E402

refuse_unsafe_start()
