"""Secrets and their versions, kept in the shared account/region store (``fogbank.managed.store``).

Each secret is one ``Record`` of kind ``secret``: its name, ARN, tags and creation time are the
record's, and the ``Secret`` below is its typed private part (versions, deletion dates). The
handlers work on ``Secret`` objects by name (``scope``) and call ``save``, which writes them
back as records. Documents written before this store (``{"secrets": [...]}``) load unchanged
and are written in the store's form at the next change (``upgrade``).

A secret is addressed by name, full ARN or partial ARN (the ARN without the 6-character suffix
AWS appends), as Secrets Manager accepts all three wherever a ``SecretId`` is asked for.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets as random
import string
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fogbank.arns import arn
from fogbank.managed.records import Record, RecordKind, iso
from fogbank.managed.store import FORMAT, Store
from fogbank.protocols.errors import AwsError

CURRENT = "AWSCURRENT"
PREVIOUS = "AWSPREVIOUS"
DEPRECATED_KEPT = 100  # versions without a staging label (AWS's quota)
DAY = 86400.0


def not_found() -> AwsError:
    return AwsError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.")


def marked_for_deletion() -> AwsError:
    return AwsError(
        "InvalidRequestException",
        "You can't perform this operation on the secret because it was marked for deletion.",
    )


@dataclass
class Secret:
    name: str
    arn: str
    description: str | None = None
    kms_key_id: str | None = None
    tags: list[dict[str, str]] = field(default_factory=list)
    created: float = field(default_factory=time.time)
    last_changed: float = field(default_factory=time.time)
    last_accessed: float | None = None
    deleted: float | None = None  # when DeleteSecret was called
    deletion_date: float | None = None  # when the secret is gone for good
    owning_service: str | None = None  # "rds": made and changed by that service (OwningService)
    # version id -> {"string": str | None, "binary": base64 str | None, "stages": [...], "created": float}
    versions: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> Secret:
        return cls(**document)

    def version_for(self, version_id: str | None, stage: str | None) -> tuple[str, dict[str, Any]]:
        if version_id:
            version = self.versions.get(version_id)
            if version is None or (stage and stage not in version["stages"]):
                raise AwsError(
                    "ResourceNotFoundException",
                    f"Secrets Manager can't find the specified secret value for VersionId: {version_id}",
                )
            return version_id, version
        wanted = stage or CURRENT
        for vid, version in self.versions.items():
            if wanted in version["stages"]:
                return vid, version
        raise AwsError(
            "ResourceNotFoundException",
            f"Secrets Manager can't find the specified secret value for staging label: {wanted}",
        )

    def stages(self) -> dict[str, list[str]]:
        return {vid: list(v["stages"]) for vid, v in self.versions.items() if v["stages"]}

    def add_version(self, version_id: str, string_value: str | None, binary: bytes | None, stages: list[str]) -> bool:
        """Store a new version and move its stages onto it; False when it already existed unchanged."""
        encoded = base64.b64encode(binary).decode() if binary is not None else None
        existing = self.versions.get(version_id)
        if existing is not None:
            if existing["string"] == string_value and existing["binary"] == encoded:
                return False
            raise AwsError(
                "ResourceExistsException",
                "You can't modify an existing version, you can only create a new version.",
            )
        if CURRENT in stages:
            # The version that was current becomes the previous one, as rotation expects.
            for other in self.versions.values():
                if PREVIOUS in other["stages"]:
                    other["stages"].remove(PREVIOUS)
            for other in self.versions.values():
                if CURRENT in other["stages"]:
                    other["stages"].append(PREVIOUS)
        for other in self.versions.values():
            other["stages"] = [s for s in other["stages"] if s not in stages]
        self.versions[version_id] = {
            "string": string_value,
            "binary": encoded,
            "stages": list(stages),
            "created": time.time(),
        }
        # Versions without any stage are deprecated: readable by id and listed on request, and, as on
        # AWS, the oldest of them removed past DEPRECATED_KEPT.
        deprecated = [vid for vid, v in self.versions.items() if not v["stages"]]
        for vid in deprecated[: max(0, len(deprecated) - DEPRECATED_KEPT)]:
            del self.versions[vid]
        self.last_changed = time.time()
        return True


KIND = "secret"


@dataclass(frozen=True)
class CurrentValue:
    """A secret's current value for another service."""

    arn: str
    string: str | None
    binary: bytes | None
    marked_for_deletion: bool  # DeleteSecret was called: no value is given out


def _load_secret(document: dict[str, Any]) -> Secret:
    return Secret.from_json(document)


def _record(secret: Secret, resource_id: str | None) -> Record[Secret]:
    record = Record(
        kind=KIND,
        identifier=secret.name,
        arn=secret.arn,
        private=secret,
        tags=secret.tags,
        created=iso(dt.datetime.fromtimestamp(secret.created, dt.UTC)),
    )
    if resource_id is not None:
        record.resource_id = resource_id
    return record


