"""Secrets Manager's operations: importing this module registers every handler."""

from __future__ import annotations

from fogbank.services.secretsmanager import secrets, values  # noqa: F401  (they register handlers)
from fogbank.services.secretsmanager.service import service

__all__ = ["service"]
