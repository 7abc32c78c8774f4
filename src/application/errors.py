"""Errors a use case raises; the HTTP edge maps each to one status and code."""

from __future__ import annotations


class ApplicationError(Exception):
    """Base of every use-case refusal."""


class NotFound(ApplicationError):
    """No such resource in the caller's workspace (a foreign one looks the same)."""


class InvalidCursor(ApplicationError):
    """`starting_after` names nothing in this list."""


class PlatformUnavailable(ApplicationError):
    """The platform is pending approval: it cannot be connected or posted to yet."""


class PlatformNotConfigured(ApplicationError):
    """The operator has not configured this platform's app credentials."""


class DuplicateIntegration(ApplicationError):
    """The account is already connected in this workspace (raced with another connect)."""


class UnknownApiKey(ApplicationError):
    """No key, or no unrevoked key, matches."""


class UnknownWorkspace(ApplicationError):
    """No workspace with that id."""


class UndecryptableSecret(ApplicationError):
    """A stored secret opens under none of the configured keys."""


class DatabaseUnavailable(ApplicationError):
    """The database cannot be reached or refused the connection."""
