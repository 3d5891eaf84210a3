"""The wire protocol: request signatures and request bodies. Pure functions, no Synapse imports."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Any, NoReturn, Union

MAX_BODY_BYTES = 64 * 1024
TIMESTAMP_HEADER = "X-Matrix-3PID-Timestamp"
SIGNATURE_HEADER = "X-Matrix-3PID-Signature"

# The spec's rule for sid and client_secret, anchored (re.fullmatch).
_OPAQUE_ID = re.compile(r"[0-9a-zA-Z.=_-]{1,255}")
_TIMESTAMP = re.compile(r"[0-9]{1,15}")
# Synapse stores phone numbers as E.164 digits without the "+".
_MSISDN = re.compile(r"[1-9][0-9]{1,14}")
_MAX_EMAIL_LENGTH = 500
_MAX_INT = 2**53 - 1  # the largest integer every JSON implementation keeps exact


class ProtocolError(Exception):
    """A refused request: an HTTP status, a Matrix errcode and a message for the caller."""

    def __init__(self, status: int, errcode: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.errcode = errcode
        self.message = message


@dataclass(frozen=True)
class Create:
    sid: str
    medium: str  # "email" or "msisdn"
    address: str
    client_secret: str
    send_attempt: int
    expires_at_ms: int


@dataclass(frozen=True)
class Validate:
    sid: str
    validated_at_ms: int
    expires_at_ms: int


@dataclass(frozen=True)
class Delete:
    sid: str


Action = Union[Create, Validate, Delete]


def signature(secret: bytes, timestamp: bytes, body: bytes) -> bytes:
    """The signature header's value: "sha256=" + hex HMAC-SHA256 of `timestamp + "." + body`."""
    digest = hmac.new(secret, timestamp + b"." + body, hashlib.sha256).hexdigest()
    return b"sha256=" + digest.encode("ascii")


def verify_request(
    secret: bytes,
    timestamp: bytes | None,
    given_signature: bytes | None,
    body: bytes,
    now: float,
    replay_window_seconds: int,
) -> None:
    """Raises ProtocolError (401) unless the request is signed with `secret` and recent enough."""
    if timestamp is None or given_signature is None:
        _unauthorized(f"{TIMESTAMP_HEADER} and {SIGNATURE_HEADER} are required")
    if not _TIMESTAMP.fullmatch(timestamp.decode("ascii", "replace")):
        _unauthorized(f"{TIMESTAMP_HEADER} must be a Unix time in seconds")
    if abs(now - int(timestamp)) > replay_window_seconds:
        _unauthorized(f"{TIMESTAMP_HEADER} is outside the accepted window")
    if not hmac.compare_digest(signature(secret, timestamp, body), given_signature):
        _unauthorized("Bad signature")


def parse_action(body: bytes) -> Action:
    """Parses and checks a request body; raises ProtocolError (400) when it is not acceptable."""
    try:
        parsed: Any = json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError):
        raise ProtocolError(400, "M_NOT_JSON", "Content not JSON") from None
    if not isinstance(parsed, dict):
        raise ProtocolError(400, "M_BAD_JSON", "Body must be a JSON object")

    action = parsed.get("action")
    if action is None:
        raise ProtocolError(400, "M_MISSING_PARAM", "Missing field: action")
    if action == "create":
        _only(parsed, "action", "sid", "medium", "address", "client_secret", "send_attempt", "expires_at_ms")
        medium = _required(parsed, "medium")
        if medium != "email" and medium != "msisdn":
            _invalid("medium must be 'email' or 'msisdn'")
        return Create(
            sid=_opaque(parsed, "sid"),
            medium=medium,
            address=_address(medium, _required(parsed, "address")),
            client_secret=_opaque(parsed, "client_secret"),
            send_attempt=_integer(parsed, "send_attempt"),
            expires_at_ms=_integer(parsed, "expires_at_ms"),
        )
    if action == "validate":
        _only(parsed, "action", "sid", "validated_at_ms", "expires_at_ms")
        return Validate(
            sid=_opaque(parsed, "sid"),
            validated_at_ms=_integer(parsed, "validated_at_ms"),
            expires_at_ms=_integer(parsed, "expires_at_ms"),
        )
    if action == "delete":
        _only(parsed, "action", "sid")
        return Delete(sid=_opaque(parsed, "sid"))
    _invalid("action must be 'create', 'validate' or 'delete'")


def canonical_email(address: str) -> str:
    """Synapse's canonical form (synapse/util/threepids.py): casefolded local part, lowercase domain."""
    parts = address.strip().split("@")
    if len(parts) != 2 or not parts[0] or not parts[1]:
        raise ValueError("not an email address")
    return parts[0].casefold() + "@" + parts[1].lower()


def _address(medium: str, value: object) -> str:
    if not isinstance(value, str):
        _invalid("address must be a string")
    if medium == "msisdn":
        if not _MSISDN.fullmatch(value):
            _invalid("An msisdn address is E.164 digits without '+'")
        return value
    try:
        canonical = canonical_email(value)
    except ValueError:
        _invalid("address is not an email address")
    if canonical != value or len(value) > _MAX_EMAIL_LENGTH:
        _invalid("An email address must be in Synapse's canonical form")
    return value


def _only(parsed: dict[str, Any], *allowed: str) -> None:
    unknown = sorted(set(parsed) - set(allowed))
    if unknown:
        _invalid(f"Unknown field: {unknown[0]}")


def _required(parsed: dict[str, Any], name: str) -> object:
    if name not in parsed:
        raise ProtocolError(400, "M_MISSING_PARAM", f"Missing field: {name}")
    return parsed[name]


def _opaque(parsed: dict[str, Any], name: str) -> str:
    value = _required(parsed, name)
    if not isinstance(value, str) or not _OPAQUE_ID.fullmatch(value):
        _invalid(f"{name} must match [0-9a-zA-Z.=_-]{{1,255}}")
    return value


def _integer(parsed: dict[str, Any], name: str) -> int:
    value = _required(parsed, name)
    # bool is a subclass of int; true is not a number here.
    if type(value) is not int or not 0 <= value <= _MAX_INT:
        _invalid(f"{name} must be a non-negative integer")
    return value


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _invalid(message: str) -> NoReturn:
    raise ProtocolError(400, "M_INVALID_PARAM", message)


def _unauthorized(message: str) -> NoReturn:
    raise ProtocolError(401, "M_UNAUTHORIZED", message)
