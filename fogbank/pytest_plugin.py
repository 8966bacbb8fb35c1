"""A pytest plugin for users' own test suites: ``def test_x(fogbank_endpoint): ...``.

Installed with Fogbank (entry point ``pytest11``). The endpoint is an in-process Fogbank on a
free port with a temporary data directory, shared by the session and reset between tests; with
``FOGBANK_TEST_ENDPOINT`` set, it is that already running Fogbank instead (``fogbank up``, reset
between tests all the same).
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator

import pytest

from fogbank.config import Config, external_test_endpoint
from fogbank.server import Fogbank


@pytest.fixture(scope="session")
def fogbank_server() -> Iterator[Fogbank]:
    config = Config(port=0, ephemeral=True)
    config.log_requests = False
    with Fogbank(config) as server:
        yield server


@pytest.fixture
def fogbank_endpoint(request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a running Fogbank (``AWS_ENDPOINT_URL``), empty of resources for each test."""
    endpoint = external_test_endpoint() or request.getfixturevalue("fogbank_server").endpoint
    reset = urllib.request.Request(endpoint.rstrip("/") + "/_fogbank/reset", method="POST")
    with urllib.request.urlopen(reset, timeout=60) as response:
        json.load(response)
    yield endpoint
