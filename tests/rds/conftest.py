"""RDS test helpers: a client and a factory for instances that waits until they are available."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

PASSWORD = "Secret-pass1"


@pytest.fixture
def rds(client: Callable[..., Any]) -> Any:
    return client("rds")


def wait_status(rds: Any, identifier: str, status: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        instance = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
        if instance["DBInstanceStatus"] == status:
            return instance
        assert instance["DBInstanceStatus"] != "failed", instance
        assert time.monotonic() < deadline, f"{identifier} still {instance['DBInstanceStatus']}"
        time.sleep(0.1)


@pytest.fixture
def make_instance(rds: Any) -> Callable[..., dict[str, Any]]:
    def make(identifier: str, engine: str = "postgres", **kwargs: Any) -> dict[str, Any]:
        params = {
            "DBInstanceIdentifier": identifier,
            "Engine": engine,
            "DBInstanceClass": "db.t3.micro",
            "MasterUsername": "postgres" if engine == "postgres" else "admin",
            "MasterUserPassword": PASSWORD,
            "AllocatedStorage": 20,
            **kwargs,
        }
        rds.create_db_instance(**params)
        return wait_status(rds, identifier, "available")

    return make
