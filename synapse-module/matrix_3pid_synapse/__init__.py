"""A Synapse module that lets a trusted 3PID validation service import its sessions.

Synapse's email checkers (UIA m.login.email.identity in /register and the unauthenticated
/account/password, and /account/3pid/add) look only in Synapse's threepid_validation_session
table. The service POSTs signed requests to this module's resource, and the module writes that
table; Synapse's own code is unchanged.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from synapse.module_api import DirectServeJsonResource, ModuleApi, SynapseRequest
from synapse.module_api.errors import ConfigError, SynapseError

from . import store
from .protocol import (
    MAX_BODY_BYTES,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Create,
    ProtocolError,
    Validate,
    parse_action,
    verify_request,
)

__all__ = ["SessionImportModule", "ModuleConfig"]

RESOURCE_PATH = "/_synapse/client/matrix_3pid/session"
MIN_SECRET_LENGTH = 32

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModuleConfig:
    shared_secret: bytes
    replay_window_seconds: int = 300
    cleanup_interval_seconds: int = 300


class SessionImportModule:
    def __init__(self, config: ModuleConfig, api: ModuleApi) -> None:
        self._config = config
        self._api = api
        self._tables_ready = False
        api.register_web_resource(RESOURCE_PATH, _SessionResource(self))
        api.run_as_background_process("matrix_3pid_create_tables", self._ensure_tables)
        api.looping_background_call(
            self._delete_expired,
            config.cleanup_interval_seconds * 1000,
            desc="matrix_3pid_delete_expired_sessions",
        )

    @staticmethod
    def parse_config(config: dict[str, Any]) -> ModuleConfig:
        known = {"shared_secret", "shared_secret_path", "replay_window_seconds", "cleanup_interval_seconds"}
        unknown = sorted(set(config) - known)
        if unknown:
            raise ConfigError(f"Unknown option: {unknown[0]}")
        if ("shared_secret" in config) == ("shared_secret_path" in config):
            raise ConfigError("Set exactly one of shared_secret and shared_secret_path")
        if "shared_secret" in config:
            secret = config["shared_secret"]
            if not isinstance(secret, str):
                raise ConfigError("shared_secret must be a string")
        else:
            path = config["shared_secret_path"]
            if not isinstance(path, str):
                raise ConfigError("shared_secret_path must be a string")
            try:
                with open(path, encoding="utf-8") as file:
                    secret = file.read().strip()
            except (OSError, UnicodeDecodeError) as e:
                raise ConfigError(f"Cannot read shared_secret_path: {e}") from e
        if len(secret) < MIN_SECRET_LENGTH:
            raise ConfigError(f"The shared secret must be at least {MIN_SECRET_LENGTH} characters")
        return ModuleConfig(
            shared_secret=secret.encode("utf-8"),
            replay_window_seconds=_positive_int(config, "replay_window_seconds", 300),
            cleanup_interval_seconds=_positive_int(config, "cleanup_interval_seconds", 300),
        )

    async def handle(self, request: SynapseRequest) -> tuple[int, dict[str, Any]]:
        body = request.content.read(MAX_BODY_BYTES + 1) if request.content else b""
        if len(body) > MAX_BODY_BYTES:
            raise SynapseError(413, "Request body too large", "M_TOO_LARGE")
        try:
            verify_request(
                self._config.shared_secret,
                _single_header(request, TIMESTAMP_HEADER),
                _single_header(request, SIGNATURE_HEADER),
                body,
                time.time(),
                self._config.replay_window_seconds,
            )
            action = parse_action(body)
            await self._ensure_tables()
            if isinstance(action, Create):
                await self._api.run_db_interaction("matrix_3pid_create", store.create_session, action)
            elif isinstance(action, Validate):
                await self._api.run_db_interaction("matrix_3pid_validate", store.validate_session, action)
            else:
                await self._api.run_db_interaction("matrix_3pid_delete", store.delete_session, action)
        except ProtocolError as e:
            raise SynapseError(e.status, e.message, e.errcode) from None
        logger.info("3PID session %s: %s", type(action).__name__.lower(), action.sid)
        return 200, {}

    async def _ensure_tables(self) -> None:
        if not self._tables_ready:
            await self._api.run_db_interaction("matrix_3pid_create_tables", store.create_tables)
            self._tables_ready = True

    async def _delete_expired(self) -> None:
        await self._ensure_tables()
        now_ms = int(time.time() * 1000)
        deleted = await self._api.run_db_interaction("matrix_3pid_delete_expired", store.delete_expired, now_ms)
        if deleted:
            logger.info("Deleted %d expired 3PID sessions", deleted)


class _SessionResource(DirectServeJsonResource):
    def __init__(self, module: SessionImportModule) -> None:
        super().__init__()
        self._module = module

    async def _async_render_POST(self, request: SynapseRequest) -> tuple[int, dict[str, Any]]:
        return await self._module.handle(request)


def _single_header(request: SynapseRequest, name: str) -> bytes | None:
    values = request.requestHeaders.getRawHeaders(name.encode("ascii"))
    return values[0] if values and len(values) == 1 else None


def _positive_int(config: dict[str, Any], name: str, default: int) -> int:
    value = config.get(name, default)
    if type(value) is not int or value < 1:
        raise ConfigError(f"{name} must be a positive integer")
    return value

