"""NotImplemented names the API the client called: RDS, DocumentDB and Neptune share one wire API.

What can tell them apart: the SDK's User-Agent (JavaScript v3 ``api/docdb#…``, CLI v2
``md/command#docdb.…``) or the ``Engine`` asked for. boto3 and the CLI v1 send neither, and then
every API that has the operation is named.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.clients.conftest import HERE, clean_env, run

MESSAGE = "The operation {op} of service {api} is not implemented by Fogbank yet."


def _not_implemented(call, **params) -> str:
    with pytest.raises(ClientError) as caught:
        call(**params)
    error = caught.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == ("NotImplemented", 501)
    return error["Error"]["Message"]


CLUSTER = {"DBClusterIdentifier": "c1", "MasterUsername": "admin1", "MasterUserPassword": "Secret-pass1"}


@pytest.mark.parametrize(
    "service,engine,api",
    [("docdb", "docdb", "docdb"), ("neptune", "neptune", "neptune"), ("rds", "aurora-postgresql", "rds")],
)
def test_engine_names_the_api(client, service, engine, api) -> None:
    # DescribeServerlessV2PlatformVersions: in all three APIs, implemented by none.
    message = _not_implemented(client(service).describe_serverless_v2_platform_versions, Engine=engine)
    assert message == MESSAGE.format(op="DescribeServerlessV2PlatformVersions", api=api)


@pytest.mark.parametrize("service", ["docdb", "neptune"])
def test_a_global_cluster_of_docdb_or_neptune_names_its_api(client, service) -> None:
    """RDS answers CreateGlobalCluster for Aurora; a DocumentDB or Neptune engine is still theirs."""
    message = _not_implemented(client(service).create_global_cluster, GlobalClusterIdentifier="g1", Engine=service)
    assert message == MESSAGE.format(op="CreateGlobalCluster", api=service)


@pytest.mark.parametrize("service", ["docdb", "neptune"])
def test_a_cluster_of_docdb_or_neptune_names_its_api(client, service) -> None:
    """RDS answers CreateDBCluster for Aurora; a DocumentDB or Neptune engine is still theirs."""
    message = _not_implemented(client(service).create_db_cluster, Engine=service, **CLUSTER)
    assert message == MESSAGE.format(op="CreateDBCluster", api=service)


def test_an_operation_only_rds_has_names_rds(client) -> None:
    message = _not_implemented(client("rds").describe_db_proxies)
    assert message == MESSAGE.format(op="DescribeDBProxies", api="rds")


def test_boto3_without_a_hint_gets_every_api_named(client) -> None:
    """boto3's User-Agent is the same for rds, docdb and neptune clients: nothing to tell them apart
    (DescribePendingMaintenanceActions: in all three, implemented by none)."""
    message = _not_implemented(client("docdb").describe_pending_maintenance_actions)
    assert message == MESSAGE.format(op="DescribePendingMaintenanceActions", api="rds/neptune/docdb")


def test_a_cluster_parameter_group_of_docdb_or_neptune_names_its_api(client) -> None:
    """RDS answers the cluster parameter group operations for Aurora; a DocumentDB or Neptune family is theirs."""
    for service, family in (("docdb", "docdb5.0"), ("neptune", "neptune1.3")):
        message = _not_implemented(client(service).create_db_cluster_parameter_group,
                                   DBClusterParameterGroupName="g1", DBParameterGroupFamily=family, Description="x")  # fmt: skip
        assert message == MESSAGE.format(op="CreateDBClusterParameterGroup", api=service)


def test_user_agent_names_the_api(client) -> None:
    # As Java v2 writes it; JavaScript and Go write api/docdb#…
    docdb = client("docdb", user_agent_extra="api/DocDB#2.30.0")
    assert _not_implemented(docdb.describe_db_cluster_parameter_groups) == MESSAGE.format(
        op="DescribeDBClusterParameterGroups", api="docdb"
    )


def test_javascript_sdk_v3_clients(fogbank_endpoint: str) -> None:
    assert (HERE / "node_modules/.installed").exists(), "run `make setup`"
    result = subprocess.run(
        ["node", str(HERE / "js/not_implemented.mjs")],
        env={**clean_env(), "FOGBANK_ENDPOINT": fogbank_endpoint},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout)
    for api in ("docdb", "neptune"):
        assert answers[api] == {
            "name": "NotImplemented",
            "message": MESSAGE.format(op="DescribeDBClusterParameterGroups", api=api),
            "status": 501,
        }


@pytest.mark.parametrize("api", ["docdb", "neptune"])
def test_cli_v2_command_names_the_api(fogbank_endpoint: str, cli_v2: Path, api: str) -> None:
    env = clean_env(
        AWS_ENDPOINT_URL=fogbank_endpoint,
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_DEFAULT_REGION="us-east-1",
    )
    result = run([str(cli_v2), api, "describe-db-cluster-parameter-groups"], env)
    assert MESSAGE.format(op="DescribeDBClusterParameterGroups", api=api) in result.stderr.replace("\n", " "), (
        result.stderr
    )
