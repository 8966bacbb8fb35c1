"""Requests for the fuzz test, generated from the botocore models with a seeded generator.

Each case is built the way botocore builds the request, then broken on the wire: wrong types,
missing required members, out-of-range values, truncated and garbage bodies, wrong content
types, odd unicode, bad percent-encoding, odd paths and headers.

Only read-style operations (Describe*/List*/Get*) are sent well-formed: services land while
this test exists, and a fuzz test must not create resources. Other operations are only sent in
forms that cannot pass validation (a required member missing, a truncated body).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import cbor2
from botocore.model import OperationModel, Shape
from shapegen import Generator, auth_header, is_read_only, model_protocols, models, serialize, to_http

from fogbank.protocols import spec

WRONG_VALUES: list[Any] = [[], {}, "text", 1.5, True, -1, 10**40, "", {"nested": [1, {"x": None}]}, [[[]]], 0]
WEIRD_TEXT = [
    "\u0000nul",
    "\u202eRTL override",
    "zero\u200bwidth",
    "😀 emoji",
    "\uffff",
    "a" * 5000,
    "' OR 1=1 --",
    "<![CDATA[x]]>",
    "%s%n",
    "..\\..\\etc\\passwd",
]
FORM_GARBAGE = ["abc", "", "1e999", "-1", "true?", "%zz", "%E2%98%83", "99999999999999999999999", "NaN", "+", "%00"]
CONTENT_TYPES = ["text/plain", "application/cbor", "application/json", "application/xml", "", "garbage/☃"]


@dataclass
class Case:
    label: str
    method: str
    path: str  # path + query string
    headers: dict[str, str]
    body: bytes
    protocol: str | None = None  # the protocol whose error envelope the answer must be readable in
    operation: OperationModel | None = None
    expect: set[int] = field(default_factory=set)  # exact statuses required; empty: anything but 5xx/501


def _base(model: str, protocol: str, operation: OperationModel, params: dict[str, Any]) -> Case:
    method, url, headers, body = to_http(serialize(protocol, operation, params))
    parts = urlsplit(url)
    headers = {k: v for k, v in headers.items() if k.lower() not in ("content-length", "host")}
    headers["Authorization"] = auth_header(model)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return Case("", method, path, headers, body, protocol, operation)


def _top_members(shape: Shape | None, body_only: bool = False) -> dict[str, Shape]:
    if shape is None:
        return {}
    return {
        name: member
        for name, member in shape.members.items()
        if not (body_only and member.serialization.get("location"))
    }


def _break_constraint(shape: Shape) -> Any:
    """A value of the right type that its constraints refuse, or None when it has none."""
    meta = shape.metadata
    kind = shape.type_name
    if kind == "string":
        if meta.get("enum"):
            return "NotAnEnumValue"
        if "max" in meta and meta["max"] < 4096:
            return "x" * (meta["max"] + 1)
        if meta.get("min", 0) > 1:
            return "x"
    if kind in ("integer", "long"):
        if "min" in meta:
            return int(meta["min"]) - 1
        if "max" in meta:
            return int(meta["max"]) + 1
    if kind == "list" and meta.get("min", 0) > 0:
        return []
    return None


def _paths(document: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in a JSON-like document a value can be swapped."""
    found = [prefix] if prefix else []
    if isinstance(document, dict):
        for key, value in document.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += _paths(value, (*prefix, index))
    return found


