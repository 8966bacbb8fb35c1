"""Handlers are marked with @operation and collected by their service when Fogbank starts; a mark
naming no operation of the service's models stops the start, so a typo cannot leave an operation
answering NotImplemented unnoticed."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from fogbank.config import Config
from fogbank.core.http import HttpRequest
from fogbank.platform import Platform
from fogbank.protocols import spec
from fogbank.services.base import Service, UnknownOperationName
from fogbank.services.catalog import all_services


@pytest.fixture
def handler_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Writes ``fogbank_test_ops/<name>.py`` modules importable for the test."""
    package = tmp_path / "fogbank_test_ops"
    package.mkdir()
    (package / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))

    def write(name: str, source: str) -> None:
        (package / f"{name}.py").write_text(textwrap.dedent(source))

    yield write
    for module in [name for name in sys.modules if name.startswith("fogbank_test_ops")]:
        del sys.modules[module]


AUTH = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0"


class Probe(Service):
    name = "sts"
    models = ("sts",)
    handler_modules = ("fogbank_test_ops",)


def test_a_name_the_model_does_not_have_fails_at_start(handler_package) -> None:
    handler_package(
        "identity",
        """
        from fogbank.services.base import operation

        @operation("GetCallerIdentity")
        def fine(ctx, params):
            return {}

        @operation("GetCallerIdentty")
        def typo(ctx, params):
            return {}
        """,
    )
    with pytest.raises(UnknownOperationName, match=r"identity\.typo is marked @operation\('GetCallerIdentty'\).*sts"):
        Platform(Config(ephemeral=True), services=[Probe()])


def test_two_handlers_for_one_operation_fail_at_start(handler_package) -> None:
    handler_package(
        "a", "from fogbank.services.base import operation\n@operation('GetCallerIdentity')\ndef a(c, p): pass\n"
    )
    handler_package(
        "b", "from fogbank.services.base import operation\n@operation('GetCallerIdentity')\ndef b(c, p): pass\n"
    )
    with pytest.raises(UnknownOperationName, match="GetCallerIdentity has two handlers"):
        Platform(Config(ephemeral=True), services=[Probe()])


def test_marked_functions_of_every_module_of_a_package_are_collected(handler_package) -> None:
    handler_package(
        "who",
        """
        from fogbank.services.base import operation

        @operation("GetCallerIdentity")
        def who(ctx, params):
            return {"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:root", "UserId": "probe"}
        """,
    )
    # A handler imported into another module is that module's import, not a second handler.
    handler_package("reexport", "from fogbank_test_ops.who import who  # noqa: F401\n")
    platform = Platform(Config(ephemeral=True, log_requests=False), services=[Probe()])
    assert list(platform.service("sts").handlers) == ["GetCallerIdentity"]
    response = platform.dispatcher.handle(
        HttpRequest(
            "POST",
            "/",
            "/",
            "",
            {"content-type": "application/x-www-form-urlencoded", "authorization": AUTH},
            b"Action=GetCallerIdentity&Version=2011-06-15",
        )
    )
    assert response.status == 200 and b"<UserId>probe</UserId>" in response.body


def test_every_service_collects_handlers_its_models_have() -> None:
    collected = 0
    for service in all_services():
        known = {name for model in service.models for name in spec.service_model(model).operation_names}
        assert set(service.handlers) <= known, service.name
        collected += len(service.handlers)
    assert collected >= 100  # DynamoDB 22, RDS 42, ElastiCache, STS, rds-data, Secrets Manager
