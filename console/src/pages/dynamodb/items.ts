// Items as text and back: DynamoDB JSON ({"id": {"S": "a"}}) and plain JSON ({"id": "a"}).
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";

export type Item = Record<string, AttributeValue>;

export function toBase64(bytes: Uint8Array): string {
  let text = "";
  bytes.forEach((b) => (text += String.fromCharCode(b)));
  return btoa(text);
}

export function fromBase64(text: string): Uint8Array {
  const raw = atob(text);
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

/** An attribute value as JSON-safe DynamoDB JSON (binary as base64, as the AWS CLI prints it). */
function typedJson(value: AttributeValue): unknown {
  const v = value as unknown as Record<string, unknown>;
  if (v.B instanceof Uint8Array) return { B: toBase64(v.B) };
  if (Array.isArray(v.BS)) return { BS: (v.BS as Uint8Array[]).map(toBase64) };
  if (v.M) return { M: Object.fromEntries(Object.entries(v.M as Item).map(([k, x]) => [k, typedJson(x)])) };
  if (v.L) return { L: (v.L as AttributeValue[]).map(typedJson) };
  return value;
}

function typedFromJson(value: unknown, path: string): AttributeValue {
  if (!value || typeof value !== "object" || Array.isArray(value) || Object.keys(value).length !== 1)
    throw new Error(`${path}: a DynamoDB JSON value is an object with exactly one type key, e.g. {"S": "text"}`);
  const [type, inner] = Object.entries(value as Record<string, unknown>)[0];
  switch (type) {
    case "B":
      return { B: fromBase64(String(inner)) };
    case "BS":
      return { BS: (inner as string[]).map(fromBase64) };
    case "M":
      return { M: Object.fromEntries(Object.entries(inner as Record<string, unknown>).map(([k, x]) => [k, typedFromJson(x, `${path}.${k}`)])) };
    case "L":
      return { L: (inner as unknown[]).map((x, i) => typedFromJson(x, `${path}[${i}]`)) };
    case "S": case "N": case "BOOL": case "NULL": case "SS": case "NS":
      return { [type]: inner } as unknown as AttributeValue;
    default:
      throw new Error(`${path}: unknown attribute type "${type}" (use S, N, B, BOOL, NULL, M, L, SS, NS or BS)`);
  }
}

/** Plain JS view of an item: sets become arrays, binary becomes base64 text. */
export function plain(item: Item): Record<string, unknown> {
  const convert = (value: unknown): unknown => {
    if (value instanceof Set) return [...value].map(convert);
    if (value instanceof Uint8Array) return toBase64(value);
    if (Array.isArray(value)) return value.map(convert);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v)]));
    return value;
  };
  return convert(unmarshall(item)) as Record<string, unknown>;
}

export function itemToText(item: Item, typed: boolean): string {
  if (typed) return JSON.stringify(Object.fromEntries(Object.entries(item).map(([k, v]) => [k, typedJson(v)])), null, 2);
  return JSON.stringify(plain(item), null, 2);
}

/** JSON text of a value with object keys sorted, so two equal values compare equal however written. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(",")}}`;
  return JSON.stringify(value);
}

function marshallOne(value: unknown): AttributeValue {
  return marshall({ x: value }, { removeUndefinedValues: true, convertEmptyValues: false }).x;
}

/**
 * A plain-JSON value back to an attribute value. Plain JSON can't tell a string set from a list or
 * base64 text from binary, so the item's value before editing decides: what the user left as it was
 * keeps its type exactly (SS stays SS, B stays B, N keeps its digits); a changed set stays a set
 * while its members still make one; anything else gets the type its JSON says.
 */
export function keepTypes(value: unknown, original: AttributeValue | undefined): AttributeValue {
  if (original === undefined) return marshallOne(value);
  if (canonical(plain({ x: original }).x) === canonical(value)) return original;
  const o = original as unknown as Record<string, unknown>;
  if (o.M && value && typeof value === "object" && !Array.isArray(value))
    return { M: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, keepTypes(v, (o.M as Item)[k])])) };
  if (o.L && Array.isArray(value)) return { L: value.map((v, i) => keepTypes(v, (o.L as AttributeValue[])[i])) };
  if (Array.isArray(value) && value.length && new Set(value.map(String)).size === value.length) {
    if (o.SS && value.every((v) => typeof v === "string")) return { SS: value as string[] };
    if (o.NS && value.every((v) => typeof v === "number" || (typeof v === "string" && v.trim() !== "" && !isNaN(Number(v))))) return { NS: value.map(String) };
    if (o.BS && value.every((v) => typeof v === "string")) return { BS: (value as string[]).map(fromBase64) };
  }
  if (o.B && typeof value === "string") return { B: fromBase64(value) };
  return marshallOne(value);
}

export function textToItem(text: string, typed: boolean, original?: Item): Item {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`The item is not valid JSON: ${(e as Error).message}`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("An item is a JSON object of attributes.");
  if (typed) return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typedFromJson(v, k)]));
  return Object.fromEntries(
    Object.entries(parsed as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, keepTypes(v, original?.[k])]),
  );
}

/** How a value shows in a grid cell. */
export function cellOf(value: AttributeValue | undefined): unknown {
  if (value === undefined) return undefined;
  const v = value as unknown as Record<string, unknown>;
  if ("S" in v) return v.S;
  if ("N" in v) return v.N;
  if ("BOOL" in v) return v.BOOL;
  if ("NULL" in v) return null;
  return plain({ x: value }).x;
}

export function typeOf(value: AttributeValue): string {
  return Object.keys(value)[0];
}

export function keyOfItem(item: Item, keyNames: string[]): Item {
  return Object.fromEntries(keyNames.filter((k) => item[k]).map((k) => [k, item[k]]));
}

/** A typed value from form input: "S" text, "N" number text, "BOOL" true/false, "NULL", "B" base64. */
export function valueOf(type: string, text: string): AttributeValue {
  switch (type) {
    case "N":
      return { N: text.trim() };
    case "B":
      return { B: fromBase64(text.trim()) };
    case "BOOL":
      return { BOOL: text.trim().toLowerCase() === "true" };
    case "NULL":
      return { NULL: true };
    default:
      return { S: text };
  }
}
