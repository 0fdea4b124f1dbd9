"""ASGI entry point, for the production server (``make serve``): see dynalab/serving.py.

``uvicorn`` (or gunicorn with ``uvicorn_worker.UvicornWorker``) serves ``dynalab.asgi:application``:
request bodies are read whole on the event loop, then Django runs in a pool of threads.
"""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dynalab.settings")

from dynalab.security import refuse_unsafe_start  # noqa: E402
from dynalab.serving import BufferedBodies, ThreadedWSGI  # noqa: E402

django_application = get_wsgi_application()
refuse_unsafe_start()

#: Threads running Django in each worker process (DYNALAB_SERVER_THREADS, 8 by default).
THREADS = int(os.environ.get("DYNALAB_SERVER_THREADS", "8"))

application = BufferedBodies(
    ThreadedWSGI(django_application, threads=THREADS),
    # The endpoint refuses bodies over its own limit with the service's error, so let those
    # through to it; anything much larger is no request this site takes.
    max_body_bytes=max(
        int(getattr(settings, "DYNALAB_API_MAX_REQUEST_BYTES", 1024 * 1024)),
        int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0),
    )
    + 64 * 1024,
)
