"""gunicorn's settings for ``make serve``: the production setup the README documents.

``gunicorn -c dynalab/gunicorn_conf.py dynalab.asgi:application``. Each worker is uvicorn's
(an event loop that reads every connection, so a slow client holds no thread: see
dynalab/serving.py), running Django in DYNALAB_SERVER_THREADS threads.

- ``HOST_PORT`` (127.0.0.1:8000): where to listen; behind a proxy keep it on loopback.
- ``DYNALAB_SERVER_WORKERS`` (2): worker processes; each keeps its own engine cache
  (DYNALAB_SANDBOX_CACHE_MEGABYTES), so memory grows with workers.
- ``FORWARDED_ALLOW_IPS`` (127.0.0.1): proxies whose X-Forwarded-For and X-Forwarded-Proto
  are believed (the client's address for the rate limits, and https for secure cookies).
"""

import os

bind = os.environ.get("HOST_PORT", "127.0.0.1:8000")
workers = int(os.environ.get("DYNALAB_SERVER_WORKERS", "2"))
worker_class = "uvicorn_worker.UvicornWorker"
# A worker that answers nothing for this long is restarted (its requests are lost).
timeout = 60
graceful_timeout = 20
# Idle keep-alive connections cost an event loop next to nothing; past the dashboard's 5 s
# poll, so a polling browser never races the server closing its connection.
keepalive = 20
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Each request in the log: who, what, status, how long (microseconds).
accesslog = os.environ.get("DYNALAB_ACCESS_LOG", "-") or None
errorlog = "-"
