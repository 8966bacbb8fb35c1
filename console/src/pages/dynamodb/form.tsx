// The form view of an item, as the AWS console has beside its JSON view: one row per attribute
// (name, type, value), maps and lists holding rows of their own.
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { Button } from "../../ui/kit";
import { type Item, fromBase64, toBase64 } from "./items";

export interface AttrNode {
  id: number;
  name: string; // unused inside a list
  type: string;
  value: string; // S, N, B (base64), BOOL ("true"/"false"); sets one member per line
  children: AttrNode[]; // M and L
}

export const TYPES: [string, string][] = [
  ["S", "String"], ["N", "Number"], ["B", "Binary"], ["BOOL", "Boolean"], ["NULL", "Null"],
  ["M", "Map"], ["L", "List"], ["SS", "String set"], ["NS", "Number set"], ["BS", "Binary set"],
];

let nextId = 1;
export const newNode = (name = "", type = "S"): AttrNode => ({ id: nextId++, name, type, value: type === "BOOL" ? "true" : "", children: [] });

function toNode(name: string, value: AttributeValue): AttrNode {
  const v = value as unknown as Record<string, unknown>;
  const type = Object.keys(v)[0];
  const node = newNode(name, type);
  if (type === "S" || type === "N") node.value = String(v[type]);
  else if (type === "B") node.value = toBase64(v.B as Uint8Array);
  else if (type === "BOOL") node.value = v.BOOL ? "true" : "false";
  else if (type === "SS" || type === "NS") node.value = (v[type] as string[]).join("\n");
  else if (type === "BS") node.value = (v.BS as Uint8Array[]).map(toBase64).join("\n");
  else if (type === "M") node.children = Object.entries(v.M as Item).map(([k, x]) => toNode(k, x));
  else if (type === "L") node.children = (v.L as AttributeValue[]).map((x) => toNode("", x));
  return node;
}

export function itemToNodes(item: Item): AttrNode[] {
  return Object.entries(item).map(([k, v]) => toNode(k, v));
}

/** Problems by node id, checked as DynamoDB checks them (names, numbers, sets without duplicates). */
export type NodeProblems = Record<number, string>;

function members(node: AttrNode): string[] {
  return node.value.split("\n").map((m) => m.trim()).filter((m) => m !== "");
}

function check(nodes: AttrNode[], named: boolean, problems: NodeProblems): void {
  const seen = new Set<string>();
  for (const node of nodes) {
    if (named && !node.name) problems[node.id] = "Enter an attribute name.";
    else if (named && seen.has(node.name)) problems[node.id] = `Duplicate attribute name: ${node.name}.`;
    else if (node.type === "N" && (node.value.trim() === "" || isNaN(Number(node.value)))) problems[node.id] = "Enter a number.";
    else if (["SS", "NS", "BS"].includes(node.type)) {
      const m = members(node);
      if (!m.length) problems[node.id] = "A set needs at least one member (one per line).";
      else if (new Set(m).size !== m.length) problems[node.id] = "A set can't hold the same member twice.";
      else if (node.type === "NS" && m.some((x) => isNaN(Number(x)))) problems[node.id] = "Every member of a number set is a number.";
    }
    seen.add(node.name);
    if (node.type === "M") check(node.children, true, problems);
    if (node.type === "L") check(node.children, false, problems);
  }
}

export function checkNodes(nodes: AttrNode[]): NodeProblems {
  const problems: NodeProblems = {};
  check(nodes, true, problems);
  return problems;
}

function toValue(node: AttrNode): AttributeValue {
  switch (node.type) {
    case "N":
      return { N: node.value.trim() };
    case "B":
      return { B: fromBase64(node.value.trim()) };
    case "BOOL":
      return { BOOL: node.value === "true" };
    case "NULL":
      return { NULL: true };
    case "SS":
      return { SS: members(node) };
    case "NS":
      return { NS: members(node) };
    case "BS":
      return { BS: members(node).map(fromBase64) };
    case "M":
      return { M: nodesToItem(node.children) };
    case "L":
      return { L: node.children.map(toValue) };
    default:
      return { S: node.value };
  }
}

export function nodesToItem(nodes: AttrNode[]): Item {
  return Object.fromEntries(nodes.map((n) => [n.name, toValue(n)]));
}

/** Rows of attributes; `onChange` gets the whole new list (nodes are replaced, never mutated). */
export function AttributeRows(props: {
  nodes: AttrNode[];
  onChange: (nodes: AttrNode[]) => void;
  problems: NodeProblems;
  keyNames?: string[];
  list?: boolean;
  path?: string;
}) {
  const update = (i: number, patch: Partial<AttrNode>) => props.onChange(props.nodes.map((n, k) => (k === i ? { ...n, ...patch } : n)));
  const path = props.path || "";
  return (
    <div class="attr-rows">
      {props.nodes.map((node, i) => {
        const label = props.list ? `${path}[${i}]` : `${path}${path ? "." : ""}${node.name || `attribute ${i + 1}`}`;
        const isKey = !props.list && !path && props.keyNames?.includes(node.name);
        const problem = props.problems[node.id];
        return (
          <div key={node.id} class={problem ? "field-invalid" : ""}>
            <div class="attr-row">
              {!props.list && (
                <input
                  class="attr-name"
                  aria-label={`Attribute name of ${label}`}
                  value={node.name}
                  placeholder="Attribute name"
                  disabled={isKey}
                  onInput={(e) => update(i, { name: e.currentTarget.value })}
                />
              )}
              <select
                class="attr-type"
                aria-label={`Type of ${label}`}
                value={node.type}
                onChange={(e) => {
                  const type = e.currentTarget.value;
                  update(i, { type, value: type === "BOOL" ? "true" : node.value, children: type === "M" || type === "L" ? node.children : [] });
                }}
              >
                {TYPES.map(([t, name]) => (
                  <option key={t} value={t} disabled={isKey && !["S", "N", "B"].includes(t)}>
                    {name}
                  </option>
                ))}
              </select>
              {node.type === "BOOL" ? (
                <select class="attr-value" aria-label={`Value of ${label}`} value={node.value} onChange={(e) => update(i, { value: e.currentTarget.value })}>
                  <option value="true">true</option>
                  <option value="false">false</option>
                </select>
              ) : ["SS", "NS", "BS"].includes(node.type) ? (
                <textarea class="attr-value" rows={3} aria-label={`Value of ${label}`} placeholder="One member per line" value={node.value} onInput={(e) => update(i, { value: e.currentTarget.value })} />
              ) : ["S", "N", "B"].includes(node.type) ? (
                <input class="attr-value" aria-label={`Value of ${label}`} value={node.value} onInput={(e) => update(i, { value: e.currentTarget.value })} />
              ) : (
                <span class="attr-value muted">{node.type === "NULL" ? "null" : `${node.children.length} ${node.type === "M" ? "attributes" : "elements"}`}</span>
              )}
              {!isKey && (
                <Button kind="link" aria-label={`Remove ${label}`} onClick={() => props.onChange(props.nodes.filter((_, k) => k !== i))}>
                  Remove
                </Button>
              )}
            </div>
            {problem && <div class="field-error">{problem}</div>}
            {(node.type === "M" || node.type === "L") && (
              <div class="attr-children">
                <AttributeRows nodes={node.children} onChange={(children) => update(i, { children })} problems={props.problems} list={node.type === "L"} path={label} />
                <Button kind="link" onClick={() => update(i, { children: [...node.children, newNode()] })}>
                  Add {node.type === "M" ? "attribute" : "element"} to {label}
                </Button>
              </div>
            )}
          </div>
        );
      })}
    </div>
  );
}
