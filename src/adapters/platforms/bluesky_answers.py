"""Reading what Bluesky answers: session JWTs into `Credentials`, DID documents, records.

The SDK hands over models for what it knows and `DotDict`s for the rest; these helpers read
both, and never trust a field to be there.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from application.ports.credentials import Credentials

# An access JWT made from the account's main password says `com.atproto.access`; one made
# from an app password says `com.atproto.appPass` (or `...appPassPrivileged`).
MAIN_PASSWORD_SCOPE = "com.atproto.access"


def credentials_from(session: Any, password: str | None) -> Credentials:
    """A createSession or refreshSession answer as credentials to store.

    The app password is kept, to log in again when the session is lost; with it the session
    has no known end (`refresh_expires_at` None). A main password is never kept: its session
    ends with its refresh JWT.
    """
    access, refresh = claims(session.access_jwt), claims(session.refresh_jwt)
    scope = str(access.get("scope", ""))
    keep = password if scope != MAIN_PASSWORD_SCOPE else None
    extra = {"did": str(session.did), "handle": str(session.handle)}
    pds_url = pds_endpoint(session.did_doc)
    if pds_url:
        extra["pds_url"] = pds_url
    return Credentials(
        access_token=session.access_jwt,
        refresh_token=session.refresh_jwt,
        expires_at=_expiry(access),
        refresh_expires_at=None if keep else _expiry(refresh),
        scopes=(scope,) if scope else (),
        password=keep,
        extra=extra,
    )


def made_with_main_password(credentials: Credentials) -> bool:
    return MAIN_PASSWORD_SCOPE in credentials.scopes


def did_of(credentials: Credentials) -> str:
    return credentials.extra.get("did") or str(claims(credentials.access_token).get("sub", ""))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def claims(jwt: str) -> dict[str, Any]:
    """The JWT's payload, unverified: the PDS is the judge, we only read what it says."""
    try:
        payload = jwt.split(".")[1]
        decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return decoded if isinstance(decoded, dict) else {}


def pds_endpoint(did_doc: Any) -> str | None:
    """The `#atproto_pds` service of a DID document, when it is an http(s) URL."""
    did_doc = _plain(did_doc)
    services = did_doc.get("service") if isinstance(did_doc, Mapping) else None
    for service in services if isinstance(services, list) else []:
        if isinstance(service, Mapping) and str(service.get("id", "")).endswith("#atproto_pds"):
            endpoint = service.get("serviceEndpoint")
            if isinstance(endpoint, str) and endpoint.startswith(("https://", "http://")):
                return endpoint.rstrip("/")
    return None


def field(value: Any, attribute: str, key: str) -> Any:
    """A field of a record, whether the SDK parsed it into a model or left it as JSON."""
    value = _plain(value)
    if isinstance(value, Mapping):
        return value.get(key)
    return getattr(value, attribute, None)


def blob_cid(blob: Any) -> str | None:
    """The CID of a blob reference, as a model or as raw JSON (`{"ref": {"$link": ...}}`)."""
    if blob is None:
        return None
    if isinstance(blob, Mapping):
        link = field(blob.get("ref"), "link", "$link")
        return link if isinstance(link, str) else None
    return str(blob.cid)


def now_iso() -> str:
    """A record's `createdAt`: the moment it is sent, in milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _expiry(jwt_claims: Mapping[str, Any]) -> datetime | None:
    exp = jwt_claims.get("exp")
    return datetime.fromtimestamp(exp, UTC) if isinstance(exp, int | float) else None


def _plain(value: Any) -> Any:
    to_dict = getattr(value, "to_dict", None)
    return to_dict() if callable(to_dict) else value
