from abc import abstractmethod
from typing import Protocol


class TokenCipher(Protocol):
    """Encrypts secrets at rest (platform tokens, sessions, app passwords)."""

    @abstractmethod
    def encrypt(self, plaintext: bytes) -> bytes: ...

    @abstractmethod
    def decrypt(self, ciphertext: bytes) -> bytes:
        """Raises `UndecryptableSecret` when no configured key opens it."""

    @abstractmethod
    def needs_rotation(self, ciphertext: bytes) -> bool:
        """True when the ciphertext was not made with the current (first) key."""
