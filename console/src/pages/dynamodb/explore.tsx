// Explore items: scan or query (key conditions, filters on any attribute, index, order), page by
// page through LastEvaluatedKey, and create / edit / duplicate / delete items.
import {
  DeleteItemCommand,
  DescribeTableCommand,
  QueryCommand,
  ScanCommand,
  type AttributeValue,
  type QueryCommandInput,
  type ScanCommandInput,
  type TableDescription,
} from "@aws-sdk/client-dynamodb";
import { useEffect, useMemo, useState } from "preact/hooks";
import { aws, errorText } from "../../aws";
import { href } from "../../router";
import { Grid } from "../../ui/grid";
import { Button, Confirm, ErrorBox, Field, Page, Panel, useFlash } from "../../ui/kit";
import { type EditMode, ItemEditor } from "./editor";
import { type Item, cellOf, keyOfItem, valueOf } from "./items";

interface Filter {
  attr: string;
  type: string;
  op: string;
  value: string;
  value2: string;
}

const FILTER_OPS: [string, string][] = [
  ["=", "Equal to"],
  ["<>", "Not equal to"],
  ["<", "Less than"],
  ["<=", "Less than or equal to"],
  [">", "Greater than"],
  [">=", "Greater than or equal to"],
  ["between", "Between"],
  ["exists", "Exists"],
  ["not_exists", "Not exists"],
  ["contains", "Contains"],
  ["not_contains", "Not contains"],
  ["begins_with", "Begins with"],
];

const SORT_OPS: [string, string][] = [
  ["", "(any)"],
  ["=", "Equal to"],
  ["<", "Less than"],
  ["<=", "Less than or equal to"],
  [">", "Greater than"],
  [">=", "Greater than or equal to"],
  ["between", "Between"],
  ["begins_with", "Begins with"],
];

class Expr {
  names: Record<string, string> = {};
  values: Record<string, AttributeValue> = {};
  private n = 0;
  name(attr: string): string {
    const existing = Object.entries(this.names).find(([, v]) => v === attr);
    if (existing) return existing[0];
    const key = `#n${Object.keys(this.names).length}`;
    this.names[key] = attr;
    return key;
  }
  value(v: AttributeValue): string {
    const key = `:v${this.n++}`;
    this.values[key] = v;
    return key;
  }
  condition(name: string, op: string, a: () => string, b: () => string): string {
    switch (op) {
      case "between":
        return `${name} BETWEEN ${a()} AND ${b()}`;
      case "begins_with":
        return `begins_with(${name}, ${a()})`;
      case "contains":
        return `contains(${name}, ${a()})`;
      case "not_contains":
        return `NOT contains(${name}, ${a()})`;
      case "exists":
        return `attribute_exists(${name})`;
      case "not_exists":
        return `attribute_not_exists(${name})`;
      default:
        return `${name} ${op} ${a()}`;
    }
  }
}