def upgrade(document: dict[str, Any]) -> dict[str, Any]:
    """A document of the store Secrets Manager had before the shared one: ``{"secrets": [...]}``."""
    records = [_record(Secret.from_json(item), None).document() for item in document.get("secrets", [])]
    return {"format": FORMAT, "records": {KIND: records}, "events": [], "extra": {}}


class SecretStore:
    """All secrets of every account and region; thread-safe, every change written before it returns."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.store = Store(directory, [RecordKind(KIND, _load_secret)], upgrade=upgrade)
        self.lock = self.store.lock
        self._scopes: dict[tuple[str, str], dict[str, Secret]] = {}

    def scope(self, account: str, region: str) -> dict[str, Secret]:
        """The secrets of an account and region by name; changes to it are kept by ``save``."""
        with self.lock:
            key = (account, region)
            secrets = self._scopes.get(key)
            if secrets is None:
                stored = self.store.scope(account, region).of(KIND)
                secrets = {name: record.private for name, record in stored.items()}
                self._scopes[key] = secrets
            self._purge(secrets)
            return secrets

    def save(self, account: str, region: str) -> None:
        with self.lock:
            scope = self.store.scope(account, region)
            stored = scope.of(KIND)
            secrets = self._scopes.get((account, region), {})
            scope.records[KIND] = {
                name: _record(secret, stored[name].resource_id if name in stored else None)
                for name, secret in secrets.items()
            }
            self.store.save(scope)

    def reset(self) -> None:
        with self.lock:
            self._scopes.clear()
            self.store.wipe()

    def current(self, account: str, region: str, secret_id: str) -> CurrentValue:
        """The AWSCURRENT value of a secret, as another service reads it (the RDS Data API's
        ``secretArn``). Raises Secrets Manager's errors for a missing secret or value."""
        with self.lock:
            secret = self.find(account, region, secret_id)
            if secret.deleted is not None:
                return CurrentValue(secret.arn, None, None, marked_for_deletion=True)
            _, version = secret.version_for(None, CURRENT)
            binary = base64.b64decode(version["binary"]) if version["binary"] is not None else None
            return CurrentValue(secret.arn, version["string"], binary, marked_for_deletion=False)

    # -- secrets another service owns (RDS's managed master passwords) --------------------------

    def create_owned(self, account: str, region: str, name: str, value: str, owner: str, description: str,
                     tags: list[dict[str, str]]) -> str:  # fmt: skip
        """A secret made by another service (``OwningService``), its value current; its ARN."""
        with self.lock:
            secrets = self.scope(account, region)
            if name in secrets:
                raise AwsError(
                    "ResourceExistsException", f"The operation failed because the secret {name} already exists."
                )
            secret = Secret(name=name, arn=self.new_arn(account, region, name), description=description,
                            tags=list(tags), owning_service=owner)  # fmt: skip
            secret.add_version(str(uuid.uuid4()), value, None, [CURRENT])
            secrets[name] = secret
            self.save(account, region)
            return secret.arn

    def put_owned(self, account: str, region: str, secret_id: str, value: str) -> None:
        """A new current value of an owned secret (the one before becomes AWSPREVIOUS)."""
        with self.lock:
            self.find(account, region, secret_id).add_version(str(uuid.uuid4()), value, None, [CURRENT])
            self.save(account, region)

    def delete_owned(self, account: str, region: str, secret_id: str) -> None:
        """An owned secret removed with its owner's resource, without a recovery window."""
        with self.lock:
            secrets = self.scope(account, region)
            secret = next((s for s in secrets.values() if s.arn == secret_id), None)
            if secret is not None:
                del secrets[secret.name]
                self.save(account, region)

    @staticmethod
    def _purge(secrets: dict[str, Secret]) -> None:
        """Secrets whose recovery window has passed are gone, as if a sweeper had run."""
        now = time.time()
        for name in [n for n, s in secrets.items() if s.deletion_date is not None and s.deletion_date <= now]:
            del secrets[name]

    def find(self, account: str, region: str, secret_id: str) -> Secret:
        secrets = self.scope(account, region)
        if secret_id in secrets:
            return secrets[secret_id]
        if secret_id.startswith("arn:"):
            for secret in secrets.values():
                # A partial ARN lacks the "-xxxxxx" suffix AWS adds to the name.
                if secret_id in (secret.arn, secret.arn[:-7]):
                    return secret
        raise not_found()

    def new_arn(self, account: str, region: str, name: str) -> str:
        suffix = "".join(random.choice(string.ascii_letters + string.digits) for _ in range(6))
        return arn("secretsmanager", region, account, f"secret:{name}-{suffix}")
