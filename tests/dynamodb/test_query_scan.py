"""Query and Scan through boto3: key conditions, order, paging, the 1 MB page, filters, indexes, segments."""

from __future__ import annotations

from tests.dynamodb.conftest import error_of, make_table


def fill(ddb, name, partitions=("a",), count=10):
    with_items = []
    for partition in partitions:
        for i in range(count):
            entry = {"pk": {"S": partition}, "sk": {"N": str(i)}, "even": {"BOOL": i % 2 == 0}, "g": {"S": f"g{i % 3}"}}
            ddb.put_item(TableName=name, Item=entry)
            with_items.append(entry)
    return with_items


def numeric_table(ddb, **extra):
    return make_table(ddb, "nums", sort="sk", sort_type="N", **extra)


def sks(response):
    return [int(entry["sk"]["N"]) for entry in response["Items"]]


def test_key_conditions(ddb):
    name = numeric_table(ddb)
    fill(ddb, name, ("a", "b"))
    values = {":p": {"S": "a"}, ":x": {"N": "3"}, ":y": {"N": "6"}}

    def run(condition, **extra):
        used = {k: v for k, v in values.items() if k in condition}
        return sks(ddb.query(TableName=name, KeyConditionExpression=condition, ExpressionAttributeValues=used, **extra))

    assert run("pk = :p") == list(range(10))
    assert run("pk = :p AND sk < :x") == [0, 1, 2]
    assert run("pk = :p AND sk <= :x") == [0, 1, 2, 3]
    assert run("pk = :p AND sk > :y") == [7, 8, 9]
    assert run("pk = :p AND sk >= :y") == [6, 7, 8, 9]
    assert run("pk = :p AND sk = :x") == [3]
    assert run("pk = :p AND sk BETWEEN :x AND :y") == [3, 4, 5, 6]
    assert run("pk = :p AND sk BETWEEN :x AND :y", ScanIndexForward=False) == [6, 5, 4, 3]


def test_begins_with_and_string_order(ddb, table):
    for sk in ("a", "ab", "abc", "b", "B", "é"):
        ddb.put_item(TableName=table, Item={"pk": {"S": "p"}, "sk": {"S": sk}})
    found = ddb.query(
        TableName=table,
        KeyConditionExpression="pk = :p AND begins_with(sk, :a)",
        ExpressionAttributeValues={":p": {"S": "p"}, ":a": {"S": "a"}},
    )
    assert [e["sk"]["S"] for e in found["Items"]] == ["a", "ab", "abc"]
    everything = ddb.query(
        TableName=table, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}}
    )
    assert [e["sk"]["S"] for e in everything["Items"]] == ["B", "a", "ab", "abc", "b", "é"]


def test_number_sort_order(ddb):
    name = numeric_table(ddb)
    numbers = ["-1e10", "-5.5", "-5", "-0.001", "0", "0.001", "1", "1.5", "10", "1e10"]
    for number in reversed(numbers):
        ddb.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": number}})
    found = ddb.query(TableName=name, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}})
    assert [e["sk"]["N"] for e in found["Items"]] == [
        "-10000000000",
        "-5.5",
        "-5",
        "-0.001",
        "0",
        "0.001",
        "1",
        "1.5",
        "10",
        "10000000000",
    ]


def test_limit_and_pagination(ddb):
    name = numeric_table(ddb)
    fill(ddb, name)
    seen, start, pages = [], None, 0
    while True:
        extra = {"ExclusiveStartKey": start} if start else {}
        page = ddb.query(
            TableName=name,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "a"}},
            Limit=4,
            **extra,
        )
        seen += sks(page)
        pages += 1
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    assert seen == list(range(10)) and pages == 3
    exact = ddb.query(
        TableName=name, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "a"}}, Limit=10
    )
    assert exact["LastEvaluatedKey"] == {"pk": {"S": "a"}, "sk": {"N": "9"}}  # Limit reached: AWS still pages


def test_filter_count_and_select(ddb):
    name = numeric_table(ddb)
    fill(ddb, name)
    page = ddb.query(
        TableName=name,
        KeyConditionExpression="pk = :p",
        FilterExpression="even = :t",
        ExpressionAttributeValues={":p": {"S": "a"}, ":t": {"BOOL": True}},
        Limit=5,
    )
    assert (page["Count"], page["ScannedCount"]) == (3, 5)
    counted = ddb.query(
        TableName=name, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "a"}}, Select="COUNT"
    )
    assert counted["Count"] == 10 and "Items" not in counted
    projected = ddb.query(
        TableName=name,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "a"}},
        ProjectionExpression="sk",
    )
    assert projected["Items"][0] == {"sk": {"N": "0"}}
    legacy = ddb.query(
        TableName=name,
        KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}},
        QueryFilter={"g": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "g0"}]}},
    )
    assert sks(legacy) == [0, 3, 6, 9]


