"""Operator tasks over every stored secret: check they open, re-encrypt under the first key."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.sqlalchemy.tables import integration_credentials
from application.errors import UndecryptableSecret
from application.ports.token_cipher import TokenCipher

_TABLE = integration_credentials


async def count_undecryptable(engine: AsyncEngine, cipher: TokenCipher) -> int:
    """How many stored credentials open under none of the configured keys."""
    bad = 0
    async with engine.connect() as conn:
        result = await conn.stream(select(_TABLE.c.ciphertext))
        async for (ciphertext,) in result:
            try:
                cipher.decrypt(ciphertext)
            except UndecryptableSecret:
                bad += 1
    return bad


async def rotate(engine: AsyncEngine, cipher: TokenCipher) -> int:
    """Re-encrypts, in one transaction, every credential not sealed by the first key.
    Raises `UndecryptableSecret` (and changes nothing) if one opens under no key."""
    changed = 0
    async with engine.begin() as conn:
        rows = (await conn.execute(select(_TABLE.c.integration_id, _TABLE.c.ciphertext))).all()
        for integration_id, ciphertext in rows:
            if not cipher.needs_rotation(ciphertext):
                continue
            sealed = cipher.encrypt(cipher.decrypt(ciphertext))
            await conn.execute(
                update(_TABLE)
                .where(_TABLE.c.integration_id == integration_id)
                .values(ciphertext=sealed)
            )
            changed += 1
    return changed
