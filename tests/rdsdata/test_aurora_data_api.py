"""The RDS Data API against Aurora cluster ARNs (what AWS's Data API serves): refused until the cluster's
HTTP endpoint is enabled, then all six operations through the cluster's writer, and still the writer
after a failover."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.rds.conftest import PASSWORD, rds, wait_status  # noqa: F401  (fixtures)
from tests.rds.test_aurora_clusters import wait_cluster


@pytest.mark.parametrize("engine,user", [("aurora-postgresql", "postgres"), ("aurora-mysql", "admin")])
def test_data_api_on_a_cluster(rds: Any, client: Callable[..., Any], engine: str, user: str) -> None:  # noqa: F811
    name = f"data-{engine}"
    rds.create_db_cluster(DBClusterIdentifier=name, Engine=engine, MasterUsername=user,
                          MasterUserPassword=PASSWORD, DatabaseName="app")  # fmt: skip
    arn = wait_cluster(rds, name)["DBClusterArn"]
    for n in range(2):
        rds.create_db_instance(DBInstanceIdentifier=f"{name}-{n}", DBClusterIdentifier=name, Engine=engine,
                               DBInstanceClass="db.r6g.large")  # fmt: skip
        wait_status(rds, f"{name}-{n}", "available")
    secret = client("secretsmanager").create_secret(
        Name=f"{name}-login", SecretString=json.dumps({"username": user, "password": PASSWORD})
    )
    data = client("rds-data")
    target = {"resourceArn": arn, "secretArn": secret["ARN"], "database": "app"}
    with pytest.raises(ClientError) as refused:
        data.execute_statement(**target, sql="SELECT 1")
    assert refused.value.response["Error"]["Code"] == "BadRequestException"
    assert refused.value.response["Error"]["Message"].startswith(f"HttpEndpoint is not enabled for cluster {name}.")

    assert rds.modify_db_cluster(DBClusterIdentifier=name, EnableHttpEndpoint=True)["DBCluster"]["HttpEndpointEnabled"]
    data.execute_statement(**target, sql="CREATE TABLE t (n INT PRIMARY KEY, label VARCHAR(20))")
    batch = data.batch_execute_statement(
        **target,
        sql="INSERT INTO t VALUES (:n, :label)",
        parameterSets=[[{"name": "n", "value": {"longValue": i}}, {"name": "label", "value": {"stringValue": f"r{i}"}}]
                       for i in range(3)],
    )  # fmt: skip
    assert len(batch["updateResults"]) == 3
    tx = data.begin_transaction(**target)["transactionId"]
    data.execute_statement(**target, sql="INSERT INTO t VALUES (10, 'kept')", transactionId=tx)
    assert data.commit_transaction(resourceArn=arn, secretArn=secret["ARN"], transactionId=tx)["transactionStatus"]
    tx = data.begin_transaction(**target)["transactionId"]
    data.execute_statement(**target, sql="INSERT INTO t VALUES (11, 'dropped')", transactionId=tx)
    data.rollback_transaction(resourceArn=arn, secretArn=secret["ARN"], transactionId=tx)
    rows = data.execute_statement(**target, sql="SELECT n FROM t ORDER BY n")["records"]
    assert [r[0]["longValue"] for r in rows] == [0, 1, 2, 10]

    # After a failover the cluster ARN reaches the new writer, which accepts writes.
    rds.failover_db_cluster(DBClusterIdentifier=name)
    cluster = wait_cluster(rds, name)
    assert [m["DBInstanceIdentifier"] for m in cluster["DBClusterMembers"] if m["IsClusterWriter"]] == [f"{name}-1"]
    data.execute_statement(**target, sql="INSERT INTO t VALUES (12, 'after')")
    rows = data.execute_statement(**target, sql="SELECT n FROM t ORDER BY n")["records"]
    assert [r[0]["longValue"] for r in rows] == [0, 1, 2, 10, 12]
