"""Aurora custom endpoints through boto3 and real connections: each reaches only its members and
follows instances added and deleted and failovers; DescribeDBClusterEndpoints with the cluster's own
endpoints, filters and paging; AWS's faults; the endpoints after Fogbank is killed and restarted."""

from __future__ import annotations

import random
import socket
import time
from typing import Any

import botocore.exceptions
import psycopg
import pymysql
import pytest

from tests.rds.conftest import OwnFogbank, wait_status
from tests.rds.test_aurora_clusters import connect, make_cluster, server_id, wait_cluster


def wait_endpoint(rds: Any, identifier: str, status: str = "available", timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        found = rds.describe_db_cluster_endpoints(DBClusterEndpointIdentifier=identifier)["DBClusterEndpoints"]
        if found and found[0]["Status"] == status:
            return found[0]
        assert time.monotonic() < deadline, found
        time.sleep(0.1)


def reached(engine: str, host: str, port: int, tries: int = 6) -> set[str]:
    """Which servers answer new connections to ``host:port`` (None of them: an empty set)."""
    seen = set()
    for _ in range(tries):
        try:
            with connect(engine, host, port, timeout=2) as conn:
                seen.add(server_id(engine, conn))
        except (psycopg.OperationalError, pymysql.err.OperationalError):
            pass
    return seen


def ids(engine: str, rds: Any, *names: str) -> set[str]:
    """The server ids of instances, reached at their own endpoints."""
    out = set()
    for name in names:
        instance = wait_status(rds, name, "available", timeout=90)
        with connect(engine, "127.0.0.1", instance["Endpoint"]["Port"]) as conn:
            out.add(server_id(engine, conn))
    return out


def _code(call: Any, **params: Any) -> tuple[str, str, int]:
    with pytest.raises(botocore.exceptions.ClientError) as error:
        call(**params)
    response = error.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.mark.parametrize("engine", ["aurora-postgresql", "aurora-mysql"])
def test_custom_endpoints_reach_their_members_and_follow_the_cluster(rds: Any, engine: str) -> None:
    name = "ce-pg" if engine == "aurora-postgresql" else "ce-my"
    w, r1, r2, r3 = (f"{name}-{n}" for n in range(4))
    port = make_cluster(rds, name, engine, readers=2)["Port"]
    made = rds.create_db_cluster_endpoint(DBClusterIdentifier=name, DBClusterEndpointIdentifier=f"{name}-rd",
                                          EndpointType="READER", StaticMembers=[r1.upper()],
                                          Tags=[{"Key": "team", "Value": "bi"}])  # fmt: skip
    assert made["Status"] == "creating" and made["EndpointType"] == "CUSTOM" and made["CustomEndpointType"] == "READER"
    assert made["StaticMembers"] == [r1] and made["ExcludedMembers"] == []
    assert made["DBClusterEndpointArn"].endswith(f":cluster-endpoint:{name}-rd")
    assert made["DBClusterEndpointResourceIdentifier"].startswith("cluster-endpoint-")
    reader = wait_endpoint(rds, f"{name}-rd")
    rds.create_db_cluster_endpoint(DBClusterIdentifier=name, DBClusterEndpointIdentifier=f"{name}-any",
                                   EndpointType="ANY", ExcludedMembers=[r1])  # fmt: skip
    anyone = wait_endpoint(rds, f"{name}-any")
    assert (reader["Endpoint"], anyone["Endpoint"]) == ("127.0.0.3", "127.0.0.4")
    assert rds.list_tags_for_resource(ResourceName=made["DBClusterEndpointArn"])["TagList"] == [
        {"Key": "team", "Value": "bi"}
    ]
    cluster = wait_cluster(rds, name)
    assert sorted(cluster["CustomEndpoints"]) == ["127.0.0.3", "127.0.0.4"]
    listed = rds.describe_db_cluster_endpoints(DBClusterIdentifier=name)["DBClusterEndpoints"]
    assert [(e["EndpointType"], e["Endpoint"]) for e in listed] == [
        ("WRITER", "127.0.0.1"), ("READER", "127.0.0.2"), ("CUSTOM", "127.0.0.4"), ("CUSTOM", "127.0.0.3")]  # fmt: skip
    assert listed[0] == {"DBClusterIdentifier": name, "Endpoint": "127.0.0.1", "Status": "available",
                         "EndpointType": "WRITER"}  # fmt: skip
    customs = rds.describe_db_cluster_endpoints(
        DBClusterIdentifier=name, Filters=[{"Name": "db-cluster-endpoint-custom-type", "Values": ["reader"]}]
    )["DBClusterEndpoints"]
    assert [e["DBClusterEndpointIdentifier"] for e in customs] == [f"{name}-rd"]

    # Each reaches only its members: the static reader, the writer and the other reader.
    assert ids(engine, rds, r1) == reached(engine, "127.0.0.3", port)
    assert ids(engine, rds, w, r2) == reached(engine, "127.0.0.4", port)
    # An instance added to the cluster joins the exclusion-list endpoint, not the static one.
    rds.create_db_instance(DBInstanceIdentifier=r3, DBClusterIdentifier=name, Engine=engine,
                           DBInstanceClass="db.r6g.large", PromotionTier=3)  # fmt: skip
    wait_status(rds, r3, "available")
    assert ids(engine, rds, w, r2, r3) == reached(engine, "127.0.0.4", port, tries=9)
    assert ids(engine, rds, r1) == reached(engine, "127.0.0.3", port)

    # A failover to the static reader: a READER endpoint never reaches the writer, so it reaches no one;
    # the ANY endpoint reaches the old writer again once it is back as a reader.
    rds.failover_db_cluster(DBClusterIdentifier=name, TargetDBInstanceIdentifier=r1)
    wait_cluster(rds, name)
    assert reached(engine, "127.0.0.3", port, tries=3) == set()
    assert ids(engine, rds, w, r2, r3) == reached(engine, "127.0.0.4", port, tries=9)
    # Modified to another static member: from the next connection on.
    changed = rds.modify_db_cluster_endpoint(DBClusterEndpointIdentifier=f"{name}-rd", StaticMembers=[r2])
    assert changed["Status"] == "modifying" and changed["StaticMembers"] == [r2]
    wait_endpoint(rds, f"{name}-rd")
    assert ids(engine, rds, r2) == reached(engine, "127.0.0.3", port)
    # ANY with a static list reaches the writer too.
    rds.modify_db_cluster_endpoint(DBClusterEndpointIdentifier=f"{name}-any", StaticMembers=[r1, r3])
    assert wait_endpoint(rds, f"{name}-any")["ExcludedMembers"] == []
    assert ids(engine, rds, r1, r3) == reached(engine, "127.0.0.4", port)

    # A deleted instance leaves the lists; the emptied static list reaches no one.
    rds.delete_db_instance(DBInstanceIdentifier=r2, SkipFinalSnapshot=True)
    deadline = time.monotonic() + 60
    while rds.describe_db_instances(Filters=[{"Name": "db-instance-id", "Values": [r2]}])["DBInstances"]:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert wait_endpoint(rds, f"{name}-rd")["StaticMembers"] == []
    assert reached(engine, "127.0.0.3", port, tries=3) == set()

    deleted = rds.delete_db_cluster_endpoint(DBClusterEndpointIdentifier=f"{name}-rd")
    assert deleted["Status"] == "deleting"
    deadline = time.monotonic() + 20
    while rds.describe_db_cluster_endpoints(DBClusterEndpointIdentifier=f"{name}-rd")["DBClusterEndpoints"]:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert reached(engine, "127.0.0.3", port, tries=2) == set()
    assert wait_cluster(rds, name)["CustomEndpoints"] == ["127.0.0.4"]

    # Deleting the cluster deletes its custom endpoints.
    for member in (w, r1, r3):
        rds.delete_db_instance(DBInstanceIdentifier=member, SkipFinalSnapshot=True)
    deadline = time.monotonic() + 60
    while rds.describe_db_instances(Filters=[{"Name": "db-cluster-id", "Values": [name]}])["DBInstances"]:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    rds.delete_db_cluster(DBClusterIdentifier=name, SkipFinalSnapshot=True)
    deadline = time.monotonic() + 30
    while rds.describe_db_clusters(Filters=[{"Name": "db-cluster-id", "Values": [name]}])["DBClusters"]:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert rds.describe_db_cluster_endpoints(DBClusterEndpointIdentifier=f"{name}-any")["DBClusterEndpoints"] == []
    assert reached(engine, "127.0.0.4", port, tries=1) == set()


def test_custom_endpoint_requests_and_errors(rds: Any) -> None:
    """AWS's faults and messages, the quota of five, region-wide names, filters and paging."""
    for cluster in ("ce-a", "ce-b"):
        rds.create_db_cluster(DBClusterIdentifier=cluster, Engine="aurora-postgresql", MasterUsername="postgres",
                              MasterUserPassword="Secret-pass1")  # fmt: skip
        wait_cluster(rds, cluster)
    create = rds.create_db_cluster_endpoint
    base = {"DBClusterIdentifier": "ce-a", "EndpointType": "ANY"}
    assert _code(create, **{**base, "DBClusterIdentifier": "nope"}, DBClusterEndpointIdentifier="x") == (
        "DBClusterNotFoundFault", "DBCluster nope not found.", 404)  # fmt: skip
    assert _code(create, **base, DBClusterEndpointIdentifier="1bad")[:2] == (
        "InvalidParameterValue",
        "The parameter DBClusterEndpointIdentifier is not a valid identifier. Identifiers must begin with a letter; "
        "must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two "
        "consecutive hyphens.")  # fmt: skip
    assert _code(create, **{**base, "EndpointType": "WRITER"}, DBClusterEndpointIdentifier="x")[:2] == (
        "InvalidParameterValue", "Invalid endpoint type: WRITER. Valid values are READER and ANY.")  # fmt: skip
    assert _code(create, **base, DBClusterEndpointIdentifier="x", StaticMembers=["ghost"])[:2] == (
        "DBInstanceNotFound", "DBInstance ghost not found.")  # fmt: skip
    assert _code(create, **base, DBClusterEndpointIdentifier="x", StaticMembers=["a"], ExcludedMembers=["b"])[0] == (
        "InvalidParameterCombination")  # fmt: skip
    for n in range(5):
        out = create(**base, DBClusterEndpointIdentifier=f"ce-e{n}")
        assert out["Endpoint"] == f"127.0.0.{n + 3}"
    assert _code(create, **base, DBClusterEndpointIdentifier="ce-e5") == (
        "DBClusterEndpointQuotaExceededFault",
        "DB cluster ce-a already has 5 custom endpoints, the most it can have.", 403)  # fmt: skip
    assert _code(create, **{**base, "DBClusterIdentifier": "ce-b"}, DBClusterEndpointIdentifier="CE-E0")[:2] == (
        "DBClusterEndpointAlreadyExistsFault", "DBClusterEndpoint ce-e0 already exists.")  # fmt: skip
    # The same address on another cluster's port: each cluster numbers its own.
    assert create(DBClusterIdentifier="ce-b", EndpointType="reader", DBClusterEndpointIdentifier="ce-b1")[
        "Endpoint"] == "127.0.0.3"  # fmt: skip
    # An address something else holds: the endpoint is inactive, says why, can be deleted but not modified.
    with socket.create_server(("127.0.0.4", wait_cluster(rds, "ce-b")["Port"])):
        create(DBClusterIdentifier="ce-b", EndpointType="ANY", DBClusterEndpointIdentifier="ce-held")
        assert wait_endpoint(rds, "ce-held", "inactive")["Endpoint"] == "127.0.0.4"
    events = rds.describe_events(SourceIdentifier="ce-b", SourceType="db-cluster")["Events"]
    assert any("ce-held could not listen on 127.0.0.4" in e["Message"] for e in events)
    assert _code(rds.modify_db_cluster_endpoint, DBClusterEndpointIdentifier="ce-held", EndpointType="READER") == (
        "InvalidDBClusterEndpointStateFault",
        "DBClusterEndpoint ce-held is in inactive state but expected it to be one of available.", 400)  # fmt: skip
    assert rds.delete_db_cluster_endpoint(DBClusterEndpointIdentifier="ce-held")["Status"] == "deleting"

    describe = rds.describe_db_cluster_endpoints
    assert _code(describe, DBClusterIdentifier="nope")[0] == "DBClusterNotFoundFault"
    assert describe(DBClusterEndpointIdentifier="nope")["DBClusterEndpoints"] == []
    assert _code(describe, Filters=[{"Name": "bogus", "Values": ["x"]}])[:2] == (
        "InvalidParameterValue", "Unrecognized filter name: bogus")  # fmt: skip
    everything = describe()["DBClusterEndpoints"]
    assert len(everything) == 2 + 5 + 2 + 1
    writers = describe(Filters=[{"Name": "db-cluster-endpoint-type", "Values": ["writer"]}])["DBClusterEndpoints"]
    assert [e["DBClusterIdentifier"] for e in writers] == ["ce-a", "ce-b"]
    # Paging: 2 more clusters make 4 x 2 own endpoints and 5 + 1 + 5 + 2 custom ones.
    for cluster, count in (("ce-c", 5), ("ce-d", 2)):
        rds.create_db_cluster(DBClusterIdentifier=cluster, Engine="aurora-postgresql", MasterUsername="postgres",
                              MasterUserPassword="Secret-pass1")  # fmt: skip
        wait_cluster(rds, cluster)
        for n in range(count):
            create(DBClusterIdentifier=cluster, EndpointType="ANY", DBClusterEndpointIdentifier=f"{cluster}-{n}")
    first = describe(MaxRecords=20)
    assert len(first["DBClusterEndpoints"]) == 20 and first["Marker"]
    rest = describe(MaxRecords=20, Marker=first["Marker"])
    assert len(rest["DBClusterEndpoints"]) == 1 and not rest.get("Marker")
    assert rest["DBClusterEndpoints"][0]["DBClusterEndpointIdentifier"] == "ce-d-1"
    pages = rds.get_paginator("describe_db_cluster_endpoints").paginate(PaginationConfig={"PageSize": 20})
    assert sum(len(p["DBClusterEndpoints"]) for p in pages) == 21
    assert len(describe(Filters=[{"Name": "db-cluster-endpoint-id", "Values": ["ce-c-0", "ce-d-1"]}])[
        "DBClusterEndpoints"]) == 2  # fmt: skip
    assert _code(describe, MaxRecords=10)[0] == "InvalidParameterValue"

    modify, delete = rds.modify_db_cluster_endpoint, rds.delete_db_cluster_endpoint
    assert _code(modify, DBClusterEndpointIdentifier="nope") == (
        "DBClusterEndpointNotFoundFault", "DBClusterEndpoint nope not found.", 400)  # fmt: skip
    assert _code(delete, DBClusterEndpointIdentifier="nope")[0] == "DBClusterEndpointNotFoundFault"
    assert _code(modify, DBClusterEndpointIdentifier="ce-e1", EndpointType="any-thing")[0] == "InvalidParameterValue"
    assert modify(DBClusterEndpointIdentifier="ce-e1", EndpointType="READER")["CustomEndpointType"] == "READER"
    assert delete(DBClusterEndpointIdentifier="ce-e0")["Status"] == "deleting"
    assert _code(delete, DBClusterEndpointIdentifier="ce-e0")[:2] in {
        ("InvalidDBClusterEndpointStateFault",
         "DBClusterEndpoint ce-e0 is in deleting state but expected it to be one of available."),
        ("DBClusterEndpointNotFoundFault", "DBClusterEndpoint ce-e0 not found."),
    }  # fmt: skip
    # Its address is free again for the cluster's next one.
    deadline = time.monotonic() + 10
    while describe(DBClusterEndpointIdentifier="ce-e0")["DBClusterEndpoints"]:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert create(**base, DBClusterEndpointIdentifier="ce-e9")["Endpoint"] == "127.0.0.3"
    for cluster in ("ce-a", "ce-b", "ce-c", "ce-d"):
        rds.delete_db_cluster(DBClusterIdentifier=cluster, SkipFinalSnapshot=True)


def test_custom_endpoints_come_back_after_fogbank_is_killed() -> None:
    with OwnFogbank("fogbank-rds-endpoints-", "6800-6899") as fogbank:
        rds = fogbank.rds
        port = make_cluster(rds, "ceback", "aurora-postgresql", readers=1)["Port"]
        rds.create_db_cluster_endpoint(DBClusterIdentifier="ceback", DBClusterEndpointIdentifier="ceback-rd",
                                       EndpointType="READER")  # fmt: skip
        wait_endpoint(rds, "ceback-rd")
        reader = ids("aurora-postgresql", rds, "ceback-1")
        assert reached("aurora-postgresql", "127.0.0.3", port, tries=2) == reader
        fogbank.restart()
        assert wait_endpoint(rds, "ceback-rd")["Endpoint"] == "127.0.0.3"
        wait_status(rds, "ceback-0", "available")
        deadline = time.monotonic() + 30
        while reached("aurora-postgresql", "127.0.0.3", port, tries=1) != reader:
            assert time.monotonic() < deadline, "the custom endpoint does not reach its reader again"
            time.sleep(0.3)


def test_bad_inputs_get_aws_errors_never_a_500(rds: Any) -> None:
    """Fuzz: odd identifiers, types, member lists and scaling values on the new operations answer a
    4xx AWS error (or succeed), never a server error."""
    rds.create_db_cluster(DBClusterIdentifier="ce-fuzz", Engine="aurora-mysql", MasterUsername="admin",
                          MasterUserPassword="Secret-pass1")  # fmt: skip
    wait_cluster(rds, "ce-fuzz")
    rng = random.Random(13)
    words = ["", " ", "a", "A-", "a--b", "x" * 64, "x" * 63, "ce-fuzz", "ñ", "0", "-a", "arn:aws:rds:us-east-1:0:db:a",
             "READER", "reader", "ANY", "WRITER", "custom", "\u0000", "%s", "' OR 1=1 --"]  # fmt: skip
    numbers = [0, -1, 0.25, 0.5, 1, 1.5, 255.5, 256, 257, 1e308, float("inf"), float("nan"), 86400, 86401]

    def word() -> str:
        return rng.choice(words)

    calls: list[tuple[Any, dict[str, Any]]] = []
    for _ in range(60):
        lists = {rng.choice(["StaticMembers", "ExcludedMembers"]): [word() for _ in range(rng.randint(0, 3))]}
        calls += [
            (rds.create_db_cluster_endpoint, {"DBClusterIdentifier": rng.choice(["ce-fuzz", word()]),
                                              "DBClusterEndpointIdentifier": word(), "EndpointType": word(), **lists}),
            (rds.modify_db_cluster_endpoint, {"DBClusterEndpointIdentifier": word(), "EndpointType": word(), **lists}),
            (rds.delete_db_cluster_endpoint, {"DBClusterEndpointIdentifier": word()}),
            (rds.describe_db_cluster_endpoints, {"Filters": [{"Name": word(), "Values": [word()]}]}),
            (rds.modify_db_cluster, {"DBClusterIdentifier": "ce-fuzz", "ServerlessV2ScalingConfiguration": {
                "MinCapacity": rng.choice(numbers), "MaxCapacity": rng.choice(numbers),
                "SecondsUntilAutoPause": int(rng.choice([0, 299, 300, 86400, 86401, -5]))}}),
        ]  # fmt: skip
    for call, params in calls:
        try:
            call(**params)
        except botocore.exceptions.ClientError as error:
            status = error.response["ResponseMetadata"]["HTTPStatusCode"]
            assert 400 <= status < 500, (call, params, error.response["Error"])
        except botocore.exceptions.ParamValidationError:
            pass  # refused by the client itself
    for endpoint in rds.describe_db_cluster_endpoints(DBClusterIdentifier="ce-fuzz")["DBClusterEndpoints"]:
        if endpoint["EndpointType"] == "CUSTOM":
            wait_endpoint(rds, endpoint["DBClusterEndpointIdentifier"], endpoint["Status"])
    rds.delete_db_cluster(DBClusterIdentifier="ce-fuzz", SkipFinalSnapshot=True)
