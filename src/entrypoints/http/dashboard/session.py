"""The dashboard's session: the API key the person signed in with and a CSRF token, sealed
(encrypted and authenticated) in an HttpOnly cookie.

Nothing is kept on the server, so any process behind the load balancer reads the session.
The key is checked again on every request through the same authentication use case as the
API (its cache lives 5 s), so revoking the key ends the session within 5 s; the session is
bound to the key's workspace by being that key. The sealing keys are derived from the
server's SECRET_KEY (HKDF, a label of their own), so a session cookie can never be taken
for a stored secret or the other way round.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

COOKIE = "openpost_session"
LOGIN_COOKIE = "openpost_login"  # the CSRF token of the sign-in form, before any session
COOKIE_PATH = "/dashboard"
SESSION_TTL_S = 12 * 3600
_LABEL = b"openpost dashboard session v1"


@dataclass(frozen=True, slots=True)
class Session:
    api_key: str
    csrf: str

    def csrf_matches(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(self.csrf.encode(), (given or "").encode())


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _derived(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_LABEL).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


class SessionSealer:
    """The first secret seals; every secret opens (a rotated SECRET_KEY keeps sessions)."""

    def __init__(self, secrets_: list[str], ttl_s: int = SESSION_TTL_S) -> None:
        self._fernet = MultiFernet([_derived(s) for s in secrets_])
        self.ttl_s = ttl_s

    def seal(self, session: Session) -> str:
        payload = json.dumps({"k": session.api_key, "c": session.csrf}).encode()
        return self._fernet.encrypt(payload).decode("ascii")

    def open(self, cookie: str | None) -> Session | None:
        """The session in `cookie`, or None when it is missing, forged, or too old."""
        if not cookie:
            return None
        try:
            payload = json.loads(self._fernet.decrypt(cookie.encode("ascii"), ttl=self.ttl_s))
            return Session(api_key=str(payload["k"]), csrf=str(payload["c"]))
        except (InvalidToken, UnicodeEncodeError, ValueError, KeyError, TypeError):
            return None


def session_cookie_of(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The session cookie's value in a request's raw ASGI headers, if any."""
    for name, value in headers:
        if name == b"cookie" and COOKIE.encode() in value:
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except CookieError:
                return None
            morsel = jar.get(COOKIE)
            return morsel.value if morsel is not None else None
    return None
