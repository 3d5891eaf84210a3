import json
from typing import Callable

import pytest

from matrix_3pid_synapse.protocol import (
    MAX_BODY_BYTES,
    Create,
    Delete,
    ProtocolError,
    Validate,
    parse_action,
    signature,
    verify_request,
)

SECRET = b"0123456789abcdef0123456789abcdef"
NOW = 1_800_000_000
BODY = b'{"action":"delete","sid":"abc"}'


def signed(body: bytes = BODY, timestamp: int = NOW, secret: bytes = SECRET) -> tuple[bytes, bytes]:
    stamp = str(timestamp).encode()
    return stamp, signature(secret, stamp, body)


def refused(body: dict | bytes) -> ProtocolError:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    with pytest.raises(ProtocolError) as caught:
        parse_action(raw)
    return caught.value


CREATE = {
    "action": "create",
    "sid": "s1d.=_-",
    "medium": "email",
    "address": "alice@example.org",
    "client_secret": "secret",
    "send_attempt": 1,
    "expires_at_ms": 1_800_003_600_000,
}


class TestSignature:
    def test_is_hex_hmac_sha256_of_timestamp_dot_body(self) -> None:
        # Computed independently: printf '1800000000.{"action":"delete","sid":"abc"}' |
        #   openssl dgst -sha256 -hmac 0123456789abcdef0123456789abcdef
        assert signature(SECRET, b"1800000000", BODY) == (
            b"sha256=ea22425588b8dd77fe955697e482a6303cbddad5fb3cc07da50390a36d60079d"
        )

    def test_accepts_a_good_signature(self) -> None:
        verify_request(SECRET, *signed(), BODY, NOW, 300)

    @pytest.mark.parametrize(
        "timestamp, given",
        [
            (None, None),
            (b"1800000000", None),
            (None, b"sha256=00"),
        ],
    )
    def test_refuses_missing_headers(self, timestamp: bytes | None, given: bytes | None) -> None:
        with pytest.raises(ProtocolError) as caught:
            verify_request(SECRET, timestamp, given, BODY, NOW, 300)
        assert (caught.value.status, caught.value.errcode) == (401, "M_UNAUTHORIZED")

    def test_refuses_another_secret(self) -> None:
        with pytest.raises(ProtocolError, match="Bad signature"):
            verify_request(SECRET, *signed(secret=b"x" * 32), BODY, NOW, 300)

    def test_refuses_a_changed_body(self) -> None:
        with pytest.raises(ProtocolError, match="Bad signature"):
            verify_request(SECRET, *signed(), BODY + b" ", NOW, 300)

    def test_refuses_a_signature_over_another_timestamp(self) -> None:
        _, given = signed(timestamp=NOW)
        with pytest.raises(ProtocolError, match="Bad signature"):
            verify_request(SECRET, str(NOW + 1).encode(), given, BODY, NOW, 300)

    @pytest.mark.parametrize("mangle", [bytes.upper, lambda s: s[7:], lambda s: s[:-1], lambda s: s + b"0"])
    def test_refuses_anything_but_the_exact_lowercase_form(self, mangle: Callable[[bytes], bytes]) -> None:
        stamp, given = signed()
        with pytest.raises(ProtocolError):
            verify_request(SECRET, stamp, mangle(given), BODY, NOW, 300)

    @pytest.mark.parametrize("stamp", [b"", b"-5", b"1.5", b"1e9", b" 1800000000", b"18000000000000000"])
    def test_refuses_malformed_timestamps(self, stamp: bytes) -> None:
        with pytest.raises(ProtocolError) as caught:
            verify_request(SECRET, stamp, signature(SECRET, stamp, BODY), BODY, NOW, 300)
        assert caught.value.status == 401


class TestReplayWindow:
    @pytest.mark.parametrize("skew", [-300, -1, 0, 1, 300])
    def test_accepts_timestamps_inside_the_window(self, skew: int) -> None:
        verify_request(SECRET, *signed(timestamp=NOW + skew), BODY, NOW, 300)

    @pytest.mark.parametrize("skew", [-301, 301, -86400, -NOW])
    def test_refuses_timestamps_outside_it(self, skew: int) -> None:
        with pytest.raises(ProtocolError, match="window") as caught:
            verify_request(SECRET, *signed(timestamp=NOW + skew), BODY, NOW, 300)
        assert caught.value.status == 401

    def test_window_is_configurable(self) -> None:
        verify_request(SECRET, *signed(timestamp=NOW - 30), BODY, NOW, 30)
        with pytest.raises(ProtocolError):
            verify_request(SECRET, *signed(timestamp=NOW - 31), BODY, NOW, 30)


