"""Query and Scan results as AWS returns them: Limit, Count/ScannedCount and LastEvaluatedKey, the 1 MB page,
Select, ConsumedCapacity, reverse reads, parallel segments, sparse indexes and key ordering.

Expected values follow AWS's documentation and dynalite's tests recorded against AWS.

Provenance of each test's expected answers: its ``provenance`` marker (registered in pyproject.toml)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dynamodb.conftest import error_of, make_table

P = {":p": {"S": "p"}}


def put_all(ddb: Any, name: str, items: list[dict[str, Any]]) -> None:
    for item in items:
        ddb.put_item(TableName=name, Item=item)


def query_p(ddb: Any, name: str, **extra: Any) -> dict[str, Any]:
    values = {**P, **extra.pop("ExpressionAttributeValues", {})}
    condition = extra.pop("KeyConditionExpression", "pk = :p")
    return ddb.query(TableName=name, KeyConditionExpression=condition, ExpressionAttributeValues=values, **extra)


def indexed_table(ddb: Any, projection: dict[str, Any] | None = None) -> str:
    """pk/sk (S) with a GSI on g (hash) / n (range) and an LSI on pk / l."""
    projection = projection or {"ProjectionType": "KEYS_ONLY"}
    return make_table(
        ddb,
        "indexed",
        definitions=[
            {"AttributeName": "g", "AttributeType": "S"},
            {"AttributeName": "n", "AttributeType": "N"},
            {"AttributeName": "l", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "byg",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}, {"AttributeName": "n", "KeyType": "RANGE"}],
                "Projection": projection,
            }
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "byl",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
                "Projection": projection,
            }
        ],
    )


# -- Limit, Count, ScannedCount, LastEvaluatedKey ----------------------------------------------------


@pytest.mark.provenance("aws-docs", "dynalite")
def test_limit_reached_exactly_at_the_end_still_returns_a_last_evaluated_key(ddb, table):
    put_all(ddb, table, [{"pk": {"S": "p"}, "sk": {"S": str(i)}} for i in range(3)])
    exact = query_p(ddb, table, Limit=3)
    assert exact["Count"] == 3 and exact["LastEvaluatedKey"] == {"pk": {"S": "p"}, "sk": {"S": "2"}}
    after = query_p(ddb, table, Limit=3, ExclusiveStartKey=exact["LastEvaluatedKey"])
    assert after["Items"] == [] and after["Count"] == 0 and after["ScannedCount"] == 0
    assert "LastEvaluatedKey" not in after
    larger = query_p(ddb, table, Limit=10)
    assert larger["Count"] == 3 and "LastEvaluatedKey" not in larger
    scanned = ddb.scan(TableName=table, Limit=3)
    assert scanned["Count"] == 3 and "LastEvaluatedKey" in scanned
    assert "LastEvaluatedKey" not in ddb.scan(TableName=table, Limit=4)


@pytest.mark.provenance("aws-docs", "dynalite")
def test_limit_counts_items_evaluated_before_the_filter(ddb, table):
    put_all(ddb, table, [{"pk": {"S": "p"}, "sk": {"S": str(i)}, "odd": {"BOOL": i % 2 == 1}} for i in range(6)])
    page = query_p(ddb, table, Limit=3, FilterExpression="odd = :t", ExpressionAttributeValues={":t": {"BOOL": True}})
    assert page["Count"] == 1 and page["ScannedCount"] == 3
    assert page["LastEvaluatedKey"] == {"pk": {"S": "p"}, "sk": {"S": "2"}}  # filtered out, still the LEK
    none = query_p(ddb, table, Limit=2, FilterExpression="odd = :f", ExpressionAttributeValues={":f": {"S": "x"}})
    assert none["Items"] == [] and none["Count"] == 0 and none["ScannedCount"] == 2 and "LastEvaluatedKey" in none
    counted = query_p(ddb, table, Limit=4, Select="COUNT")
    assert "Items" not in counted and counted["Count"] == 4 and "LastEvaluatedKey" in counted


@pytest.mark.provenance("aws-docs", "dynalite")
def test_last_evaluated_keys_of_tables_and_indexes(ddb):
    name = indexed_table(ddb)
    put_all(
        ddb,
        name,
        [
            {"pk": {"S": "p"}, "sk": {"S": f"s{i}"}, "g": {"S": "G"}, "n": {"N": str(9 - i)}, "l": {"S": f"l{i}"}}
            for i in range(4)
        ],
    )
    on_table = query_p(ddb, name, Limit=1)
    assert on_table["LastEvaluatedKey"] == {"pk": {"S": "p"}, "sk": {"S": "s0"}}
    on_lsi = query_p(ddb, name, IndexName="byl", Limit=1)
    assert on_lsi["LastEvaluatedKey"] == {"pk": {"S": "p"}, "sk": {"S": "s0"}, "l": {"S": "l0"}}
    on_gsi = ddb.query(
        TableName=name,
        IndexName="byg",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "G"}},
        Limit=1,
    )
    assert on_gsi["LastEvaluatedKey"] == {"pk": {"S": "p"}, "sk": {"S": "s3"}, "g": {"S": "G"}, "n": {"N": "6"}}
    scan_gsi = ddb.scan(TableName=name, IndexName="byg", Limit=1)
    assert set(scan_gsi["LastEvaluatedKey"]) == {"pk", "sk", "g", "n"}
    scan_lsi = ddb.scan(TableName=name, IndexName="byl", Limit=1)
    assert set(scan_lsi["LastEvaluatedKey"]) == {"pk", "sk", "l"}


@pytest.mark.provenance("aws-docs", "dynalite")
def test_one_megabyte_page_counts_items_the_filter_drops(ddb, table):
    blob = "x" * 200_000
    put_all(ddb, table, [{"pk": {"S": "p"}, "sk": {"S": f"{i:02d}"}, "d": {"S": blob}} for i in range(8)])
    page = query_p(ddb, table, FilterExpression="attribute_exists(nothing)")
    assert page["Count"] == 0 and page["Items"] == []
    assert 5 <= page["ScannedCount"] <= 6 and "LastEvaluatedKey" in page  # ~1 MB read, nothing returned
    rest = query_p(ddb, table, FilterExpression="attribute_exists(nothing)", ExclusiveStartKey=page["LastEvaluatedKey"])
    assert page["ScannedCount"] + rest["ScannedCount"] == 8 and "LastEvaluatedKey" not in rest


# -- Select and ConsistentRead on indexes -------------------------------------------------------------


@pytest.mark.provenance("aws-docs", "dynalite")
def test_select_on_indexes(ddb):
    name = indexed_table(ddb, {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["inc"]})
    put_all(
        ddb,
        name,
        [
            {
                "pk": {"S": "p"},
                "sk": {"S": "1"},
                "g": {"S": "G"},
                "n": {"N": "1"},
                "l": {"S": "a"},
                "inc": {"S": "i"},
                "x": {"S": "x"},
            }
        ],
    )
    g = {"KeyConditionExpression": "g = :g", "ExpressionAttributeValues": {":g": {"S": "G"}}}
    projected = ddb.query(TableName=name, IndexName="byg", Select="ALL_PROJECTED_ATTRIBUTES", **g)
    assert set(projected["Items"][0]) == {"pk", "sk", "g", "n", "inc"}
    assert error_of(ddb.query, TableName=name, IndexName="byg", Select="ALL_ATTRIBUTES", **g) == (
        "ValidationException",
        "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary "
        "index byg because its projection type is not ALL",
    )
    assert error_of(ddb.scan, TableName=name, IndexName="byg", Select="ALL_ATTRIBUTES")[0] == "ValidationException"
    assert error_of(ddb.query, TableName=name, IndexName="byg", ConsistentRead=True, **g) == (
        "ValidationException",
        "Consistent reads are not supported on global secondary indexes",
    )
    assert error_of(ddb.scan, TableName=name, IndexName="byg", ConsistentRead=True)[1] == (
        "Consistent reads are not supported on global secondary indexes"
    )
    assert (
        error_of(
            ddb.query,
            TableName=name,
            Select="ALL_PROJECTED_ATTRIBUTES",
            **{"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": P},
        )[1]
        == "1 validation error detected: ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"
    )
    local_all = query_p(ddb, name, IndexName="byl", Select="ALL_ATTRIBUTES", ConsistentRead=True)
    assert set(local_all["Items"][0]) == {"pk", "sk", "g", "n", "l", "inc", "x"}
    counted = ddb.query(TableName=name, IndexName="byg", Select="COUNT", **g)
    assert counted["Count"] == 1 and "Items" not in counted


# -- ConsumedCapacity --------------------------------------------------------------------------------


@pytest.mark.provenance("aws-docs", "dynalite")
def test_query_and_scan_capacity_add_item_sizes_before_rounding(ddb, table):
    # 10 items of ~1 KB: ~10 KB read in one request is 3 units of 4 KB, not 10 units.
    put_all(ddb, table, [{"pk": {"S": "p"}, "sk": {"S": f"{i}"}, "d": {"S": "x" * 1000}} for i in range(10)])
    eventual = query_p(ddb, table, ReturnConsumedCapacity="TOTAL")
    assert eventual["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 1.5}
    strong = query_p(ddb, table, ReturnConsumedCapacity="TOTAL", ConsistentRead=True)
    assert strong["ConsumedCapacity"]["CapacityUnits"] == 3.0
    filtered = query_p(
        ddb, table, ReturnConsumedCapacity="TOTAL", FilterExpression="attribute_exists(nothing)"
    )  # the filter does not lower the cost
    assert filtered["ConsumedCapacity"]["CapacityUnits"] == 1.5
    empty = query_p(ddb, table, ReturnConsumedCapacity="TOTAL", ExpressionAttributeValues={":p": {"S": "none"}})
    assert empty["ConsumedCapacity"]["CapacityUnits"] == 0.5  # an empty read still costs one half unit
    assert ddb.scan(TableName=table, ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]["CapacityUnits"] == 1.5
    indexes = query_p(ddb, table, ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
    assert indexes == {"TableName": table, "CapacityUnits": 1.5, "Table": {"CapacityUnits": 1.5}}
    assert "ConsumedCapacity" not in query_p(ddb, table, ReturnConsumedCapacity="NONE")


@pytest.mark.provenance("aws-docs", "dynalite")
def test_index_capacity_breakdown(ddb):
    name = indexed_table(ddb)
    put_all(
        ddb,
        name,
        [
            {"pk": {"S": "p"}, "sk": {"S": f"s{i}"}, "g": {"S": "G"}, "n": {"N": str(i)}, "l": {"S": f"l{i}"}}
            for i in range(3)
        ],
    )
    on_gsi = ddb.query(
        TableName=name,
        IndexName="byg",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "G"}},
        ReturnConsumedCapacity="INDEXES",
    )["ConsumedCapacity"]
    assert on_gsi["CapacityUnits"] == 0.5 and on_gsi["GlobalSecondaryIndexes"] == {"byg": {"CapacityUnits": 0.5}}
    assert "LocalSecondaryIndexes" not in on_gsi
    on_lsi = query_p(ddb, name, IndexName="byl", ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
    assert on_lsi["CapacityUnits"] == 0.5 and on_lsi["LocalSecondaryIndexes"] == {"byl": {"CapacityUnits": 0.5}}
    assert on_lsi["Table"] == {"CapacityUnits": 0.0}  # dynalite's AWS-recorded shape: the table read nothing
    assert "GlobalSecondaryIndexes" not in on_lsi


@pytest.mark.provenance("aws-docs", "dynalite")
def test_lsi_fetching_unprojected_attributes_costs_a_table_read_per_item(ddb):
    """dynalite's AWS-recorded test: 3 items from a KEYS_ONLY-style LSI with ALL_ATTRIBUTES cost 2 units, the
    index read (0.5) plus one eventually consistent read of each item from the table (3 x 0.5)."""
    name = indexed_table(ddb)
    put_all(
        ddb,
        name,
        [{"pk": {"S": "p"}, "sk": {"S": f"s{i}"}, "l": {"S": f"l{i}"}, "x": {"S": "x"}} for i in range(3)],
    )
    full = query_p(ddb, name, IndexName="byl", Select="ALL_ATTRIBUTES", ReturnConsumedCapacity="TOTAL")
    assert full["Count"] == 3 and all("x" in item for item in full["Items"])
    assert full["ConsumedCapacity"] == {"TableName": name, "CapacityUnits": 2.0}
    split = query_p(ddb, name, IndexName="byl", Select="ALL_ATTRIBUTES", ReturnConsumedCapacity="INDEXES")
    assert split["ConsumedCapacity"]["Table"] == {"CapacityUnits": 1.5}
    assert split["ConsumedCapacity"]["LocalSecondaryIndexes"] == {"byl": {"CapacityUnits": 0.5}}
    projected_only = query_p(ddb, name, IndexName="byl", ReturnConsumedCapacity="TOTAL")
    assert projected_only["ConsumedCapacity"]["CapacityUnits"] == 0.5
    strong = query_p(
        ddb, name, IndexName="byl", Select="ALL_ATTRIBUTES", ConsistentRead=True, ReturnConsumedCapacity="TOTAL"
    )
    assert strong["ConsumedCapacity"]["CapacityUnits"] == 4.0


# -- order and direction ------------------------------------------------------------------------------


@pytest.mark.provenance("aws-docs", "dynalite")
def test_reverse_query_with_sort_condition_and_start_key(ddb):
    name = make_table(ddb, "nums", sort_type="N")
    put_all(ddb, name, [{"pk": {"S": "p"}, "sk": {"N": str(i)}} for i in range(10)])
    first = query_p(
        ddb,
        name,
        KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
        ExpressionAttributeValues={":a": {"N": "2"}, ":b": {"N": "7"}},
        ScanIndexForward=False,
        Limit=4,
    )
    assert [item["sk"]["N"] for item in first["Items"]] == ["7", "6", "5", "4"]
    assert first["LastEvaluatedKey"] == {"pk": {"S": "p"}, "sk": {"N": "4"}}
    rest = query_p(
        ddb,
        name,
        KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
        ExpressionAttributeValues={":a": {"N": "2"}, ":b": {"N": "7"}},
        ScanIndexForward=False,
        Limit=4,
        ExclusiveStartKey=first["LastEvaluatedKey"],
    )
    assert [item["sk"]["N"] for item in rest["Items"]] == ["3", "2"] and "LastEvaluatedKey" not in rest
    below = query_p(
        ddb,
        name,
        KeyConditionExpression="pk = :p AND sk < :a",
        ExpressionAttributeValues={":a": {"N": "5"}},
        ScanIndexForward=False,
        ExclusiveStartKey={"pk": {"S": "p"}, "sk": {"N": "3"}},
    )
    assert [item["sk"]["N"] for item in below["Items"]] == ["2", "1", "0"]


@pytest.mark.provenance("aws-docs", "dynalite")
def test_number_sort_keys_in_numeric_order(ddb):
    name = make_table(ddb, "nums", sort_type="N")
    values = [
        "-1e125",
        "-99.1",
        "-10.1",
        "-1",
        "-0.01",
        "-1e-130",
        "0",
        "1e-130",
        "0.01",
        "0.09",
        "0.9",
        "1",
        "1.1",
        "9",
        "9.1",
        "10",
        "10.1",
        "99.1",
        "12345678901234567890123456789012345678",
        "1e125",
    ]
    put_all(ddb, name, [{"pk": {"S": "p"}, "sk": {"N": value}} for value in reversed(values)])
    found = [item["sk"]["N"] for item in query_p(ddb, name)["Items"]]
    assert [float(v) for v in found] == [float(v) for v in values]
    backwards = [item["sk"]["N"] for item in query_p(ddb, name, ScanIndexForward=False)["Items"]]
    assert backwards == list(reversed(found))
    between = query_p(
        ddb,
        name,
        KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
        ExpressionAttributeValues={":a": {"N": "-1"}, ":b": {"N": "0.09"}},
    )
    assert [float(item["sk"]["N"]) for item in between["Items"]] == [-1, -0.01, -1e-130, 0, 1e-130, 0.01, 0.09]


@pytest.mark.provenance("aws-docs", "dynalite")
def test_binary_sort_keys_in_unsigned_byte_order_and_begins_with(ddb):
    name = make_table(ddb, "bins", sort_type="B")
    values = [b"\x00", b"\x00\x00", b"\x01", b"\x01\x02", b"\x01\x02\x03", b"\x7f", b"\x80", b"\x80\x00", b"\xff"]
    put_all(ddb, name, [{"pk": {"S": "p"}, "sk": {"B": value}} for value in reversed(values)])
    assert [item["sk"]["B"] for item in query_p(ddb, name)["Items"]] == values
    prefix = query_p(
        ddb,
        name,
        KeyConditionExpression="pk = :p AND begins_with(sk, :b)",
        ExpressionAttributeValues={":b": {"B": b"\x01\x02"}},
    )
    assert [item["sk"]["B"] for item in prefix["Items"]] == [b"\x01\x02", b"\x01\x02\x03"]
    high = query_p(
        ddb,
        name,
        KeyConditionExpression="pk = :p AND begins_with(sk, :b)",
        ExpressionAttributeValues={":b": {"B": b"\xff"}},
    )
    assert [item["sk"]["B"] for item in high["Items"]] == [b"\xff"]
    above = query_p(
        ddb, name, KeyConditionExpression="pk = :p AND sk > :b", ExpressionAttributeValues={":b": {"B": b"\x7f"}}
    )
    assert [item["sk"]["B"] for item in above["Items"]] == [b"\x80", b"\x80\x00", b"\xff"]


# -- parallel scan and sparse indexes ------------------------------------------------------------------


@pytest.mark.provenance("aws-docs", "dynalite")
def test_parallel_scan_pages_cover_every_item_once(ddb, table):
    put_all(ddb, table, [{"pk": {"S": f"k{i % 37}"}, "sk": {"S": str(i)}} for i in range(150)])
    seen: list[tuple[str, str]] = []
    for segment in range(5):
        start = None
        while True:
            extra = {"ExclusiveStartKey": start} if start else {}
            page = ddb.scan(TableName=table, Segment=segment, TotalSegments=5, Limit=7, **extra)
            assert page["ScannedCount"] <= 7
            seen += [(item["pk"]["S"], item["sk"]["S"]) for item in page["Items"]]
            start = page.get("LastEvaluatedKey")
            if not start:
                break
    assert len(seen) == 150 and len(set(seen)) == 150
    one = ddb.scan(TableName=table, Segment=0, TotalSegments=1)
    assert one["Count"] == 150


@pytest.mark.provenance("aws-docs", "dynalite")
def test_sparse_indexes_hold_only_items_with_the_index_key(ddb):
    name = indexed_table(ddb, {"ProjectionType": "ALL"})
    put_all(
        ddb,
        name,
        [
            {"pk": {"S": "p"}, "sk": {"S": "both"}, "g": {"S": "G"}, "n": {"N": "1"}, "l": {"S": "a"}},
            {"pk": {"S": "p"}, "sk": {"S": "no-range"}, "g": {"S": "G"}, "l": {"S": "b"}},
            {"pk": {"S": "p"}, "sk": {"S": "none"}},
        ],
    )
    gsi = ddb.scan(TableName=name, IndexName="byg")
    assert [item["sk"]["S"] for item in gsi["Items"]] == ["both"] and gsi["ScannedCount"] == 1
    lsi = query_p(ddb, name, IndexName="byl")
    assert [item["sk"]["S"] for item in lsi["Items"]] == ["both", "no-range"]
    ddb.update_item(
        TableName=name,
        Key={"pk": {"S": "p"}, "sk": {"S": "both"}},
        UpdateExpression="REMOVE g",
    )
    assert ddb.scan(TableName=name, IndexName="byg")["Count"] == 0


@pytest.mark.provenance("aws-docs", "dynalite")
def test_gsi_pages_in_both_directions_with_repeated_index_keys(ddb):
    name = indexed_table(ddb, {"ProjectionType": "ALL"})
    put_all(
        ddb,
        name,
        [{"pk": {"S": f"p{i % 4}"}, "sk": {"S": f"s{i}"}, "g": {"S": "G"}, "n": {"N": str(i % 3)}} for i in range(12)],
    )
    request = {"KeyConditionExpression": "g = :g", "ExpressionAttributeValues": {":g": {"S": "G"}}}
    for forward in (True, False):
        whole = ddb.query(TableName=name, IndexName="byg", ScanIndexForward=forward, **request)["Items"]
        numbers = [int(item["n"]["N"]) for item in whole]
        assert numbers == sorted(numbers, reverse=not forward)
        paged, start = [], None
        while True:
            extra = {"ExclusiveStartKey": start} if start else {}
            page = ddb.query(TableName=name, IndexName="byg", ScanIndexForward=forward, Limit=4, **request, **extra)
            paged += page["Items"]
            start = page.get("LastEvaluatedKey")
            if not start:
                break
            assert page["Count"] == 4  # 12 items in pages of 4: the third page still ends with a key
        assert paged == whole


@pytest.mark.provenance("aws-docs", "dynalite")
def test_scan_from_the_last_key_is_empty(ddb, table):
    put_all(ddb, table, [{"pk": {"S": f"k{i}"}, "sk": {"S": "s"}} for i in range(5)])
    last = ddb.scan(TableName=table)["Items"][-1]
    after = ddb.scan(TableName=table, ExclusiveStartKey=last)
    assert after["Items"] == [] and after["Count"] == 0 and after["ScannedCount"] == 0
    assert "LastEvaluatedKey" not in after


@pytest.mark.provenance("aws-docs", "dynalite")
def test_lsi_scan_fetching_unprojected_attributes_costs_table_reads(ddb):
    name = indexed_table(ddb)
    put_all(
        ddb, name, [{"pk": {"S": "p"}, "sk": {"S": f"s{i}"}, "l": {"S": f"l{i}"}, "x": {"S": "x"}} for i in range(2)]
    )
    full = ddb.scan(TableName=name, IndexName="byl", Select="ALL_ATTRIBUTES", ReturnConsumedCapacity="INDEXES")
    assert all("x" in item for item in full["Items"])
    assert full["ConsumedCapacity"]["CapacityUnits"] == 1.5
    assert full["ConsumedCapacity"]["Table"] == {"CapacityUnits": 1.0}
    assert full["ConsumedCapacity"]["LocalSecondaryIndexes"] == {"byl": {"CapacityUnits": 0.5}}


@pytest.mark.provenance("aws-docs", "dynalite")
def test_lsi_table_fetches_round_each_item_to_4_kb(ddb):
    """dynalite's AWS-recorded case: strongly consistent ALL_ATTRIBUTES on an LSI over items of exactly 4096
    bytes costs one unit per item from the table plus the index read; one byte more costs two."""
    name = indexed_table(ddb)
    put_all(
        ddb,
        name,
        [{"pk": {"S": "p"}, "sk": {"S": f"s{i}"}, "l": {"S": f"l{i}"}, "x": {"S": "x" * 4085}} for i in range(3)],
    )
    request = {
        "IndexName": "byl",
        "Select": "ALL_ATTRIBUTES",
        "ConsistentRead": True,
        "ReturnConsumedCapacity": "INDEXES",
    }
    capacity = query_p(ddb, name, **request)["ConsumedCapacity"]
    assert capacity["CapacityUnits"] == 4.0 and capacity["Table"] == {"CapacityUnits": 3.0}
    assert capacity["LocalSecondaryIndexes"] == {"byl": {"CapacityUnits": 1.0}}
    ddb.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"S": "s0"}, "l": {"S": "l0"}, "x": {"S": "x" * 4086}})
    assert query_p(ddb, name, **request)["ConsumedCapacity"]["Table"] == {"CapacityUnits": 4.0}


@pytest.mark.provenance("aws-docs", "dynalite")
def test_lsi_projection_of_unprojected_attribute_fetches_it(ddb):
    name = indexed_table(ddb)
    put_all(
        ddb, name, [{"pk": {"S": "p"}, "sk": {"S": f"s{i}"}, "l": {"S": f"l{i}"}, "x": {"S": "x"}} for i in range(2)]
    )
    found = query_p(ddb, name, IndexName="byl", ProjectionExpression="sk, x", ReturnConsumedCapacity="TOTAL")
    assert found["Items"] == [{"sk": {"S": "s0"}, "x": {"S": "x"}}, {"sk": {"S": "s1"}, "x": {"S": "x"}}]
    assert found["ConsumedCapacity"]["CapacityUnits"] == 1.5
    keys_only = query_p(ddb, name, IndexName="byl", ProjectionExpression="sk, l", ReturnConsumedCapacity="TOTAL")
    assert keys_only["ConsumedCapacity"]["CapacityUnits"] == 0.5


@pytest.mark.provenance("aws-docs", "dynalite")
def test_scan_limit_with_filter(ddb, hash_table):
    put_all(ddb, hash_table, [{"pk": {"S": f"k{i}"}, "n": {"N": str(i)}} for i in range(20)])
    page = ddb.scan(
        TableName=hash_table, Limit=10, FilterExpression="n < :z", ExpressionAttributeValues={":z": {"N": "0"}}
    )
    assert page["Count"] == 0 and page["ScannedCount"] == 10 and "LastEvaluatedKey" in page
    rest = ddb.scan(
        TableName=hash_table,
        Limit=10,
        FilterExpression="n >= :z",
        ExpressionAttributeValues={":z": {"N": "0"}},
        ExclusiveStartKey=page["LastEvaluatedKey"],
    )
    assert rest["Count"] == 10 and rest["ScannedCount"] == 10 and "LastEvaluatedKey" in rest  # exactly the rest
