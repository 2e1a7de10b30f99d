"""Requests to typed, validated calls and results or errors to responses, per protocol."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from gatehouse.lab import errors
from gatehouse.lab.models import LabService, Protocol
from gatehouse.lab.protocol import messages
from gatehouse.lab.protocol.form import parse_form
from gatehouse.lab.protocol.jsonbody import parse_json
from gatehouse.lab.protocol.jsonout import write_json
from gatehouse.lab.protocol.validate import validate
from gatehouse.lab.protocol.wire import (
    JSON_CONTENT_TYPE,
    XML_CONTENT_TYPE,
    WireResponse,
)
from gatehouse.lab.protocol.xmlout import write_members
from gatehouse.lab.sigv4 import HttpRequest

_EC2_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


@dataclass(frozen=True)
class Call:
    """A request the protocol layer has read: which operation, with which input."""

    operation: str
    params: dict[str, Any]


def decode(service: LabService, request: HttpRequest) -> Call:
    """Identify the operation, read its input and check it against the model."""
    if service.protocol is Protocol.JSON:
        operation = _json_operation(service, request)
        shape = service.operation(operation).input_shape
        params = parse_json(shape, request.body)
    else:
        pairs = form_pairs(request)
        operation = _form_operation(service, pairs)
        shape = service.operation(operation).input_shape
        params = parse_form(shape, pairs, ec2=service.protocol is Protocol.EC2)

    violations = validate(shape, params)
    if violations:
        if service.protocol is Protocol.EC2:
            raise messages.ec2_error(shape, violations[0])
        spec = (
            errors.VALIDATION_EXCEPTION
            if service.protocol is Protocol.JSON
            else errors.VALIDATION_ERROR
        )
        raise spec.error(summary=messages.coral_summary(violations))
    return Call(operation=operation, params=params)


def form_pairs(request: HttpRequest) -> list[tuple[str, str]]:
    """Parameters from the URL query and a form-encoded body, in that order."""
    texts = [request.query]
    content_type = (request.header("content-type") or "").lower()
    if request.body and (not content_type or "x-www-form-urlencoded" in content_type):
        try:
            texts.append(request.body.decode("utf-8"))
        except UnicodeDecodeError:
            raise errors.MALFORMED_QUERY_STRING.error(
                detail="the body is not UTF-8"
            ) from None
    pairs: list[tuple[str, str]] = []
    for text in texts:
        if not text:
            continue
        try:
            pairs.extend(
                parse_qsl(
                    text, keep_blank_values=True, strict_parsing=True, errors="strict"
                )
            )
        except (ValueError, UnicodeDecodeError) as problem:
            raise errors.MALFORMED_QUERY_STRING.error(detail=str(problem)) from None
    return pairs


def _form_operation(service: LabService, pairs: list[tuple[str, str]]) -> str:
    action = next((value for name, value in pairs if name == "Action"), None)
    if not action:
        raise errors.MISSING_ACTION.error()
    if action not in service.operations:
        if service.protocol is Protocol.EC2:
            raise errors.EC2_INVALID_ACTION.error(operation=action)
        raise errors.INVALID_ACTION.error(operation=action, version=service.api_version)
    return action


def _json_operation(service: LabService, request: HttpRequest) -> str:
    prefix, _, operation = (request.header("x-amz-target") or "").rpartition(".")
    if prefix != service.target_prefix or operation not in service.operations:
        raise errors.UNKNOWN_OPERATION.error()
    return operation


def encode_result(
    service: LabService, operation: str, output: dict[str, Any], request_id: str
) -> WireResponse:
    shape = service.operation(operation).output_shape
    headers = [("x-amzn-RequestId", request_id)]
    if service.protocol is Protocol.JSON:
        headers.append(("Content-Type", JSON_CONTENT_TYPE))
        return WireResponse(200, write_json(shape, output), headers)

    headers.append(("Content-Type", XML_CONTENT_TYPE))
    ec2 = service.protocol is Protocol.EC2
    members = write_members(shape, output, ec2=ec2) if shape is not None else ""
    root = f'{operation}Response xmlns="{service.xml_namespace}"'
    if ec2:
        body = f"{_EC2_DECLARATION}<{root}><requestId>{request_id}</requestId>{members}</{operation}Response>"
        return WireResponse(200, body.encode(), headers)
    wrapper = shape.serialization.get("resultWrapper") if shape is not None else None
    result = f"<{wrapper}>{members}</{wrapper}>" if wrapper else members
    metadata = (
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
    )
    return WireResponse(
        200, f"<{root}>{result}{metadata}</{operation}Response>".encode(), headers
    )


def encode_error(
    protocol: Protocol, namespace: str, error: errors.AwsError, request_id: str
) -> WireResponse:
    headers = [("x-amzn-RequestId", request_id)]
    code, message = escape(error.code), escape(error.message)
    if protocol is Protocol.JSON:
        headers += [
            ("Content-Type", JSON_CONTENT_TYPE),
            ("x-amzn-ErrorType", error.code),
        ]
        document = (
            {"__type": error.code, "message": error.message}
            if error.message
            else {"__type": error.code}
        )
        return WireResponse(error.status, json.dumps(document).encode(), headers)

    headers.append(("Content-Type", XML_CONTENT_TYPE))
    if protocol is Protocol.EC2:
        body = (
            f"{_EC2_DECLARATION}<Response><Errors><Error><Code>{code}</Code>"
            f"<Message>{message}</Message></Error></Errors>"
            f"<RequestID>{request_id}</RequestID></Response>"
        )
    else:
        body = (
            f"<ErrorResponse{_xmlns(namespace)}><Error><Type>{error.spec.fault.value}</Type>"
            f"<Code>{code}</Code><Message>{message}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
    return WireResponse(error.status, body.encode(), headers)


def _xmlns(namespace: str) -> str:
    return f' xmlns="{namespace}"' if namespace else ""
