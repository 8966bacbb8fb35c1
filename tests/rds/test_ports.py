"""Which port an instance listens on: the one asked for when it is free here, never Fogbank's own."""

from __future__ import annotations

import socket
from urllib.parse import urlparse

import pytest
from botocore.exceptions import ClientError

from tests.rds.conftest import PASSWORD


def _create(rds, identifier: str, **kwargs):
    return rds.create_db_instance(DBInstanceIdentifier=identifier, Engine="postgres", DBInstanceClass="db.t3.micro",
                                  MasterUsername="postgres", MasterUserPassword=PASSWORD, **kwargs)  # fmt: skip


def test_fogbank_own_port_is_refused(rds, fogbank_endpoint):
    own = urlparse(fogbank_endpoint).port
    with pytest.raises(ClientError) as raised:
        _create(rds, "selfish", Port=own)
    error = raised.value.response
    assert error["Error"]["Code"] == "InvalidParameterValue"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Message"].startswith(f"Invalid value {own} for Port.")
    assert not rds.describe_db_instances()["DBInstances"]


def test_modify_to_fogbank_own_port_is_refused(rds, make_instance, fogbank_endpoint):
    make_instance("movable")
    own = urlparse(fogbank_endpoint).port
    with pytest.raises(ClientError) as raised:
        rds.modify_db_instance(DBInstanceIdentifier="movable", DBPortNumber=own, ApplyImmediately=True)
    assert raised.value.response["Error"]["Code"] == "InvalidParameterValue"


@pytest.mark.parametrize("port", [1149, 65536])
def test_port_outside_rds_range_is_refused(rds, port):
    with pytest.raises(ClientError, match=f"Invalid value {port} for Port. Valid values: 1150-65535."):
        _create(rds, "outside", Port=port)


def test_requested_port_in_use_is_replaced_with_an_event(rds, make_instance):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        instance = make_instance("elsewhere", Port=taken)
    assert instance["Endpoint"]["Port"] != taken
    messages = [
        e["Message"] for e in rds.describe_events(SourceIdentifier="elsewhere", SourceType="db-instance")["Events"]
    ]
    assert (
        f"The requested port {taken} is in use on this host. The DB instance listens on port "
        f"{instance['Endpoint']['Port']}." in messages
    )


def test_free_requested_port_is_used_without_an_event(rds, make_instance):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    instance = make_instance("exact", Port=free)
    assert instance["Endpoint"]["Port"] == free
    messages = [e["Message"] for e in rds.describe_events(SourceIdentifier="exact", SourceType="db-instance")["Events"]]
    assert not [m for m in messages if "port" in m.lower()]
