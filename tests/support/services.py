"""Skip a test whose outside service is missing, except in CI, where that is a failure."""

from __future__ import annotations

import os

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing(service: str, reason: str) -> None:
    message = f"{service} is not available: {reason}"
    if in_ci():
        pytest.fail(message + " (CI=true requires it)", pytrace=False)
    pytest.skip(message)
