"""The Secrets Manager service: secret lifecycle in secrets.py, values and versions in values.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fogbank.services.base import Service
from fogbank.services.secretsmanager.store import SecretStore

if TYPE_CHECKING:
    from fogbank.platform import Platform


class SecretsManager(Service):
    name = "secretsmanager"
    models = ("secretsmanager",)
    handler_modules = ("fogbank.services.secretsmanager.secrets", "fogbank.services.secretsmanager.values")

    def open(self, platform: Platform) -> None:
        self.backend = SecretStore(platform.service_dir(self.name))

    def reset(self) -> None:
        if self.backend is not None:
            self.backend.reset()

    def status(self) -> dict[str, Any]:
        return {"state": "running", "operations": len(self.handlers)}


service = SecretsManager()