export function ExploreItems(props: { name: string }) {
  const [table, setTable] = useState<TableDescription | null>(null);
  const [mode, setMode] = useState<"scan" | "query">("scan");
  const [index, setIndex] = useState("");
  const [pkValue, setPkValue] = useState("");
  const [skOp, setSkOp] = useState("");
  const [skValue, setSkValue] = useState("");
  const [skValue2, setSkValue2] = useState("");
  const [descending, setDescending] = useState(false);
  const [filters, setFilters] = useState<Filter[]>([]);
  const [pageSize, setPageSize] = useState("50");
  const [items, setItems] = useState<Item[] | null>(null);
  const [pages, setPages] = useState<(Item | undefined)[]>([undefined]); // start key of each page seen
  const [page, setPage] = useState(0);
  const [nextKey, setNextKey] = useState<Item | undefined>(undefined);
  const [stats, setStats] = useState<{ count: number; scanned: number; ms: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [selected, setSelected] = useState<Item | null>(null);
  const [editing, setEditing] = useState<{ mode: EditMode; item: Item } | null>(null);
  const [deleting, setDeleting] = useState<Item | null>(null);
  const { flash, view: flashView } = useFlash();

  useEffect(() => {
    aws()
      .dynamodb.send(new DescribeTableCommand({ TableName: props.name }))
      .then((r) => setTable(r.Table || null))
      .catch((e) => setError(errorText(e)));
  }, [props.name]);

  const tableKeys = useMemo(() => (table?.KeySchema || []).map((k) => k.AttributeName as string), [table]);
  const schema = useMemo(() => {
    if (!table) return [];
    if (!index) return table.KeySchema || [];
    const ix = [...(table.GlobalSecondaryIndexes || []), ...(table.LocalSecondaryIndexes || [])].find((i) => i.IndexName === index);
    return ix?.KeySchema || [];
  }, [table, index]);
  const pk = schema.find((k) => k.KeyType === "HASH")?.AttributeName || "";
  const sk = schema.find((k) => k.KeyType === "RANGE")?.AttributeName || "";
  const typeOfAttr = (name: string) => table?.AttributeDefinitions?.find((a) => a.AttributeName === name)?.AttributeType || "S";

  const fetchPage = async (start: Item | undefined, pageNumber: number) => {
    setBusy(true);
    setError(null);
    const expr = new Expr();
    const filterParts = filters
      .filter((f) => f.attr)
      .map((f) => expr.condition(expr.name(f.attr), f.op, () => expr.value(valueOf(f.type, f.value)), () => expr.value(valueOf(f.type, f.value2))));
    const base = {
      TableName: props.name,
      IndexName: index || undefined,
      Limit: Number(pageSize) || undefined,
      ExclusiveStartKey: start,
      FilterExpression: filterParts.length ? filterParts.join(" AND ") : undefined,
    };
    const t0 = performance.now();
    try {
      let result;
      if (mode === "query") {
        const parts = [`${expr.name(pk)} = ${expr.value(valueOf(typeOfAttr(pk), pkValue))}`];
        if (sk && skOp)
          parts.push(expr.condition(expr.name(sk), skOp, () => expr.value(valueOf(typeOfAttr(sk), skValue)), () => expr.value(valueOf(typeOfAttr(sk), skValue2))));
        const input: QueryCommandInput = { ...base, KeyConditionExpression: parts.join(" AND "), ScanIndexForward: !descending };
        input.ExpressionAttributeNames = expr.names;
        input.ExpressionAttributeValues = expr.values;
        result = await aws().dynamodb.send(new QueryCommand(input));
      } else {
        const input: ScanCommandInput = { ...base };
        if (Object.keys(expr.names).length) input.ExpressionAttributeNames = expr.names;
        if (Object.keys(expr.values).length) input.ExpressionAttributeValues = expr.values;
        result = await aws().dynamodb.send(new ScanCommand(input));
      }
      setItems(result.Items || []);
      setNextKey(result.LastEvaluatedKey);
      setPage(pageNumber);
      setPages((seen) => [...seen.slice(0, pageNumber + 1), ...(result.LastEvaluatedKey ? [result.LastEvaluatedKey] : [])]);
      setStats({ count: result.Count ?? 0, scanned: result.ScannedCount ?? 0, ms: Math.round(performance.now() - t0) });
      setSelected(null);
    } catch (e) {
      setError(errorText(e));
    }
    setBusy(false);
  };

  const run = (event?: Event) => {
    event?.preventDefault();
    setPages([undefined]);
    fetchPage(undefined, 0);
  };
  useEffect(() => {
    if (table && table.TableStatus === "ACTIVE") run();
  }, [table]);

  const columns = useMemo(() => {
    const names: string[] = [...tableKeys];
    if (pk && !names.includes(pk)) names.push(pk);
    if (sk && !names.includes(sk)) names.push(sk);
    for (const item of items || []) for (const k of Object.keys(item)) if (!names.includes(k)) names.push(k);
    return names.map((n, i) => ({ field: `a${i}`, title: n, subtitle: tableKeys.includes(n) ? (n === tableKeys[0] ? "partition key" : "sort key") : undefined, name: n }));
  }, [items, tableKeys, pk, sk]);
  const rows = useMemo(
    () =>
      (items || []).map((item, n) => {
        const row: Record<string, unknown> = { __row: n };
        columns.forEach((c) => (row[c.field] = cellOf(item[c.name])));
        return row;
      }),
    [items, columns],
  );
  const indexes = [...(table?.GlobalSecondaryIndexes || []), ...(table?.LocalSecondaryIndexes || [])];
  const refresh = () => fetchPage(pages[page], page);

  return (
    <Page
      title={`Explore items: ${props.name}`}
      crumbs={[
        ["DynamoDB", href("/dynamodb")],
        [props.name, href(`/dynamodb/tables/${encodeURIComponent(props.name)}`)],
      ]}
    >
      <Panel title="Scan or query items">
        <form onSubmit={run} class="form explore-form">
          <div class="row">
            <div class="segmented" role="radiogroup" aria-label="Operation">
              <label class={mode === "scan" ? "selected" : ""}>
                <input type="radio" name="op" checked={mode === "scan"} onChange={() => setMode("scan")} /> Scan
              </label>
              <label class={mode === "query" ? "selected" : ""}>
                <input type="radio" name="op" checked={mode === "query"} onChange={() => setMode("query")} /> Query
              </label>
            </div>
            <Field label="Table or index" id="x-index">
              <select id="x-index" value={index} onChange={(e) => setIndex(e.currentTarget.value)}>
                <option value="">Table - {props.name}</option>
                {indexes.map((ix) => (
                  <option key={ix.IndexName} value={ix.IndexName}>
                    Index - {ix.IndexName}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="Page size" id="x-limit">
              <input id="x-limit" type="number" min={1} value={pageSize} onInput={(e) => setPageSize(e.currentTarget.value)} class="narrow" />
            </Field>
          </div>
          {mode === "query" && (
            <div class="row">
              <Field label={`${pk} (partition key)`} id="x-pk">
                <input id="x-pk" value={pkValue} placeholder={`Enter the ${typeOfAttr(pk) === "N" ? "number" : "value"}`} onInput={(e) => setPkValue(e.currentTarget.value)} />
              </Field>
              {sk && (
                <>
                  <Field label={`${sk} (sort key)`} id="x-skop">
                    <select id="x-skop" value={skOp} onChange={(e) => setSkOp(e.currentTarget.value)}>
                      {SORT_OPS.map(([op, label]) => (
                        <option key={op} value={op}>
                          {label}
                        </option>
                      ))}
                    </select>
                  </Field>
                  {skOp && (
                    <Field label="Sort key value" id="x-sk">
                      <input id="x-sk" value={skValue} onInput={(e) => setSkValue(e.currentTarget.value)} />
                    </Field>
                  )}
                  {skOp === "between" && (
                    <Field label="and" id="x-sk2">
                      <input id="x-sk2" value={skValue2} onInput={(e) => setSkValue2(e.currentTarget.value)} />
                    </Field>
                  )}
                </>
              )}
              <label class="check">
                <input type="checkbox" checked={descending} onChange={(e) => setDescending(e.currentTarget.checked)} /> Sort descending
              </label>
            </div>
          )}
          <div class="filters">
            {filters.map((f, i) => {
              const update = (patch: Partial<Filter>) => setFilters(filters.map((x, n) => (n === i ? { ...x, ...patch } : x)));
              const needsValue = !["exists", "not_exists"].includes(f.op);
              return (
                <div class="row filter" key={i}>
                  <Field label="Attribute name" id={`f-attr-${i}`}>
                    <input id={`f-attr-${i}`} value={f.attr} onInput={(e) => update({ attr: e.currentTarget.value })} />
                  </Field>
                  <Field label="Type" id={`f-type-${i}`}>
                    <select id={`f-type-${i}`} value={f.type} onChange={(e) => update({ type: e.currentTarget.value })}>
                      <option value="S">String</option>
                      <option value="N">Number</option>
                      <option value="BOOL">Boolean</option>
                      <option value="NULL">Null</option>
                      <option value="B">Binary</option>
                    </select>
                  </Field>
                  <Field label="Condition" id={`f-op-${i}`}>
                    <select id={`f-op-${i}`} value={f.op} onChange={(e) => update({ op: e.currentTarget.value })}>
                      {FILTER_OPS.map(([op, label]) => (
                        <option key={op} value={op}>
                          {label}
                        </option>
                      ))}
                    </select>
                  </Field>
                  {needsValue && (
                    <Field label="Value" id={`f-value-${i}`}>
                      <input id={`f-value-${i}`} value={f.value} onInput={(e) => update({ value: e.currentTarget.value })} />
                    </Field>
                  )}
                  {f.op === "between" && (
                    <Field label="and" id={`f-value2-${i}`}>
                      <input id={`f-value2-${i}`} value={f.value2} onInput={(e) => update({ value2: e.currentTarget.value })} />
                    </Field>
                  )}
                  <Button kind="link" onClick={() => setFilters(filters.filter((_, n) => n !== i))} aria-label={`Remove filter ${i + 1}`}>
                    Remove
                  </Button>
                </div>
              );
            })}
          </div>
          <div class="form-actions left">
            <Button kind="primary" type="submit" busy={busy}>
              Run
            </Button>
            <Button onClick={() => setFilters([...filters, { attr: "", type: "S", op: "=", value: "", value2: "" }])}>Add filter</Button>
            <Button
              onClick={() => {
                // Back to a scan of the table itself: a kept index would make the next "table" scan read the index.
                setMode("scan");
                setIndex("");
                setFilters([]);
                setSkOp("");
                setSkValue("");
                setSkValue2("");
                setPkValue("");
                setDescending(false);
              }}
            >
              Reset
            </Button>
          </div>
        </form>
      </Panel>
      <ErrorBox error={error} onClose={() => setError(null)} />
      {flashView}
      <Panel
        title={
          <>
            Items returned {stats && <span class="muted small">({stats.count} returned, {stats.scanned} scanned, {stats.ms} ms)</span>}
          </>
        }
        actions={
          <>
            <Button onClick={refresh}>Refresh</Button>
            <Button onClick={() => selected && setEditing({ mode: "edit", item: selected })} disabled={!selected}>
              Edit item
            </Button>
            <Button onClick={() => selected && setEditing({ mode: "duplicate", item: selected })} disabled={!selected}>
              Duplicate item
            </Button>
            <Button kind="danger" onClick={() => selected && setDeleting(selected)} disabled={!selected}>
              Delete item
            </Button>
            <Button
              kind="primary"
              onClick={() =>
                setEditing({
                  mode: "create",
                  item: Object.fromEntries(tableKeys.map((k) => [k, typeOfAttr(k) === "N" ? { N: "0" } : typeOfAttr(k) === "B" ? { B: new Uint8Array() } : { S: "" }])),
                })
              }
            >
              Create item
            </Button>
          </>
        }
      >
        {items && (
          <Grid
            columns={columns}
            rows={rows}
            label="Items"
            selectable
            onSelect={(sel) => setSelected(sel.length ? (items[sel[0].__row as number] ?? null) : null)}
            onOpen={(row) => setEditing({ mode: "edit", item: items[row.__row as number] })}
          />
        )}
        <div class="pager">
          <Button onClick={() => fetchPage(pages[page - 1], page - 1)} disabled={page === 0 || busy}>
            ‹ Previous page
          </Button>
          <span class="muted">Page {page + 1}</span>
          <Button onClick={() => fetchPage(nextKey, page + 1)} disabled={!nextKey || busy}>
            Next page ›
          </Button>
        </div>
        <p class="muted small">Select a row to edit, duplicate or delete it; double-click a row to edit it.</p>
      </Panel>
      {editing && (
        <ItemEditor
          table={props.name}
          keyNames={tableKeys}
          mode={editing.mode}
          item={editing.item}
          onClose={() => setEditing(null)}
          onSaved={(message) => {
            setEditing(null);
            flash(message);
            refresh();
          }}
        />
      )}
      {deleting && (
        <Confirm
          title="Delete item?"
          word=""
          action="Delete"
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await aws().dynamodb.send(new DeleteItemCommand({ TableName: props.name, Key: keyOfItem(deleting, tableKeys) }));
            flash("The item was deleted.");
            refresh();
          }}
        >
          <p>
            The item with key <code>{JSON.stringify(Object.fromEntries(tableKeys.map((k) => [k, cellOf(deleting[k])])))}</code> is deleted permanently.
          </p>
        </Confirm>
      )}
    </Page>
  );
}
