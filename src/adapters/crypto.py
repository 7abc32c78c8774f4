"""Secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256) with MultiFernet for rotation."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from application.errors import UndecryptableSecret
from application.ports.token_cipher import TokenCipher


class FernetTokenCipher(TokenCipher):
    """The first key encrypts; every key decrypts, so old keys can be retired after a
    `secrets rotate`."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        try:
            self._fernets = [Fernet(key.encode()) for key in keys]
        except (ValueError, TypeError) as error:
            raise ValueError(
                "SECRET_KEY must be comma-separated Fernet keys (44 URL-safe base64 characters)"
            ) from error
        self._multi = MultiFernet(self._fernets)

    def encrypt(self, plaintext: bytes) -> bytes:
        return self._multi.encrypt(plaintext)

    def decrypt(self, ciphertext: bytes) -> bytes:
        try:
            return self._multi.decrypt(ciphertext)
        except InvalidToken as error:
            raise UndecryptableSecret("no configured key decrypts this secret") from error

    def needs_rotation(self, ciphertext: bytes) -> bool:
        try:
            self._fernets[0].decrypt(ciphertext)
        except InvalidToken:
            return True
        return False


def generate_key() -> str:
    return Fernet.generate_key().decode()


def load_or_create_key_file(path: Path) -> str:
    """The embedded default: one key generated on first start, kept beside the database
    with mode 0600."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key
