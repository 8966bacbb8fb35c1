"""PartiQL SELECT through boto3: a key read when the WHERE names the partition key, else a scan; projections,
nested paths, functions, ORDER BY, indexes, Limit and NextToken."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dynamodb.conftest import error_of


def run(ddb: Any, statement: str, *parameters: Any, **extra: Any) -> list[dict[str, Any]]:
    kwargs: dict[str, Any] = dict(extra)
    if parameters:
        kwargs["Parameters"] = list(parameters)
    return ddb.execute_statement(Statement=statement, **kwargs)["Items"]


@pytest.fixture
def music(ddb: Any) -> str:
    """Artist (S) / Song (S), an index by Genre, and a few songs."""
    ddb.create_table(
        TableName="Music",
        KeySchema=[{"AttributeName": "Artist", "KeyType": "HASH"}, {"AttributeName": "Song", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "Artist", "AttributeType": "S"},
            {"AttributeName": "Song", "AttributeType": "S"},
            {"AttributeName": "Genre", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "ByGenre",
                "KeySchema": [{"AttributeName": "Genre", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    songs = [
        ("Acme", "A1", "rock", 3, {"M": {"tags": {"L": [{"S": "x"}, {"S": "y"}]}, "year": {"N": "2020"}}}),
        ("Acme", "A2", "jazz", 5, {"M": {"tags": {"L": [{"S": "z"}]}, "year": {"N": "2021"}}}),
        ("Acme", "B1", "rock", 7, None),
        ("Zed", "Z1", "pop", 1, None),
    ]
    for artist, song, genre, plays, info in songs:
        item = {"Artist": {"S": artist}, "Song": {"S": song}, "Genre": {"S": genre}, "Plays": {"N": str(plays)}}
        if info:
            item["Info"] = info
        ddb.put_item(TableName="Music", Item=item)
    return "Music"


def songs(items: list[dict[str, Any]]) -> list[str]:
    return [item["Song"]["S"] for item in items]


def test_select_by_partition_key_is_in_sort_order(ddb: Any, music: str) -> None:
    assert songs(run(ddb, "SELECT * FROM Music WHERE Artist = 'Acme'")) == ["A1", "A2", "B1"]
    assert songs(run(ddb, 'SELECT * FROM "Music" WHERE Artist = ? ORDER BY Song DESC', {"S": "Acme"})) == [
        "B1",
        "A2",
        "A1",
    ]


@pytest.mark.parametrize(
    "condition,expected",
    [
        ("Song = 'A2'", ["A2"]),
        ("Song > 'A1'", ["A2", "B1"]),
        ("'A2' >= Song", ["A1", "A2"]),
        ("Song BETWEEN 'A2' AND 'B1'", ["A2", "B1"]),
        ("begins_with(Song, 'A')", ["A1", "A2"]),
        ("Song > 'A1' AND Plays > 5", ["B1"]),
        ("Plays IN [3, 7]", ["A1", "B1"]),
        ("NOT Plays = 3", ["A2", "B1"]),
        ("Info IS MISSING", ["B1"]),
        ("Info IS NOT MISSING", ["A1", "A2"]),
        ("attribute_exists(Info.year)", ["A1", "A2"]),
        ("attribute_not_exists(Info)", ["B1"]),
        ("attribute_type(Plays, 'N')", ["A1", "A2", "B1"]),
        ("contains(Info.tags, 'z')", ["A2"]),
        ("size(Info.tags) = 2", ["A1"]),
        ("Info.tags[1] = 'y'", ["A1"]),
        ('Info."year" >= 2021', ["A2"]),
        ("Plays = 3 OR Plays = 5", ["A1", "A2"]),
        ("Plays <> 3", ["A2", "B1"]),
        ("Plays != 3", ["A2", "B1"]),
    ],
)
def test_where_conditions(ddb: Any, music: str, condition: str, expected: list[str]) -> None:
    assert songs(run(ddb, f"SELECT * FROM Music WHERE Artist = 'Acme' AND {condition}")) == expected


def test_a_where_without_the_partition_key_scans(ddb: Any, music: str) -> None:
    assert sorted(songs(run(ddb, "SELECT * FROM Music WHERE Plays > 2"))) == ["A1", "A2", "B1"]
    assert sorted(songs(run(ddb, "SELECT * FROM Music WHERE Artist = 'Zed' OR Plays = 5"))) == ["A2", "Z1"]
    assert len(run(ddb, "SELECT * FROM Music")) == 4


def test_projection_names_values_by_their_last_path_element(ddb: Any, music: str) -> None:
    items = run(ddb, "SELECT Song, Info.year, Info.tags[0], absent FROM Music WHERE Artist = 'Acme'")
    assert items == [
        {"Song": {"S": "A1"}, "year": {"N": "2020"}, "tags[0]": {"S": "x"}},
        {"Song": {"S": "A2"}, "year": {"N": "2021"}, "tags[0]": {"S": "z"}},
        {"Song": {"S": "B1"}},
    ]
    assert error_of(ddb.execute_statement, Statement="SELECT a.year, b.year FROM Music") == (
        "ValidationException",
        "Duplicate identifiers in select clause: year",
    )


def test_select_on_an_index(ddb: Any, music: str) -> None:
    items = run(ddb, 'SELECT Song FROM "Music"."ByGenre" WHERE Genre = \'rock\'')
    assert sorted(songs(items)) == ["A1", "B1"]
    assert error_of(
        ddb.execute_statement, Statement='SELECT * FROM "Music"."ByGenre" WHERE Genre = \'rock\'', ConsistentRead=True
    ) == ("ValidationException", "Strongly consistent read is not supported on Global Secondary Indexes")
    assert error_of(ddb.execute_statement, Statement='SELECT * FROM "Music"."Nope"') == (
        "ValidationException",
        "The table does not have the specified index: Nope",
    )


def test_limit_and_next_token_walk_every_item(ddb: Any, music: str) -> None:
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        kwargs: dict[str, Any] = {"Statement": "SELECT * FROM Music WHERE Artist = 'Acme'", "Limit": 1}
        if token:
            kwargs["NextToken"] = token
        page = ddb.execute_statement(**kwargs)
        seen += songs(page["Items"])
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert seen == ["A1", "A2", "B1"] and pages >= 3
    scanned, token = [], None
    while True:
        page = ddb.execute_statement(
            Statement="SELECT * FROM Music", Limit=3, **({"NextToken": token} if token else {})
        )
        scanned += songs(page["Items"])
        token = page.get("NextToken")
        if not token:
            break
    assert sorted(scanned) == ["A1", "A2", "B1", "Z1"]


def test_next_token_of_another_statement_or_garbage(ddb: Any, music: str) -> None:
    page = ddb.execute_statement(Statement="SELECT * FROM Music", Limit=1)
    assert error_of(ddb.execute_statement, Statement="SELECT Song FROM Music", NextToken=page["NextToken"]) == (
        "ValidationException",
        "NextToken does not match request",
    )
    assert error_of(ddb.execute_statement, Statement="SELECT * FROM Music", NextToken="nonsense") == (
        "ValidationException",
        "Invalid NextToken",
    )


def test_order_by_rules(ddb: Any, music: str) -> None:
    assert error_of(ddb.execute_statement, Statement="SELECT * FROM Music ORDER BY Song") == (
        "ValidationException",
        "Must have WHERE clause in the statement when using ORDER BY clause.",
    )
    assert error_of(ddb.execute_statement, Statement="SELECT * FROM Music WHERE Plays = 1 ORDER BY Song") == (
        "ValidationException",
        "Must have at least one non-optional hash key condition in WHERE clause when using ORDER BY clause.",
    )
    assert error_of(ddb.execute_statement, Statement="SELECT * FROM Music WHERE Artist = 'Acme' ORDER BY Plays") == (
        "ValidationException",
        "Variable reference Plays in ORDER BY clause must be part of the primary key",
    )


def test_consumed_capacity_and_consistent_read(ddb: Any, music: str) -> None:
    answer = ddb.execute_statement(
        Statement="SELECT * FROM Music WHERE Artist = 'Acme'", ConsistentRead=True, ReturnConsumedCapacity="TOTAL"
    )
    assert answer["ConsumedCapacity"] == {"TableName": "Music", "CapacityUnits": 1.0}


def test_parameters_of_every_type(ddb: Any, hash_table: str) -> None:
    values = [
        {"S": "k"},
        {"N": "1.50"},
        {"B": b"\x00\x01"},
        {"BOOL": True},
        {"NULL": True},
        {"SS": ["a", "b"]},
        {"NS": ["1", "2"]},
        {"BS": [b"x"]},
        {"L": [{"S": "a"}]},
        {"M": {"x": {"N": "1"}}},
    ]
    ddb.execute_statement(
        Statement="INSERT INTO hashonly VALUE {'pk': ?, 'n': ?, 'b': ?, 't': ?, 'z': ?, 'ss': ?, 'ns': ?, 'bs': ?, "
        "'l': ?, 'm': ?}",
        Parameters=values,
    )
    item = run(ddb, "SELECT * FROM hashonly WHERE pk = ?", {"S": "k"})[0]
    assert item["n"] == {"N": "1.5"} and item["b"] == {"B": b"\x00\x01"} and item["m"] == {"M": {"x": {"N": "1"}}}
    assert run(ddb, "SELECT pk FROM hashonly WHERE b = ? AND contains(ss, 'b')", {"B": b"\x00\x01"}) == [
        {"pk": {"S": "k"}}
    ]


def test_several_partitions_are_read_one_by_one(ddb: Any, music: str) -> None:
    """IN on the partition key, or an OR of branches that each fix it: one read per partition, in the order
    written (ORDER BY the partition key sorts them), paged across partitions."""
    statement = "SELECT * FROM Music WHERE Artist IN ['Zed', 'Acme'] AND Plays > 2"
    assert songs(run(ddb, statement)) == ["A1", "A2", "B1"]
    assert songs(run(ddb, "SELECT * FROM Music WHERE Artist IN ['Zed', 'Acme', 'Zed']")) == ["Z1", "A1", "A2", "B1"]
    ordered = "SELECT * FROM Music WHERE Artist IN ['Zed', 'Acme'] ORDER BY Artist DESC, Song DESC"
    assert songs(run(ddb, ordered)) == ["Z1", "B1", "A2", "A1"]
    either = "SELECT * FROM Music WHERE Artist = 'Zed' OR (Artist = 'Acme' AND Song = 'A2')"
    assert songs(run(ddb, either)) == ["Z1", "A2"]
    assert songs(run(ddb, "SELECT * FROM Music WHERE Artist = 'Acme' AND Artist IN ['Zed']")) == []
    walked, token = [], None
    while True:
        extra = {"NextToken": token} if token else {}
        page = ddb.execute_statement(Statement="SELECT * FROM Music WHERE Artist IN ['Zed', 'Acme']", Limit=1, **extra)
        walked += songs(page["Items"])
        token = page.get("NextToken")
        if not token:
            break
    assert walked == ["Z1", "A1", "A2", "B1"]
    assert error_of(
        ddb.execute_statement, Statement="SELECT * FROM Music WHERE Artist IN ['Zed', 'Acme'] ORDER BY Song"
    ) == (
        "ValidationException",
        "Must have hash key in ORDER BY clause when more than one hash key condition specified in WHERE clause.",
    )