class TestParseAction:
    def test_create(self) -> None:
        assert parse_action(json.dumps(CREATE).encode()) == Create(
            sid="s1d.=_-",
            medium="email",
            address="alice@example.org",
            client_secret="secret",
            send_attempt=1,
            expires_at_ms=1_800_003_600_000,
        )

    def test_create_msisdn(self) -> None:
        action = parse_action(json.dumps({**CREATE, "medium": "msisdn", "address": "447700900123"}).encode())
        assert isinstance(action, Create) and action.address == "447700900123"

    def test_validate_and_delete(self) -> None:
        body = {"action": "validate", "sid": "abc", "validated_at_ms": 5, "expires_at_ms": 6}
        assert parse_action(json.dumps(body).encode()) == Validate("abc", 5, 6)
        assert parse_action(b'{"action":"delete","sid":"abc"}') == Delete("abc")

    @pytest.mark.parametrize("raw", [b"", b"{", b"\xff", b'{"a": NaN}', b"{'a': 1}"])
    def test_not_json(self, raw: bytes) -> None:
        assert refused(raw).errcode == "M_NOT_JSON"

    @pytest.mark.parametrize("raw", [b"[]", b'"create"', b"null", b"1"])
    def test_not_an_object(self, raw: bytes) -> None:
        assert refused(raw).errcode == "M_BAD_JSON"

    @pytest.mark.parametrize("field", sorted(CREATE))
    def test_every_create_field_is_required(self, field: str) -> None:
        error = refused({k: v for k, v in CREATE.items() if k != field})
        assert (error.status, error.errcode) == (400, "M_MISSING_PARAM")
        assert field in error.message

    @pytest.mark.parametrize(
        "field, value",
        [
            ("action", "update"),
            ("sid", ""),
            ("sid", "a" * 256),
            ("sid", "a b"),
            ("sid", "abc\n"),
            ("sid", 5),
            ("client_secret", "sécret"),
            ("client_secret", "a:b"),
            ("client_secret", None),
            ("medium", "EMAIL"),
            ("medium", "phone"),
            ("address", "Alice@example.org"),
            ("address", "alice@Example.org"),
            ("address", " alice@example.org"),
            ("address", "alice"),
            ("address", "a@b@c"),
            ("address", "@example.org"),
            ("address", "x" * 500 + "@example.org"),
            ("address", ["alice@example.org"]),
            ("send_attempt", -1),
            ("send_attempt", 1.5),
            ("send_attempt", "1"),
            ("send_attempt", True),
            ("expires_at_ms", 2**53),
            ("expires_at_ms", None),
            ("surprise", 1),
        ],
    )
    def test_refuses_bad_create_fields(self, field: str, value: object) -> None:
        error = refused({**CREATE, field: value})
        assert (error.status, error.errcode) == (400, "M_INVALID_PARAM")

    @pytest.mark.parametrize("address", ["+447700900123", "07700900123", "44 7700 900123", "1234567890123456"])
    def test_refuses_msisdns_not_in_synapse_form(self, address: str) -> None:
        error = refused({**CREATE, "medium": "msisdn", "address": address})
        assert error.errcode == "M_INVALID_PARAM"

    def test_refuses_extra_fields_on_validate_and_delete(self) -> None:
        assert refused({"action": "delete", "sid": "a", "medium": "email"}).errcode == "M_INVALID_PARAM"
        validate = {"action": "validate", "sid": "a", "validated_at_ms": 1, "expires_at_ms": 2, "x": 1}
        assert refused(validate).errcode == "M_INVALID_PARAM"

    def test_validate_needs_both_timestamps(self) -> None:
        assert refused({"action": "validate", "sid": "a", "validated_at_ms": 1}).errcode == "M_MISSING_PARAM"
        assert refused({"action": "validate", "sid": "a", "expires_at_ms": 1}).errcode == "M_MISSING_PARAM"

    def test_missing_action(self) -> None:
        assert refused({"sid": "a"}).errcode == "M_MISSING_PARAM"

    def test_body_limit_is_64_kib(self) -> None:
        assert MAX_BODY_BYTES == 65536
