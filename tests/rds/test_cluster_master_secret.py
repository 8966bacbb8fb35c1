"""The RDS-managed master password on Aurora clusters (ManageMasterUserPassword): the cluster's secret
(``rds!cluster-…``, tagged with the cluster's ARN) signs in on every member and through the RDS Data
API on the cluster ARN; RotateMasterUserPassword changes the real login on the writer and, by
replication, on its readers; turning it off needs a password and deletes the secret, as deleting the
cluster does; and a Fogbank killed with -9 comes back with the cluster's parameter group applied."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import psycopg
import pytest
from botocore.exceptions import ClientError

from tests.rds.conftest import OwnFogbank, run_sql, wait_status
from tests.rds.test_aurora_clusters import wait_cluster


def _login(port: int, secret: dict[str, Any], timeout: float = 10) -> psycopg.Connection:
    """A login with the secret's username and password (retried while a rotation reaches a reader)."""
    value = json.loads(secret["SecretString"])
    deadline = time.monotonic() + timeout
    while True:
        try:
            return psycopg.connect(host="127.0.0.1", port=port, user=value["username"], password=value["password"],
                                   dbname="shop", autocommit=True, connect_timeout=5)  # fmt: skip
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _refused(port: int, secret: dict[str, Any], timeout: float = 10) -> bool:
    """Whether the secret's login is refused (within ``timeout``: a reader replays the change)."""
    value = json.loads(secret["SecretString"])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            psycopg.connect(host="127.0.0.1", port=port, user=value["username"], password=value["password"],
                            dbname="shop", connect_timeout=5).close()  # fmt: skip
        except psycopg.OperationalError:
            return True
        time.sleep(0.1)
    return False


