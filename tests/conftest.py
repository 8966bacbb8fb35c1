"""Shared fixtures: a Fogbank endpoint and boto3 clients pointed at it."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config as BotoConfig

# Tests must never reach real AWS, whatever the developer's environment says.
os.environ.pop("AWS_PROFILE", None)
os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def client(fogbank_endpoint: str) -> Callable[..., Any]:
    """``client("dynamodb")``: a boto3 client for the running Fogbank, without retries."""

    def make(service: str, region: str = "us-east-1", **kwargs: Any) -> Any:
        return boto3.client(
            service,
            endpoint_url=fogbank_endpoint,
            region_name=region,
            aws_access_key_id=kwargs.pop("access_key", "test"),
            aws_secret_access_key="test",
            config=BotoConfig(retries={"max_attempts": 1}, **kwargs),
        )

    return make
