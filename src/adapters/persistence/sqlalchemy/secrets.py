"""Operator tasks over every stored secret: check they open, re-encrypt under the first key.

Secrets live in several columns (platform credentials, webhook signing secrets and the
previous one during a rotation's overlap); each task covers them all, so retiring an old
key after a rotation never strands one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Table, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.sqlalchemy.tables import integration_credentials, webhook_endpoints
from application.errors import UndecryptableSecret
from application.ports.token_cipher import TokenCipher

# (table, its key, a column holding a sealed secret)
SEALED: list[tuple[Table, Column[Any], Column[Any]]] = [
    (
        integration_credentials,
        integration_credentials.c.integration_id,
        integration_credentials.c.ciphertext,
    ),
    (webhook_endpoints, webhook_endpoints.c.id, webhook_endpoints.c.secret_ciphertext),
    (webhook_endpoints, webhook_endpoints.c.id, webhook_endpoints.c.previous_secret_ciphertext),
]


async def count_undecryptable(engine: AsyncEngine, cipher: TokenCipher) -> int:
    """How many stored secrets open under none of the configured keys."""
    bad = 0
    async with engine.connect() as conn:
        for _, _, sealed in SEALED:
            result = await conn.stream(select(sealed).where(sealed.is_not(None)))
            async for (ciphertext,) in result:
                try:
                    cipher.decrypt(ciphertext)
                except UndecryptableSecret:
                    bad += 1
    return bad


async def rotate(engine: AsyncEngine, cipher: TokenCipher) -> int:
    """Re-encrypts, in one transaction, every secret not sealed by the first key.
    Raises `UndecryptableSecret` (and changes nothing) if one opens under no key."""
    changed = 0
    async with engine.begin() as conn:
        for table, key, sealed in SEALED:
            rows = (await conn.execute(select(key, sealed).where(sealed.is_not(None)))).all()
            for row_key, ciphertext in rows:
                if not cipher.needs_rotation(ciphertext):
                    continue
                resealed = cipher.encrypt(cipher.decrypt(ciphertext))
                await conn.execute(
                    update(table).where(key == row_key).values({sealed.name: resealed})
                )
                changed += 1
    return changed