def test_query_errors(ddb):
    name = numeric_table(ddb)
    assert error_of(ddb.query, TableName=name)[1] == (
        "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."
    )
    code, message = error_of(
        ddb.query, TableName=name, KeyConditionExpression="sk = :v", ExpressionAttributeValues={":v": {"N": "1"}}
    )
    assert code == "ValidationException" and message.startswith("Query condition missed key schema element")
    code, message = error_of(
        ddb.query,
        TableName=name,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "a"}},
        Select="ALL_PROJECTED_ATTRIBUTES",
    )
    assert (
        message
        == "1 validation error detected: ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"
    )
    code, message = error_of(
        ddb.query,
        TableName=name,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "a"}},
        ExclusiveStartKey={"pk": {"S": "a"}},
    )
    assert message == "The provided starting key is invalid"  # a Query says no more (a table Scan does)


def test_one_megabyte_pages(ddb, table):
    blob = "x" * 100_000
    for i in range(25):
        ddb.put_item(TableName=table, Item={"pk": {"S": "p"}, "sk": {"S": f"{i:02d}"}, "d": {"S": blob}})
    first = ddb.query(TableName=table, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}})
    assert 10 <= first["Count"] <= 11 and "LastEvaluatedKey" in first
    scanned = ddb.scan(TableName=table, Select="COUNT")
    assert scanned["ScannedCount"] == first["Count"] and "LastEvaluatedKey" in scanned


def test_gsi_and_lsi_queries(ddb):
    name = make_table(
        ddb,
        "indexed",
        sort="sk",
        sort_type="N",
        definitions=[{"AttributeName": "g", "AttributeType": "S"}, {"AttributeName": "lsk", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "byg",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "bylsk",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "lsk", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    )
    fill(ddb, name, ("a", "b"))
    ddb.update_item(
        TableName=name,
        Key={"pk": {"S": "a"}, "sk": {"N": "1"}},
        UpdateExpression="SET lsk = :v",
        ExpressionAttributeValues={":v": {"S": "z"}},
    )
    ddb.update_item(
        TableName=name,
        Key={"pk": {"S": "a"}, "sk": {"N": "2"}},
        UpdateExpression="SET lsk = :v",
        ExpressionAttributeValues={":v": {"S": "y"}},
    )
    found = ddb.query(
        TableName=name, IndexName="byg", KeyConditionExpression="g = :g", ExpressionAttributeValues={":g": {"S": "g0"}}
    )
    assert found["Count"] == 8
    assert set(found["Items"][0]) == {"pk", "sk", "g"}  # KEYS_ONLY
    paged = ddb.query(
        TableName=name,
        IndexName="byg",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "g0"}},
        Limit=3,
    )
    assert set(paged["LastEvaluatedKey"]) == {"pk", "sk", "g"}
    rest = ddb.query(
        TableName=name,
        IndexName="byg",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "g0"}},
        ExclusiveStartKey=paged["LastEvaluatedKey"],
    )
    assert paged["Count"] + rest["Count"] == 8
    local = ddb.query(
        TableName=name,
        IndexName="bylsk",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "a"}},
    )
    assert [e["lsk"]["S"] for e in local["Items"]] == ["y", "z"]
    full = ddb.query(
        TableName=name,
        IndexName="bylsk",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "a"}},
        Select="ALL_ATTRIBUTES",
    )
    assert "even" in full["Items"][0]  # an LSI fetches the rest from the table
    assert (
        error_of(
            ddb.query,
            TableName=name,
            IndexName="byg",
            KeyConditionExpression="g = :g",
            ExpressionAttributeValues={":g": {"S": "g0"}},
            ConsistentRead=True,
        )[1]
        == "Consistent reads are not supported on global secondary indexes"
    )
    code, message = error_of(
        ddb.query,
        TableName=name,
        IndexName="byg",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "g0"}},
        Select="ALL_ATTRIBUTES",
    )
    assert "ALL_ATTRIBUTES is not supported for global secondary index byg" in message
    assert ddb.scan(TableName=name, IndexName="bylsk")["Count"] == 2


