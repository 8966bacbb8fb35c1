from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def sm(client: Any) -> Any:
    return client("secretsmanager")


def error_of(call: Any, **params: Any) -> tuple[str, str, int]:
    """The (code, message, HTTP status) AWS answers ``call(**params)`` with."""
    with pytest.raises(ClientError) as raised:
        call(**params)
    error = raised.value.response
    return error["Error"]["Code"], error["Error"]["Message"], error["ResponseMetadata"]["HTTPStatusCode"]