def _code(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return error.value.response["Error"]["Code"], error.value.response["Error"]["Message"]


def test_a_clusters_password_in_an_rds_owned_secret(client: Any) -> None:
    rds, sm, data = client("rds"), client("secretsmanager"), client("rds-data")
    with pytest.raises(ClientError) as both:
        rds.create_db_cluster(DBClusterIdentifier="ms", Engine="aurora-postgresql", MasterUsername="pgadmin",
                              ManageMasterUserPassword=True, MasterUserPassword="Secret-pass1")  # fmt: skip
    assert _code(both)[0] == "InvalidParameterCombination"
    assert sm.list_secrets()["SecretList"] == []  # nothing was made for a refused create
    made = rds.create_db_cluster(DBClusterIdentifier="ms", Engine="aurora-postgresql", MasterUsername="pgadmin",
                                 DatabaseName="shop", ManageMasterUserPassword=True, EnableHttpEndpoint=True,
                                 MasterUserSecretKmsKeyId="alias/mine")["DBCluster"]  # fmt: skip
    ref = made["MasterUserSecret"]
    assert ref["SecretStatus"] == "active" and ":secret:rds!cluster-" in ref["SecretArn"]
    assert ref["KmsKeyId"] == "alias/mine"
    cluster = wait_cluster(rds, "ms")
    assert cluster["MasterUserSecret"] == ref
    described = sm.describe_secret(SecretId=ref["SecretArn"])
    assert described["OwningService"] == "rds"
    assert {"Key": "aws:rds:primaryDBClusterArn", "Value": cluster["DBClusterArn"]} in described["Tags"]
    ports = []
    for n in range(2):
        rds.create_db_instance(DBInstanceIdentifier=f"ms-{n}", DBClusterIdentifier="ms", Engine="aurora-postgresql",
                               DBInstanceClass="db.r6g.large")  # fmt: skip
        ports.append(wait_status(rds, f"ms-{n}", "available")["Endpoint"]["Port"])
    first = sm.get_secret_value(SecretId=ref["SecretArn"])
    assert json.loads(first["SecretString"])["username"] == "pgadmin"
    with _login(cluster["Port"], first) as conn:  # the cluster endpoint: the writer
        run_sql(conn, "CREATE TABLE t (n INT)")
        run_sql(conn, "INSERT INTO t VALUES (7)")
    with _login(ports[1], first) as conn:  # a reader: the same login, replicated
        assert run_sql(conn, "SELECT current_setting('transaction_read_only')") == [("on",)]

    owned = (("ManageMasterUserPassword", True), ("MasterUserPassword", "Other-pass-1"),
             ("BackupRetentionPeriod", 3), ("MultiAZ", True), ("AllocatedStorage", 50))  # fmt: skip
    for key, value in owned:
        with pytest.raises(ClientError) as member:  # the password (backups, storage) is the cluster's
            rds.modify_db_instance(DBInstanceIdentifier="ms-0", ApplyImmediately=True, **{key: value})
        assert _code(member)[0] == "InvalidParameterCombination"

    target = {"resourceArn": cluster["DBClusterArn"], "secretArn": ref["SecretArn"], "database": "shop"}
    assert data.execute_statement(**target, sql="SELECT n FROM t")["records"] == [[{"longValue": 7}]]

    with pytest.raises(ClientError) as later:
        rds.modify_db_cluster(DBClusterIdentifier="ms", RotateMasterUserPassword=True)
    assert _code(later)[0] == "InvalidParameterCombination"  # not ApplyImmediately
    rds.modify_db_cluster(DBClusterIdentifier="ms", RotateMasterUserPassword=True, ApplyImmediately=True)
    wait_cluster(rds, "ms")
    second = sm.get_secret_value(SecretId=ref["SecretArn"])
    assert second["VersionId"] != first["VersionId"]
    assert sm.get_secret_value(SecretId=ref["SecretArn"], VersionStage="AWSPREVIOUS")["VersionId"] == first["VersionId"]
    for port in ports:
        with _login(port, second) as conn:
            assert run_sql(conn, "SELECT n FROM t") == [(7,)]
        assert _refused(port, first)  # the old password no longer signs in, on the writer and its reader
    assert data.execute_statement(**target, sql="SELECT n FROM t")["records"] == [[{"longValue": 7}]]

    with pytest.raises(ClientError) as no_password:
        rds.modify_db_cluster(DBClusterIdentifier="ms", ManageMasterUserPassword=False)
    assert _code(no_password) == ("InvalidParameterCombination",
                                  "MasterUserPassword must be provided when ManageMasterUserPassword is set to false.")  # fmt: skip
    rds.modify_db_cluster(DBClusterIdentifier="ms", ManageMasterUserPassword=False, MasterUserPassword="Plain-pass-12")
    assert "MasterUserSecret" not in wait_cluster(rds, "ms")
    with pytest.raises(ClientError) as gone:
        sm.describe_secret(SecretId=ref["SecretArn"])
    assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"
    plain = {"SecretString": json.dumps({"username": "pgadmin", "password": "Plain-pass-12"})}
    with _login(ports[0], plain) as conn:
        assert run_sql(conn, "SELECT n FROM t") == [(7,)]

    # Managed again, then the cluster is deleted: its secret goes with it.
    arn = rds.modify_db_cluster(DBClusterIdentifier="ms", ManageMasterUserPassword=True)["DBCluster"][
        "MasterUserSecret"
    ]["SecretArn"]
    wait_cluster(rds, "ms")
    with _login(cluster["Port"], sm.get_secret_value(SecretId=arn)) as conn:
        assert run_sql(conn, "SELECT n FROM t") == [(7,)]
    for n in range(2):
        rds.delete_db_instance(DBInstanceIdentifier=f"ms-{n}", SkipFinalSnapshot=True)
    rds.delete_db_cluster(DBClusterIdentifier="ms", SkipFinalSnapshot=True)
    with pytest.raises(ClientError) as deleted:
        sm.describe_secret(SecretId=arn)
    assert deleted.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_a_clusters_parameters_and_secret_survive_kill_9() -> None:
    """Fogbank killed with -9 and started again: the cluster's parameter group (a static value set
    before the kill, so applied at the restart) runs on its members and the secret still signs in."""
    with OwnFogbank("fogbank-rds-cpg-", "6500-6599") as fogbank:
        rds = fogbank.rds
        family = rds.describe_db_engine_versions(Engine="aurora-postgresql", DefaultOnly=True)["DBEngineVersions"][0][
            "DBParameterGroupFamily"
        ]
        rds.create_db_cluster_parameter_group(DBClusterParameterGroupName="kept", DBParameterGroupFamily=family,
                                              Description="kept")  # fmt: skip
        rds.create_db_cluster(DBClusterIdentifier="back", Engine="aurora-postgresql", MasterUsername="pgadmin",
                              DatabaseName="shop", ManageMasterUserPassword=True,
                              DBClusterParameterGroupName="kept")  # fmt: skip
        arn = wait_cluster(rds, "back")["MasterUserSecret"]["SecretArn"]
        rds.create_db_instance(DBInstanceIdentifier="back-0", DBClusterIdentifier="back", Engine="aurora-postgresql",
                               DBInstanceClass="db.r6g.large")  # fmt: skip
        port = wait_status(rds, "back-0", "available")["Endpoint"]["Port"]
        rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName="kept", Parameters=[
            {"ParameterName": "track_activity_query_size", "ParameterValue": "4096", "ApplyMethod": "pending-reboot"},
            {"ParameterName": "work_mem", "ParameterValue": "12288", "ApplyMethod": "immediate"}])  # fmt: skip
        endpoint = rds.meta.endpoint_url
        secret = _secret_value(endpoint, arn)
        fogbank.restart()
        wait_cluster(rds, "back")
        port = wait_status(rds, "back-0", "available")["Endpoint"]["Port"]
        with _login(port, {"SecretString": secret}, timeout=30) as conn:
            assert run_sql(conn, "SHOW track_activity_query_size") == [("4kB",)]
            assert run_sql(conn, "SHOW work_mem") == [("12MB",)]
        assert _secret_value(endpoint, arn) == secret
        members = rds.describe_db_clusters(DBClusterIdentifier="back")["DBClusters"][0]["DBClusterMembers"]
        assert [m["DBClusterParameterGroupStatus"] for m in members] == ["in-sync"]


def _secret_value(endpoint: str, arn: str) -> str:
    sm = boto3.client("secretsmanager", endpoint_url=endpoint, region_name="us-east-1")
    return str(sm.get_secret_value(SecretId=arn)["SecretString"])
