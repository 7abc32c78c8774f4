"""Signatures: what any Standard Webhooks library verifies, and OpenPost's own header."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from hypothesis import given, settings
from hypothesis import strategies as st
from standardwebhooks import Webhook

from domain.webhooks.signing import new_secret, secret_key, signature_headers

bodies = st.binary(max_size=2048)
stamps = st.integers(min_value=1_000_000_000, max_value=4_000_000_000)


def test_a_secret_is_whsec_and_32_random_bytes() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(secret_key(secret)) == 32
    assert new_secret() != secret


@settings(max_examples=30)
@given(data=st.dictionaries(st.text(max_size=20), st.text(max_size=50)), event=st.uuids())
def test_the_standard_library_verifies_every_signature(data: dict[str, str], event: object) -> None:
    secret = new_secret()
    body = json.dumps({"data": data}, ensure_ascii=False).encode()
    headers = signature_headers([secret], f"evt_{event}", int(time.time()), body)
    assert Webhook(secret).verify(body, headers) == {"data": data}


def test_during_an_overlap_both_secrets_verify() -> None:
    new, old = new_secret(), new_secret()
    body = b'{"id":"evt_1"}'
    headers = signature_headers([new, old], "evt_1", int(time.time()), body)
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(new).verify(body, headers)
    Webhook(old).verify(body, headers)


@given(body=bodies, timestamp=stamps)
def test_openpost_signature_is_hex_hmac_of_the_body_keyed_with_the_whole_secret(
    body: bytes, timestamp: int
) -> None:
    secret = new_secret()
    headers = signature_headers([secret], "evt_x", timestamp, body)
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-OpenPost-Signature"] == expected
    assert headers["webhook-id"] == "evt_x"
    assert headers["webhook-timestamp"] == str(timestamp)
    signed = f"evt_x.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    assert headers["webhook-signature"] == "v1," + base64.b64encode(digest).decode()