def test_scan_paging_and_parallel_segments(ddb, hash_table):
    for i in range(200):
        ddb.put_item(TableName=hash_table, Item={"pk": {"S": f"k{i}"}})
    everything = []
    start = None
    while True:
        page = ddb.scan(TableName=hash_table, Limit=37, **({"ExclusiveStartKey": start} if start else {}))
        everything += [e["pk"]["S"] for e in page["Items"]]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    assert sorted(everything) == sorted(f"k{i}" for i in range(200))
    assert everything != sorted(everything)  # hash order, not key order, as on AWS
    segments = [
        {e["pk"]["S"] for e in ddb.scan(TableName=hash_table, Segment=s, TotalSegments=4)["Items"]} for s in range(4)
    ]
    assert all(segments) and sum(len(s) for s in segments) == 200
    assert set().union(*segments) == set(everything)
    assert error_of(ddb.scan, TableName=hash_table, Segment=4, TotalSegments=4)[1] == (
        "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 4 is not less than TotalSegments: 4"
    )
    filtered = ddb.scan(
        TableName=hash_table,
        ScanFilter={"pk": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "k1"}]}},
    )
    assert filtered["Count"] == 111 and filtered["ScannedCount"] == 200


def test_query_capacity(ddb, table):
    for i in range(3):
        ddb.put_item(TableName=table, Item={"pk": {"S": "p"}, "sk": {"S": str(i)}, "d": {"S": "x" * 3000}})
    page = ddb.query(
        TableName=table,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
        ReturnConsumedCapacity="TOTAL",
    )
    assert page["ConsumedCapacity"]["CapacityUnits"] == 1.5  # ~9 KB: 3 units of 4 KB, halved


def test_lsi_filter_on_unprojected_attribute_reads_the_table(ddb):
    name = make_table(
        ddb,
        "lsifilter",
        definitions=[{"AttributeName": "l", "AttributeType": "S"}],
        LocalSecondaryIndexes=[
            {
                "IndexName": "byl",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    )
    for i in range(4):
        ddb.put_item(
            TableName=name,
            Item={"pk": {"S": "p"}, "sk": {"S": str(i)}, "l": {"S": str(i)}, "odd": {"BOOL": i % 2 == 1}},
        )
    found = ddb.query(
        TableName=name,
        IndexName="byl",
        KeyConditionExpression="pk = :p",
        FilterExpression="odd = :t",
        ExpressionAttributeValues={":p": {"S": "p"}, ":t": {"BOOL": True}},
    )
    assert found["Count"] == 2 and found["ScannedCount"] == 4
    assert set(found["Items"][0]) == {"pk", "sk", "l"}  # still only the projected attributes


def test_every_page_boundary_matches_one_big_read(ddb):
    """Paging with Limit gives exactly the unpaged result, both directions, on the table and on a GSI
    whose index keys repeat (the table key breaks the ties)."""
    name = numeric_table(
        ddb,
        definitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "byg",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    fill(ddb, name, ("a", "b", "c"), count=12)

    def read_all(limit, **request):
        found, start = [], None
        while True:
            extra = {"ExclusiveStartKey": start} if start else {}
            page = (ddb.scan if "KeyConditionExpression" not in request else ddb.query)(
                TableName=name, Limit=limit, **request, **extra
            )
            found += [(e["pk"]["S"], e["sk"]["N"]) for e in page["Items"]]
            start = page.get("LastEvaluatedKey")
            if not start:
                return found

    requests = [
        {
            "KeyConditionExpression": "pk = :p AND sk BETWEEN :x AND :y",
            "ExpressionAttributeValues": {":p": {"S": "b"}, ":x": {"N": "2"}, ":y": {"N": "9"}},
        },
        {
            "KeyConditionExpression": "pk = :p AND sk BETWEEN :x AND :y",
            "ExpressionAttributeValues": {":p": {"S": "b"}, ":x": {"N": "2"}, ":y": {"N": "9"}},
            "ScanIndexForward": False,
        },
        {"IndexName": "byg", "KeyConditionExpression": "g = :g", "ExpressionAttributeValues": {":g": {"S": "g1"}}},
        {
            "IndexName": "byg",
            "KeyConditionExpression": "g = :g",
            "ExpressionAttributeValues": {":g": {"S": "g1"}},
            "ScanIndexForward": False,
        },
        {},
        {"IndexName": "byg"},
    ]
    for request in requests:
        whole = read_all(1000, **request)
        assert whole, request
        for limit in (1, 2, 5):
            assert read_all(limit, **request) == whole, (request, limit)
