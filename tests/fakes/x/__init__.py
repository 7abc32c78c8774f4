"""A fake of X (Twitter) API v2 and OAuth 2.0 PKCE, owned by this project's tests."""

from .clock import FakeClock
from .fake import FakeX
from .faults import ENDPOINTS, Fault
from .oauth import s256
from .records import (
    ACCESS_TOKEN_LIFETIME,
    AUTHORIZATION_CODE_LIFETIME,
    DEFAULT_CLIENT,
    DEFAULT_USER,
    RegisteredClient,
    Tweet,
    XUser,
)
from .text import weighted_length

__all__ = [
    "ACCESS_TOKEN_LIFETIME",
    "AUTHORIZATION_CODE_LIFETIME",
    "DEFAULT_CLIENT",
    "DEFAULT_USER",
    "ENDPOINTS",
    "FakeClock",
    "FakeX",
    "Fault",
    "RegisteredClient",
    "Tweet",
    "XUser",
    "s256",
    "weighted_length",
]
