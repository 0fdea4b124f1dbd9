"""The debug JSON endpoint: run one call on a sandbox by id, for tests and local scripting.

Off unless ``DYNALAB_SANDBOX_DEBUG_API`` is true (it answers 404 otherwise): it has no
authentication beyond knowing the sandbox id. Learners and SDKs use the wire endpoint.
"""

import json

from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from dynalab.sandboxes import conf, journal, services
from dynalab.sandboxes.errors import SerializationException, ServiceError
from dynalab.sandboxes.models import Sandbox


@csrf_exempt
@require_POST
def execute(request: HttpRequest, sandbox_id: str) -> JsonResponse:
    """``{"Operation": "PutItem", "Request": {...}}`` -> the response, or the error body.

    ``"Region": "eu-west-1"`` runs it in that AWS Region (us-east-1 by default).
    ``"Operation": "AdvanceClock"`` with ``{"seconds": s}`` moves the clock and answers
    ``{"Now": t}``.
    """
    if not conf.debug_api_enabled():
        raise Http404("The sandbox debug API is off")
    sandbox = get_object_or_404(Sandbox, pk=sandbox_id)
    try:
        body = json.loads(request.body)
        if not isinstance(body, dict) or not isinstance(body.get("Operation"), str):
            raise ValueError
    except ValueError:
        error = SerializationException('Send {"Operation": "...", "Request": {...}}')
        return JsonResponse(error.to_dict(), status=error.status)
    operation, payload = body["Operation"], body.get("Request") or {}
    region = body.get("Region", services.DEFAULT_REGION)
    try:
        if operation == journal.ADVANCE_CLOCK:
            seconds = payload.get("seconds") if isinstance(payload, dict) else None
            response = {"Now": services.advance_clock(sandbox, seconds, source="api")}
        else:
            response = services.execute(sandbox, operation, payload, source="api", region=region)
    except ServiceError as error:
        return JsonResponse(error.to_dict(), status=error.status)
    return JsonResponse(response)
