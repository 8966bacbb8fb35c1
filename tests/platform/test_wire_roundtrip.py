"""The protocol layer against botocore itself, without a socket: what botocore serializes, Fogbank
parses back to the same parameters; what Fogbank serializes, botocore parses back to the same result.

Every operation of every catalogued model is exercised in both directions with generated values
(tricky characters included), and two small synthetic models cover what the real models happen
not to use (flattened lists and maps, renamed members, header lists, greedy labels...).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import botocore.parsers
import pytest
from botocore.awsrequest import HeadersDict
from botocore.model import OperationModel, ServiceModel
from shapegen import Generator, http_request, model_protocols, models, serialize, to_http

from fogbank.gateway.router import PROTOCOLS
from fogbank.protocols import spec


def _norm(value: Any, drop_empty: bool = False) -> Any:
    """Comparable form: None dropped, timestamps as epoch floats. The query protocol cannot send an
    empty map or structure, so for it those are dropped too (``drop_empty``)."""
    if isinstance(value, dict):
        out = {k: _norm(v, drop_empty) for k, v in value.items() if v is not None}
        if drop_empty:
            out = {k: v for k, v in out.items() if v != {}}
        return out
    if isinstance(value, list):
        items = [_norm(v, drop_empty) for v in value]
        return [v for v in items if v != {}] if drop_empty else items
    if isinstance(value, dt.datetime):
        return value.timestamp()
    if isinstance(value, bytearray):
        return bytes(value)
    return value


def _parse_input(protocol: str, model: str, operation: OperationModel, params: dict[str, Any]) -> dict[str, Any]:
    method, url, headers, body = to_http(serialize(protocol, operation, params))
    request = http_request(method, url, headers, body)
    handler = PROTOCOLS[protocol](model)
    assert handler.operation_name(request) == operation.name
    return handler.parse(request, operation)


def _parse_output(protocol: str, model: str, operation: OperationModel, result: dict[str, Any]) -> dict[str, Any]:
    response = PROTOCOLS[protocol](model).serialize(operation, result, "req-1")
    parser = botocore.parsers.create_parser(protocol)
    parsed = parser.parse(
        {"status_code": response.status, "headers": HeadersDict(response.headers), "body": response.body},
        operation.output_shape,
    )
    assert parsed.pop("ResponseMetadata")["RequestId"] == "req-1"
    for name, member in operation.output_shape.members.items():
        if member.serialization.get("location") == "statusCode":
            parsed.pop(name, None)  # botocore fills it from the HTTP status itself
    return parsed


CASES = [(model, protocol) for model in models() for protocol in model_protocols(model)]


@pytest.mark.parametrize("model,protocol", CASES, ids=[f"{m}-{p}" for m, p in CASES])
def test_every_operation_round_trips(model: str, protocol: str) -> None:
    service = spec.service_model(model)
    rng = random.Random(f"{model}/{protocol}")
    generator = Generator(rng)
    drop_empty = protocol == "query"
    failures: list[str] = []
    for name in service.operation_names:
        operation = service.operation_model(name)
        for _ in range(2):
            if operation.input_shape is not None and not operation.has_streaming_input:
                params = generator.structure(operation.input_shape)
                parsed = _parse_input(protocol, model, operation, params)
                if _norm(parsed, drop_empty) != _norm(params, drop_empty):
                    failures.append(f"{name} input: sent {params!r}, parsed {parsed!r}")
            if operation.output_shape is not None and not (
                operation.has_streaming_output or operation.has_event_stream_output
            ):
                result = generator.structure(operation.output_shape)
                parsed = _parse_output(protocol, model, operation, result)
                if _norm(parsed, drop_empty) != _norm(result, drop_empty):
                    failures.append(f"{name} output: sent {result!r}, botocore parsed {parsed!r}")
    assert not failures, "\n".join(failures[:5])


# -- synthetic models: the protocol features no catalogued model uses -----------------------------


def _synthetic(protocol: str, operation: dict[str, Any], shapes: dict[str, Any]) -> ServiceModel:
    metadata = {
        "apiVersion": "2020-01-01",
        "endpointPrefix": "synthetic",
        "protocol": protocol,
        "protocols": [protocol],
        "serviceId": "Synthetic",
        "signatureVersion": "v4",
        "xmlNamespace": "https://synthetic.amazonaws.com/doc/2020-01-01/",
    }
    return ServiceModel(
        {"metadata": metadata, "operations": {operation["name"]: operation}, "shapes": shapes}, "synthetic"
    )


@pytest.fixture
def use_model(monkeypatch: pytest.MonkeyPatch):
    """Make ``spec.service_model("synthetic")`` answer a model built by the test."""
    original = spec.service_model

    def install(model: ServiceModel) -> None:
        monkeypatch.setattr(spec, "service_model", lambda name: model if name == "synthetic" else original(name))

    return install


QUERY_SHAPES = {
    "Doc": {
        "type": "structure",
        "members": {
            "Names": {"shape": "Strings"},
            "Renamed": {"shape": "NamedStrings"},
            "Flat": {"shape": "FlatStrings"},
            "FlatNamed": {"shape": "FlatNamedStrings", "locationName": "FlatOriginal"},
            "Empty": {"shape": "Strings"},
            "Pairs": {"shape": "Pairs"},
            "FlatPairs": {"shape": "FlatPairs"},
            "Nested": {"shape": "Nested"},
            "Other": {"shape": "String", "locationName": "OtherName"},
            "When": {"shape": "Time"},
            "WhenMs": {"shape": "Time"},
            "Flag": {"shape": "Bool"},
            "Off": {"shape": "Bool"},
            "Count": {"shape": "Int"},
            "Big": {"shape": "Long"},
            "Ratio": {"shape": "Double"},
            "Data": {"shape": "Blob"},
            "Text": {"shape": "String"},
        },
    },
    "Nested": {
        "type": "structure",
        "members": {"Items": {"shape": "NestedList"}, "Label": {"shape": "String"}},
    },
    "NestedList": {"type": "list", "member": {"shape": "Nested2"}},
    "Nested2": {"type": "structure", "members": {"Deep": {"shape": "Pairs"}, "Tags": {"shape": "Strings"}}},
    "Strings": {"type": "list", "member": {"shape": "String"}},
    "NamedStrings": {"type": "list", "member": {"shape": "String", "locationName": "Item"}},
    "FlatStrings": {"type": "list", "member": {"shape": "String"}, "flattened": True},
    "FlatNamedStrings": {"type": "list", "member": {"shape": "String", "locationName": "Thing"}, "flattened": True},
    "Pairs": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "String"}},
    "FlatPairs": {
        "type": "map",
        "key": {"shape": "String", "locationName": "Name"},
        "value": {"shape": "Int", "locationName": "Val"},
        "flattened": True,
    },
    "String": {"type": "string"},
    "Time": {"type": "timestamp"},
    "Bool": {"type": "boolean"},
    "Int": {"type": "integer"},
    "Long": {"type": "long"},
    "Double": {"type": "double"},
    "Blob": {"type": "blob"},
}

QUERY_VALUE = {
    "Names": ["a", "b c", "d&e=f"],
    "Renamed": ["x", "y"],
    "Flat": ["one", "two"],
    "FlatNamed": ["t1", "t2", "t3"],
    "Empty": [],
    "Pairs": {"k1": "v1", "k 2": "v&2"},
    "FlatPairs": {"n1": 1, "n2": -2},
    "Nested": {"Items": [{"Deep": {"a": "b"}, "Tags": ["t"]}, {"Tags": ["u", "v"]}], "Label": "L"},
    "Other": "renamed member",
    "When": dt.datetime(2024, 2, 29, 23, 59, 59, tzinfo=dt.UTC),
    "WhenMs": dt.datetime(2024, 2, 29, 23, 59, 59, 123000, tzinfo=dt.UTC),
    "Flag": True,
    "Off": False,
    "Count": -7,
    "Big": 2**53 + 1,
    "Ratio": 0.1,
    "Data": b"\x00\xffbinary",
    "Text": "<xml> & \"quotes\" 'apos' é日本\ttab\nnewline\r\ncrlf",
}


def test_query_protocol_shapes_round_trip(use_model) -> None:
    operation = {
        "name": "Echo",
        "http": {"method": "POST", "requestUri": "/"},
        "input": {"shape": "Doc"},
        "output": {"shape": "Doc", "resultWrapper": "EchoResult"},
    }
    model = _synthetic("query", operation, QUERY_SHAPES)
    use_model(model)
    echo = model.operation_model("Echo")
    parsed = _parse_input("query", "synthetic", echo, QUERY_VALUE)
    assert _norm(parsed) == _norm(QUERY_VALUE)
    answered = _parse_output("query", "synthetic", echo, QUERY_VALUE)
    assert _norm(answered, drop_empty=True) == _norm(QUERY_VALUE, drop_empty=True)


def test_query_flattened_list_uses_the_member_name(use_model) -> None:
    """botocore sends a flattened list whose member has a locationName as ``<Member>.N``."""
    operation = {"name": "Echo", "http": {"method": "POST", "requestUri": "/"}, "input": {"shape": "Doc"}}
    model = _synthetic("query", operation, QUERY_SHAPES)
    use_model(model)
    method, url, headers, body = to_http(serialize("query", model.operation_model("Echo"), {"FlatNamed": ["a"]}))
    assert b"Thing.1=a" in body
    request = http_request(method, url, headers, body)
    assert PROTOCOLS["query"]("synthetic").parse(request, model.operation_model("Echo")) == {"FlatNamed": ["a"]}


REST_SHAPES = {
    "Input": {
        "type": "structure",
        "required": ["Id", "Path"],
        "members": {
            "Id": {"shape": "String", "location": "uri", "locationName": "id"},
            "Path": {"shape": "String", "location": "uri", "locationName": "path"},
            "Limit": {"shape": "Int", "location": "querystring", "locationName": "limit"},
            "Ids": {"shape": "Strings", "location": "querystring", "locationName": "ids"},
            "Since": {"shape": "Time", "location": "querystring", "locationName": "since"},
            "Deep": {"shape": "Bool", "location": "querystring", "locationName": "deep"},
            "Extra": {"shape": "Pairs", "location": "querystring"},
            "Token": {"shape": "String", "location": "header", "locationName": "x-token"},
            "Modified": {"shape": "Time", "location": "header", "locationName": "If-Modified-Since"},
            "Tags": {"shape": "Strings", "location": "header", "locationName": "x-tags"},
            "Meta": {"shape": "Pairs", "location": "headers", "locationName": "x-meta-"},
            "Body": {"shape": "Body", "locationName": "body"},
            "Renamed": {"shape": "String", "locationName": "other"},
        },
    },
    "Output": {
        "type": "structure",
        "members": {
            "Status": {"shape": "Int", "location": "statusCode"},
            "Token": {"shape": "String", "location": "header", "locationName": "x-token"},
            "Modified": {"shape": "Time", "location": "header", "locationName": "Last-Modified"},
            "Enabled": {"shape": "Bool", "location": "header", "locationName": "x-enabled"},
            "Tags": {"shape": "Strings", "location": "header", "locationName": "x-tags"},
            "Meta": {"shape": "Pairs", "location": "headers", "locationName": "x-meta-"},
            "Body": {"shape": "Body", "locationName": "body"},
            "Created": {"shape": "Time"},
            "CreatedIso": {"shape": "IsoTime"},
            "Data": {"shape": "Blob"},
            "Doc": {"shape": "Document"},
        },
    },
    "Body": {
        "type": "structure",
        "members": {
            "Name": {"shape": "String", "locationName": "name"},
            "Items": {"shape": "Items", "locationName": "items"},
            "Data": {"shape": "Blob"},
            "When": {"shape": "Time", "locationName": "when"},
        },
    },
    "Items": {"type": "list", "member": {"shape": "Item"}},
    "Item": {"type": "structure", "members": {"Value": {"shape": "Int", "locationName": "value"}}},
    "Strings": {"type": "list", "member": {"shape": "String"}},
    "Pairs": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "String"}},
    "Document": {"type": "structure", "members": {}, "document": True},
    "String": {"type": "string"},
    "Int": {"type": "integer"},
    "Bool": {"type": "boolean"},
    "Time": {"type": "timestamp"},
    "IsoTime": {"type": "timestamp", "timestampFormat": "iso8601"},
    "Blob": {"type": "blob"},
}

REST_OPERATION = {
    "name": "Fetch",
    "http": {"method": "POST", "requestUri": "/things/{id}/files/{path+}?op=fetch", "responseCode": 201},
    "input": {"shape": "Input"},
    "output": {"shape": "Output"},
}


def test_rest_json_locations_round_trip(use_model) -> None:
    model = _synthetic("rest-json", REST_OPERATION, REST_SHAPES)
    use_model(model)
    fetch = model.operation_model("Fetch")
    when = dt.datetime(2023, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
    params = {
        "Id": "a b/c%d",  # a plain label: '/' and '%' travel percent-encoded
        "Path": "dir/sub dir/file.txt",  # a greedy label keeps its slashes
        "Limit": 25,
        "Ids": ["x", "y z"],
        "Since": when,
        "Deep": False,
        "Extra": {"custom": "1"},
        "Token": "tok-123",
        "Modified": when,
        "Tags": ["red", "blue"],
        "Meta": {"owner": "me"},
        "Body": {"Name": "n", "Items": [{"Value": 1}, {"Value": 2}], "Data": b"\x01\x02", "When": when},
        "Renamed": "r",
    }
    assert _norm(_parse_input("rest-json", "synthetic", fetch, params)) == _norm(params)

    result = {
        "Token": "tok",
        "Modified": when,
        "Enabled": True,
        "Tags": ["a", "b"],
        "Meta": {"owner": "me"},
        "Body": {"Name": "n", "Items": [{"Value": 3}], "Data": b"\xff", "When": when},
        "Created": dt.datetime(2023, 5, 6, 7, 8, 9, 500000, tzinfo=dt.UTC),
        "CreatedIso": when,
        "Data": b"bytes",
        "Doc": {"free": ["form", 1, {"json": None}]},
    }
    response = PROTOCOLS["rest-json"]("synthetic").serialize(fetch, result, "req-1")
    assert response.status == 201
    assert response.headers["last-modified"] == "Sat, 06 May 2023 07:08:09 GMT"  # RFC 822, as AWS sends
    assert _norm(_parse_output("rest-json", "synthetic", fetch, result)) == _norm(result)


def test_rest_json_querystring_map_does_not_swallow_other_members(use_model) -> None:
    model = _synthetic("rest-json", REST_OPERATION, REST_SHAPES)
    use_model(model)
    fetch = model.operation_model("Fetch")
    parsed = _parse_input("rest-json", "synthetic", fetch, {"Id": "i", "Path": "p", "Limit": 3, "Extra": {"k": "v"}})
    assert parsed["Extra"] == {"k": "v"}
    assert parsed["Limit"] == 3


def test_json_blobs_and_fractional_timestamps() -> None:
    """json: blobs are base64 both ways; epoch timestamps keep their milliseconds."""
    dynamodb = spec.service_model("dynamodb")
    get_item = dynamodb.operation_model("GetItem")
    parsed = _parse_input("json", "dynamodb", get_item, {"TableName": "t", "Key": {"k": {"B": b"\x00\x01\xfe"}}})
    assert parsed["Key"]["k"]["B"] == b"\x00\x01\xfe"
    describe = dynamodb.operation_model("DescribeTable")
    created = dt.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=dt.UTC)
    answered = _parse_output("json", "dynamodb", describe, {"Table": {"TableName": "t", "CreationDateTime": created}})
    assert answered["Table"]["CreationDateTime"] == created


def test_cbor_timestamps_blobs_and_big_numbers() -> None:
    cloudwatch = spec.service_model("cloudwatch")
    put = cloudwatch.operation_model("PutMetricData")
    when = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)  # botocore sends whole seconds by default
    params = {
        "Namespace": "App",
        "MetricData": [{"MetricName": "m", "Timestamp": when, "Value": 1.5e300, "Values": [-0.0, 2**-20]}],
    }
    parsed = _parse_input("smithy-rpc-v2-cbor", "cloudwatch", put, params)
    assert parsed["MetricData"][0]["Timestamp"] == when
    assert parsed["MetricData"][0]["Value"] == 1.5e300
    statistics = cloudwatch.operation_model("GetMetricStatistics")
    precise = dt.datetime(2024, 1, 2, 3, 4, 5, 250000, tzinfo=dt.UTC)
    answered = _parse_output(
        "smithy-rpc-v2-cbor", "cloudwatch", statistics, {"Datapoints": [{"Timestamp": precise, "Sum": 2**60}]}
    )
    assert answered["Datapoints"] == [{"Timestamp": precise, "Sum": 2**60}]
    image = cloudwatch.operation_model("GetMetricWidgetImage")
    answered = _parse_output("smithy-rpc-v2-cbor", "cloudwatch", image, {"MetricWidgetImage": b"\x89PNG\x00"})
    assert answered["MetricWidgetImage"] == b"\x89PNG\x00"
