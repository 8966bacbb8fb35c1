"""Fixtures for engine tests: directories the unprivileged engine user can reach."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from fogbank.engines import datadirs, users
from fogbank.engines.supervisor import Supervisor

# Away from Fogbank's default range, so a Fogbank running alongside does not race us for ports.
TEST_PORTS = (15400, 15999)


def _engine_reachable_tmp(prefix: str) -> Path:
    # pytest's tmp_path lives under a 0700 directory the engine user cannot enter.
    return users.prepare_dir(Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp")), unprivileged=True)


@pytest.fixture
def work_dir() -> Iterator[Path]:
    path = _engine_reachable_tmp("fogbank-test-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def templates_dir() -> Iterator[Path]:
    path = _engine_reachable_tmp("fogbank-templates-")
    yield path
    datadirs.wait_for_spares()
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def supervisor() -> Iterator[Supervisor]:
    sup = Supervisor(port_range=TEST_PORTS)
    yield sup
    sup.shutdown()
