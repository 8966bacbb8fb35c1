"""The hands-on lab: launch an instance, connect with the master password, create, insert, select."""

from __future__ import annotations

import psycopg
import pymysql
import pytest

from tests.rds.conftest import PASSWORD, wait_status


def test_postgres_lab(rds, make_instance):
    created = rds.create_db_instance(
        DBInstanceIdentifier="lab-pg",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        MasterUsername="labuser",
        MasterUserPassword=PASSWORD,
        DBName="shop",
        AllocatedStorage=20,
        Tags=[{"Key": "env", "Value": "lab"}],
    )["DBInstance"]
    assert created["DBInstanceStatus"] == "creating"
    rds.get_waiter("db_instance_available").wait(DBInstanceIdentifier="lab-pg")
    instance = rds.describe_db_instances(DBInstanceIdentifier="lab-pg")["DBInstances"][0]
    for field in ("DBInstanceArn", "DbiResourceId", "Endpoint", "InstanceCreateTime", "AvailabilityZone",
                  "DBParameterGroups", "DBSubnetGroup", "OptionGroupMemberships", "TagList"):  # fmt: skip
        assert field in instance, field
    assert instance["DBParameterGroups"][0]["ParameterApplyStatus"] == "in-sync"
    endpoint = instance["Endpoint"]
    with psycopg.connect(
        host=endpoint["Address"], port=endpoint["Port"], user="labuser", password=PASSWORD, dbname="shop"
    ) as conn:
        conn.execute("CREATE TABLE items (id int PRIMARY KEY, name text)")
        conn.execute("INSERT INTO items VALUES (1, 'apple'), (2, 'pear')")
        assert conn.execute("SELECT name FROM items ORDER BY id").fetchall() == [("apple",), ("pear",)]
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(
            host=endpoint["Address"], port=endpoint["Port"], user="labuser", password="wrong-pass", dbname="shop"
        )

    rds.modify_db_instance(DBInstanceIdentifier="lab-pg", MasterUserPassword="NewSecret-2", ApplyImmediately=True)
    wait_status(rds, "lab-pg", "available")
    psycopg.connect(
        host="127.0.0.1", port=endpoint["Port"], user="labuser", password="NewSecret-2", dbname="shop"
    ).close()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(host="127.0.0.1", port=endpoint["Port"], user="labuser", password=PASSWORD, dbname="shop")

    rds.delete_db_instance(DBInstanceIdentifier="lab-pg", SkipFinalSnapshot=True)
    rds.get_waiter("db_instance_deleted").wait(DBInstanceIdentifier="lab-pg")
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(
            host="127.0.0.1", port=endpoint["Port"], user="labuser", password="NewSecret-2", connect_timeout=2
        )


@pytest.mark.parametrize("engine", ["mariadb", "mysql"])
def test_mysql_family_lab(rds, make_instance, engine):
    instance = make_instance(f"lab-{engine}", engine=engine, DBName="shop")
    endpoint = instance["Endpoint"]
    conn = pymysql.connect(
        host=endpoint["Address"], port=endpoint["Port"], user="admin", password=PASSWORD, database="shop"
    )
    with conn.cursor() as cursor:
        cursor.execute("CREATE TABLE items (id int PRIMARY KEY, name varchar(20))")
        cursor.execute("INSERT INTO items VALUES (1, 'apple')")
        conn.commit()
        cursor.execute("SELECT name FROM items")
        assert cursor.fetchall() == (("apple",),)
    conn.close()
    with pytest.raises(pymysql.err.OperationalError) as refused:
        pymysql.connect(host=endpoint["Address"], port=endpoint["Port"], user="admin", password="wrong-pass")
    assert refused.value.args[0] == 1045  # access denied
    rds.delete_db_instance(DBInstanceIdentifier=f"lab-{engine}", SkipFinalSnapshot=True)