def _replace(document: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(document, dict):
        return {**document, head: _replace(document[head], rest, value)}
    copy = list(document)
    copy[head] = _replace(copy[head], rest, value)
    return copy


class Fuzzer:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.generator = Generator(self.rng)

    # -- wire mutations ----------------------------------------------------------------------------

    def _document_mutations(self, case: Case, loads: Any, dumps: Any) -> Iterator[Case]:
        rng = self.rng
        try:
            document = loads(case.body) if case.body else {}
        except Exception:
            document = {}
        paths = _paths(document)
        if paths:
            path = rng.choice(paths)
            yield self._with(case, "wrong-type", body=dumps(_replace(document, path, rng.choice(WRONG_VALUES))))
            strings = [p for p in paths if isinstance(_get(document, p), str)]
            if strings:
                text = rng.choice(WEIRD_TEXT)
                yield self._with(case, "unicode", body=dumps(_replace(document, rng.choice(strings), text)))
        if len(case.body) > 1:
            yield self._with(case, "truncated", body=case.body[: rng.randrange(1, len(case.body))])
        yield self._with(case, "garbage", body=rng.randbytes(rng.randint(1, 300)))
        yield self._with(case, "not-an-object", body=dumps(rng.choice([[], "text", 1, None, [document]])))
        yield self._with(case, "extra-member", body=dumps({**document, "NoSuchMember": rng.choice(WRONG_VALUES)}))
        content_type = rng.choice(CONTENT_TYPES)
        yield self._with(case, "content-type", headers={**case.headers, "Content-Type": content_type})

    def _form_mutations(self, case: Case) -> Iterator[Case]:
        rng = self.rng
        pairs = [p.split("=", 1) for p in case.body.decode().split("&") if p]
        editable = [i for i, p in enumerate(pairs) if p[0] not in ("Action", "Version")]
        if editable:
            index = rng.choice(editable)
            broken = [list(p) for p in pairs]
            broken[index][1] = rng.choice(FORM_GARBAGE)
            yield self._with(case, "form-wrong-type", body=_form(broken))
            yield self._with(case, "form-drop", body=_form([p for i, p in enumerate(pairs) if i != index]))
            key = pairs[index][0]
            yield self._with(case, "form-index", body=_form([*pairs, [f"{key}.member.{rng.randint(2, 10**9)}", "x"]]))
        yield self._with(case, "form-bad-encoding", body=case.body + b"&Marker=%ff%fe%fd")
        yield self._with(case, "form-truncated", body=case.body[: rng.randrange(1, max(2, len(case.body)))])
        yield self._with(case, "form-garbage", body=rng.randbytes(rng.randint(1, 200)))
        yield self._with(case, "form-unicode-action", body=b"Action=" + quote(rng.choice(WEIRD_TEXT)).encode())
        yield self._with(case, "form-as-get", method="GET", path="/?" + case.body.decode(), body=b"")

    def _rest_mutations(self, case: Case) -> Iterator[Case]:
        rng = self.rng
        path, _, query = case.path.partition("?")
        segments = path.split("/")
        if len(segments) > 2:
            index = rng.randrange(1, len(segments))
            weird = rng.choice(["%ff%00", "..", "x" * 3000, "%2F%2F", quote("☃ é"), "%", ""])
            broken = "/".join([*segments[:index], weird, *segments[index + 1 :]])
            yield self._with(case, "rest-label", path=broken + (f"?{query}" if query else ""))
        if query:
            key = query.split("&")[0].split("=")[0]
            yield self._with(case, "rest-query", path=f"{path}?{key}={quote(rng.choice(FORM_GARBAGE))}&{query}")
        yield self._with(case, "rest-method", method=rng.choice(["PATCH", "DELETE", "PUT", "GET", "HEAD"]))
        amz = [k for k in case.headers if k.lower().startswith("x-amz-") and k.lower() != "x-amz-date"]
        if amz:
            yield self._with(case, "rest-header", headers={**case.headers, rng.choice(amz): rng.choice(FORM_GARBAGE)})

    def _with(self, case: Case, label: str, **changes: Any) -> Case:
        fields = {**case.__dict__, **changes, "label": label, "expect": set()}
        return Case(**fields)

    # -- per operation -----------------------------------------------------------------------------

    def operation_cases(self, model: str, protocol: str, operation: OperationModel) -> Iterator[Case]:
        rng = self.rng
        shape = operation.input_shape
        read_only = is_read_only(operation.name)
        params = self.generator.structure(shape) if shape is not None else {}
        base = _base(model, protocol, operation, params)
        prefix = f"{model}/{protocol}/{operation.name}"

        # A required member missing: refused before any handler, whatever the operation.
        required = [
            n for n in (shape.required_members if shape else []) if not shape.members[n].serialization.get("location")
        ]
        if required and not _required_in_served_model(model, operation.name, required):
            required = []  # Neptune and DocumentDB share RDS's endpoint, which requires less
        if required:
            dropped = rng.choice(required)
            missing = {k: v for k, v in params.items() if k != dropped}
            case = _base(model, protocol, operation, missing)
            case.label, case.expect = f"{prefix} missing-required", {400}
            yield case
        if not read_only:
            if protocol in ("json", "smithy-rpc-v2-cbor") and len(base.body) > 2:
                yield self._with(base, f"{prefix} truncated", body=base.body[: rng.randrange(1, len(base.body) - 1)])
            return

        base.label = f"{prefix} valid"
        yield base
        members = _top_members(shape, body_only=protocol == "rest-json")
        breakable = [(n, v) for n, m in members.items() if (v := _break_constraint(m)) is not None]
        if breakable:
            name, value = rng.choice(breakable)
            case = _base(model, protocol, operation, {**params, name: value})
            case.label, case.expect = f"{prefix} out-of-range", {400}
            yield case

        if protocol in ("json", "rest-json"):
            mutations = self._document_mutations(base, json.loads, lambda d: json.dumps(d).encode())
        elif protocol == "smithy-rpc-v2-cbor":
            mutations = self._document_mutations(base, cbor2.loads, cbor2.dumps)
        else:
            mutations = self._form_mutations(base)
        mutations = list(mutations)
        if protocol == "rest-json":
            mutations += list(self._rest_mutations(base))
        for case in rng.sample(mutations, min(len(mutations), 6)):
            case.label = f"{prefix} {case.label}"
            yield case

    def all_cases(self) -> Iterator[Case]:
        for model in models():
            service = spec.service_model(model)
            for protocol in model_protocols(model):
                for name in service.operation_names:
                    yield from self.operation_cases(model, protocol, service.operation_model(name))
        yield from self.generic_cases()

    # -- requests no model describes ----------------------------------------------------------------

    def generic_cases(self, count: int = 300) -> Iterator[Case]:
        rng = self.rng
        targets = []
        for model in models():
            metadata = spec.service_model(model).metadata
            if metadata.get("targetPrefix"):
                targets.append(f"{metadata['targetPrefix']}.{rng.choice(spec.service_model(model).operation_names)}")
        signing = sorted({auth_header(m).split("/")[3] for m in models()})
        auths = [
            "",
            "AWS4-HMAC-SHA256",
            "AWS4-HMAC-SHA256 Credential=a/b/c",
            "AWS4-HMAC-SHA256 Credential=//////, SignedHeaders=, Signature=",
            "Bearer token",
            "AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/nosuch/aws4_request, SignedHeaders=host, Signature=0",
            "AWS4-HMAC-SHA256 " + "Credential=x," * 500,
        ] + [
            f"AWS4-HMAC-SHA256 Credential=k/20260101/eu-west-1/{s}/aws4_request, SignedHeaders=host, Signature=0"
            for s in signing
        ]
        paths = [
            "/",
            "/?Action=ListUsers&Version=2010-05-08",
            "/?Action=%ff",
            "/service/GraniteServiceVersion20100801/operation/NoSuch",
            "/service/x/operation/",
            "/backup-vaults/",
            "/backup-vaults/%00",
            "/" + "a/" * 2000,
            "/_fogbank/nope",
            "/%",
            "/?" + "&".join(f"k{i}=v" for i in range(2000)),
            "/Execute",
            "/status",
        ]
        for index in range(count):
            headers = {"Content-Type": rng.choice(CONTENT_TYPES)}
            auth = rng.choice(auths)
            if auth:
                headers["Authorization"] = auth
            if rng.random() < 0.5:
                headers["X-Amz-Target"] = rng.choice([*targets, "", "NoDot", ".", "☃.☃", "DynamoDB_20120810."])
            if rng.random() < 0.2:
                headers["smithy-protocol"] = "rpc-v2-cbor"
            body = rng.choice(
                [
                    b"",
                    b"{}",
                    rng.randbytes(rng.randint(1, 500)),
                    b"Action=GetCallerIdentity&Version=2011-06-15",
                    cbor2.dumps({"a": [1, 2, {"b": b"\x00"}]}),
                    b"<xml/>",
                    json.dumps({"k": rng.choice(WEIRD_TEXT)}).encode(),
                ]
            )
            method = rng.choice(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"])
            yield Case(f"generic-{index}", method, rng.choice(paths), headers, body)
        yield from self.header_cases()

    def header_cases(self) -> Iterator[Case]:
        json_headers = {
            "X-Amz-Target": "DynamoDB_20120810.ListTables",
            "Content-Type": "application/x-amz-json-1.0",
            "Authorization": auth_header("dynamodb"),
        }
        yield from self.odd_header_cases()
        yield Case("huge-header", "POST", "/", {**json_headers, "X-Big": "x" * 65536}, b"{}")
        yield Case("many-headers", "POST", "/", {**json_headers, **{f"X-H{i}": "v" for i in range(1000)}}, b"{}")
        yield Case("latin1-header", "POST", "/", {**json_headers, "X-Name": "caf\xe9"}, b"{}")
        yield Case("huge-target", "POST", "/", {**json_headers, "X-Amz-Target": "D" * 100000}, b"{}")

    def odd_header_cases(self) -> Iterator[Case]:
        """Every header that routes or authenticates a request, given odd, huge and unicode values, on a
        valid request of each protocol."""
        for base in _header_bases():
            service = base.headers["Authorization"].split("/")[3]
            for header in ODD_HEADERS:
                for value in ODD_HEADER_VALUES + [v.format(service=service) for v in ODD_HEADERS[header]]:
                    headers = {k: v for k, v in base.headers.items() if k.lower() != header}
                    headers[_CANONICAL[header]] = value
                    case = self._with(base, f"header {base.label} {header}={value[:40]!r}", headers=headers)
                    # Which envelope answers depends on the broken header itself: only "never a 500" holds.
                    case.protocol, case.operation = None, None
                    yield case

    # -- nested query members and nulls in JSON lists and maps ----------------------------------------

    def member_cases(self) -> Iterator[Case]:
        """Query parameters that give sub-members to scalars, list items and map entries at every depth of
        every operation, and a null in every list and map of every JSON request (found 500s before)."""
        full = FullGenerator(self.rng)
        for model in models():
            service = spec.service_model(model)
            for protocol in model_protocols(model):
                for name in service.operation_names:
                    operation = service.operation_model(name)
                    if operation.input_shape is None:
                        continue
                    params = full.structure(operation.input_shape)
                    if protocol == "query":
                        yield from self._nested_query_cases(model, operation, params)
                    else:
                        yield from self._null_cases(model, protocol, operation, params)

    def _nested_query_cases(self, model: str, operation: OperationModel, params: dict[str, Any]) -> Iterator[Case]:
        rng = self.rng
        base = _base(model, "query", operation, params)
        pairs = [p.split("=", 1) for p in base.body.decode().split("&") if p]
        keys = [key for key, _ in pairs if key not in ("Action", "Version")]
        prefix = f"{model}/query/{operation.name}"
        if not is_read_only(operation.name):
            # A required member sent only as sub-members is absent: refused, so nothing is created.
            shape = operation.input_shape
            for name in shape.required_members:  # one at a time: the others present, so a handler would run
                if _scalar_like(shape.members[name]) and _required_in_served_model(model, operation.name, [name]):
                    wire = shape.members[name].serialization.get("name", name)
                    nested = [[_nest(k, rng) if k.split(".")[0] == wire else k, v] for k, v in pairs]
                    yield self._with(base, f"{prefix} nested-required {name}", body=_form(nested), expect={400})
            return
        for key in keys:  # each parameter, at its own depth, given a sub-member in place of its value
            nested = [[_nest(k, rng) if k == key else k, v] for k, v in pairs]
            yield self._with(base, f"{prefix} nested {key}", body=_form(nested))
        if keys:
            parents = {".".join(k.split(".")[:depth]) for k in keys for depth in range(1, k.count(".") + 1)}
            junk = [[f"{parent}.{rng.choice(SUB_MEMBERS)}", "x"] for parent in sorted(parents)]
            yield self._with(base, f"{prefix} nested-siblings", body=_form([*pairs, *junk]))
            yield self._with(base, f"{prefix} nested-all", body=_form([[_nest(k, rng), v] for k, v in pairs]))

    def _null_cases(
        self, model: str, protocol: str, operation: OperationModel, params: dict[str, Any]
    ) -> Iterator[Case]:
        base = _base(model, protocol, operation, params)
        loads, dumps = (cbor2.loads, cbor2.dumps) if protocol == "smithy-rpc-v2-cbor" else (json.loads, _json)
        try:
            document = loads(base.body) if base.body else {}
        except ValueError:
            return
        if not isinstance(document, dict):
            return
        prefix = f"{model}/{protocol}/{operation.name}"
        for path in _paths(document):
            container = _get(document, path)
            if isinstance(container, list):
                nulled = [*container, None] if self.rng.random() < 0.5 else [None, *container]
            elif isinstance(container, dict) and _is_map(operation.input_shape, path):
                nulled = {**container, "nullkey": None}
            else:
                continue
            # Every null in a list or map is refused (validation, or the service for its own shapes), so no
            # write goes through; 501 only where the service words the null and lacks the operation.
            body = dumps(_replace(document, path, nulled))
            yield self._with(base, f"{prefix} null-in {'.'.join(map(str, path))}", body=body, expect={400, 501})


def _labelled(member: Shape) -> bool:
    """Members the base generator leaves out (path labels it fills itself, status codes, streams)."""
    return bool(
        member.serialization.get("eventstream")
        or member.metadata.get("eventstream")
        or member.serialization.get("location") in ("statusCode", "hostLabel")
        or bool(member.metadata.get("hostLabel"))
    )


def _json(document: Any) -> bytes:
    return json.dumps(document).encode()


class FullGenerator(Generator):
    """Every member of every structure, and at least one entry in every list and map, down to ``max_depth``:
    so that each list and map of a request, at every depth, is there to be broken."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__(rng, tricky=False, max_depth=5)

    def structure(self, shape: Shape, depth: int = 0) -> dict[str, Any]:
        if shape.is_tagged_union or depth >= self.max_depth:
            return super().structure(shape, depth)
        return {
            name: self.value(member, depth + 1, member.serialization.get("location"))
            for name, member in shape.members.items()
            if not _labelled(member)
        }

    def value(self, shape: Shape, depth: int = 0, location: str | None = None) -> Any:
        if shape.type_name == "list" and depth < self.max_depth:
            return [self.value(shape.member, depth + 1, location)]
        return super().value(shape, depth, location)


# Sub-members no model has: under a scalar, a list item or a map entry they name nothing.
SUB_MEMBERS = ["a", "member.1", "entry.1.key", "1", "member.1.a.b", "Value", "entry.1.value.x"]


def _nest(key: str, rng: random.Random) -> str:
    return f"{key}.{rng.choice(SUB_MEMBERS)}"


def _scalar_like(shape: Shape) -> bool:
    """A scalar, or a list or map of scalars: sent only as sub-members, it is absent."""
    if shape.type_name == "list":
        return shape.member.type_name not in ("structure", "list", "map")
    if shape.type_name == "map":
        return shape.value.type_name not in ("structure", "list", "map")
    return shape.type_name != "structure"


def _is_map(shape: Shape | None, path: tuple) -> bool:
    """Whether the JSON object at ``path`` of a request document is a map (not a structure), following the
    model (members by their wire names)."""
    for step in path:
        if shape is None:
            return False
        kind = shape.type_name
        if kind == "structure":
            by_wire = {m.serialization.get("name", n): m for n, m in shape.members.items()}
            shape = by_wire.get(step)
        elif kind == "list":
            shape = shape.member
        elif kind == "map":
            shape = shape.value
        else:
            return False
    return shape is not None and shape.type_name == "map"


def _header_bases() -> list[Case]:
    """A read of each protocol, among them services that keep state per region (the region names a file)."""
    reads = [
        ("dynamodb", "json", "ListTables"),
        ("secretsmanager", "json", "ListSecrets"),
        ("sts", "query", "GetCallerIdentity"),
        ("rds", "query", "DescribeDBSubnetGroups"),
        ("backup", "rest-json", "ListBackupVaults"),
        ("cloudwatch", "smithy-rpc-v2-cbor", "ListMetrics"),
    ]
    bases = [_base(m, protocol, spec.service_model(m).operation_model(name), {}) for m, protocol, name in reads]
    for case in bases:
        case.label = case.protocol or ""
        case.headers = {**case.headers, "X-Amz-Date": "20260101T000000Z"}
    return bases


# The headers that decide a request's service, operation, protocol and identity, and values of each kind.
ODD_HEADER_VALUES = ["", " ", "☃", "é日本", "\x00", "%00", "..", "x" * 20000, "a" * 70000, ",,,", "=", "null", "\u202e"]
ODD_HEADERS: dict[str, list[str]] = {
    "authorization": [
        "AWS4-HMAC-SHA256 Credential=☃/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0",
        "AWS4-HMAC-SHA256 Credential=k/☃/☃/{service}/aws4_request, SignedHeaders=☃, Signature=☃",
        "AWS4-HMAC-SHA256 Credential=k/20260101/"
        + "r" * 300
        + "/{service}/aws4_request, SignedHeaders=host, Signature=0",
        "AWS4-HMAC-SHA256 Credential=k/20260101/../{service}/aws4_request, SignedHeaders=host, Signature=0",
        "AWS4-HMAC-SHA256 Credential=k/20260101/ /{service}/aws4_request, SignedHeaders=host, Signature=0",
        "AWS4-HMAC-SHA256 Credential=k/20260101/%00/{service}/aws4_request, SignedHeaders=host, Signature=0",
        "AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/" + "s" * 5000 + "/aws4_request, SignedHeaders=, Signature=",
        "AWS4-HMAC-SHA256 Credential=" + "k" * 30000 + "/20260101/us-east-1/{service}/aws4_request, "
        "SignedHeaders=host, Signature=0",
        "AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, "
        "Signature=0, Signature=1",
        "AWS4-HMAC-SHA256  Credential = k/20260101/us-east-1/{service}/aws4_request ,SignedHeaders=host,Signature=0",
    ],
    "x-amz-target": ["DynamoDB_20120810.☃", "☃.ListTables", "DynamoDB_20120810.ListTables.Extra", "." * 5000],
    "content-type": ["application/x-amz-json-1.0; charset=☃", "application/cbor;;;", "multipart/form-data; boundary=x"],
    "x-amz-date": ["20260101", "99999999T999999Z", "Thu, 01 Jan 1970 00:00:00 GMT", "-1"],
    "host": ["attacker.example", "127.0.0.1:99999", "[::1", "localhost:4566:4566", "☃.example"],
}
_CANONICAL = {
    "authorization": "Authorization",
    "x-amz-target": "X-Amz-Target",
    "content-type": "Content-Type",
    "x-amz-date": "X-Amz-Date",
    "host": "Host",
}


def _required_in_served_model(model: str, operation: str, required: list[str]) -> bool:
    """Whether the model Fogbank routes this request to (the first model with the same signing
    name that has the operation, as on AWS where Neptune's API is RDS's) requires them too."""
    signing = auth_header(model).split("/")[3]
    for candidate in models():
        if (
            auth_header(candidate).split("/")[3] == signing
            and operation in spec.service_model(candidate).operation_names
        ):
            served = spec.service_model(candidate).operation_model(operation).input_shape
            return served is not None and set(required) <= set(served.required_members)
    return False


def _get(document: Any, path: tuple) -> Any:
    for key in path:
        document = document[key]
    return document


def _form(pairs: list[list[str]]) -> bytes:
    return "&".join("=".join(p) for p in pairs).encode()


def oversize_cases(limit: int) -> Iterator[Case]:
    """One body over the limit per protocol: 413 in the protocol's own envelope."""
    body = b"x" * (limit + 1)
    yield Case(
        "oversize-json",
        "POST",
        "/",
        {
            "X-Amz-Target": "DynamoDB_20120810.ListTables",
            "Content-Type": "application/x-amz-json-1.0",
            "Authorization": auth_header("dynamodb"),
        },
        body,
        "json",
        spec.service_model("dynamodb").operation_model("ListTables"),
        {413},
    )
    yield Case(
        "oversize-query",
        "POST",
        "/",
        {"Content-Type": "application/x-www-form-urlencoded", "Authorization": auth_header("sts")},
        b"Action=GetCallerIdentity&Version=2011-06-15&" + body,
        "query",
        spec.service_model("sts").operation_model("GetCallerIdentity"),
        {413},
    )
    yield Case(
        "oversize-rest-json",
        "PUT",
        "/backup-vaults/big",
        {"Content-Type": "application/json", "Authorization": auth_header("backup")},
        body,
        "rest-json",
        spec.service_model("backup").operation_model("CreateBackupVault"),
        {413},
    )
    yield Case(
        "oversize-cbor",
        "POST",
        "/service/GraniteServiceVersion20100801/operation/ListMetrics",
        {
            "smithy-protocol": "rpc-v2-cbor",
            "Content-Type": "application/cbor",
            "Authorization": auth_header("cloudwatch"),
        },
        body,
        "smithy-rpc-v2-cbor",
        spec.service_model("cloudwatch").operation_model("ListMetrics"),
        {413},
    )
