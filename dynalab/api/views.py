"""The wire endpoint and the Connect page: read the request, call one service, answer."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from dynalab.api import conf, protocol, services
from dynalab.sandboxes.errors import InternalServerError, ServiceError

logger = logging.getLogger(__name__)


@csrf_exempt
def endpoint(request: HttpRequest) -> HttpResponse:
    """One DynamoDB call: any method reaches here so that each gets the service's answer."""
    request_id = protocol.new_request_id()
    content_type = protocol.answer_content_type(request)
    try:
        wire = protocol.read_request(request, max_body_bytes=conf.max_request_bytes())
        content_type = wire.content_type
        body = services.handle(wire)
    except ServiceError as error:
        response = protocol.error_response(error, request_id=request_id, content_type=content_type)
        return protocol.fit_to_server(response, request)
    except Exception:  # our fault: log it, answer as the service would, never a traceback
        logger.exception("DynamoDB endpoint failed (request %s)", request_id)
        error = InternalServerError("Internal server error")
        return protocol.error_response(error, request_id=request_id, content_type=content_type)
    return protocol.success_response(
        body, request_id=request_id, content_type=content_type, operation=wire.operation
    )


@csrf_exempt
def dax_endpoint(request: HttpRequest) -> HttpResponse:
    """A DynamoDB call sent to a DAX cluster's endpoint (``/dax/<cluster>/``, or
    ``/dax/<cluster>/<node id>/`` for one node): DynaLab's stand-in for the DAX client."""
    request_id = protocol.new_request_id()
    content_type = protocol.answer_content_type(request)
    try:
        cluster, node = protocol.dax_route(request.path_info)
        wire = protocol.read_request(request, max_body_bytes=conf.max_request_bytes())
        content_type = wire.content_type
        protocol.check_dax_data_call(wire)
        body = services.handle(wire, through_dax=cluster, dax_node=node)
    except ServiceError as error:
        return protocol.error_response(error, request_id=request_id, content_type=content_type)
    except Exception:  # our fault: log it, answer as the service would, never a traceback
        logger.exception("DAX endpoint failed (request %s)", request_id)
        error = InternalServerError("Internal server error")
        return protocol.error_response(error, request_id=request_id, content_type=content_type)
    return protocol.success_response(
        body, request_id=request_id, content_type=content_type, operation=wire.operation
    )


@require_GET
@never_cache
def connect(request: HttpRequest) -> HttpResponse:
    """The visitor's access keys and how to point boto3, the AWS CLI or any SDK here."""
    return render(request, "api/connect.html", {"connection": services.connection_details(request)})
