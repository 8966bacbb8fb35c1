// One statement's outcome: a grid of rows with column types, or the rows affected, or the error.
import type { ColumnMetadata, Field } from "@aws-sdk/client-rds-data";
import { useMemo } from "preact/hooks";
import { Grid } from "../../ui/grid";

export interface StatementResult {
  sql: string;
  ms: number;
  error?: string;
  skipped?: boolean; // not run: an earlier statement failed
  columns?: ColumnMetadata[];
  records?: Field[][];
  updated?: number;
}

export function fieldValue(field: Field): unknown {
  if (field.isNull) return null;
  if (field.stringValue !== undefined) return field.stringValue;
  if (field.longValue !== undefined) return field.longValue;
  if (field.doubleValue !== undefined) return field.doubleValue;
  if (field.booleanValue !== undefined) return field.booleanValue;
  if (field.blobValue !== undefined) return `0x${[...field.blobValue].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
  if (field.arrayValue !== undefined) return field.arrayValue;
  return null;
}

export function ResultView(props: { result: StatementResult; index: number }) {
  const r = props.result;
  const summary = r.skipped
    ? "Skipped: an earlier statement failed"
    : r.error
    ? "Failed"
    : r.columns
      ? `${r.records?.length ?? 0} row${r.records?.length === 1 ? "" : "s"} returned`
      : `${r.updated ?? 0} row${r.updated === 1 ? "" : "s"} affected`;
  // Built once per result: a new array would make the grid rebuild on every keystroke above it.
  const columns = useMemo(
    () => (r.columns || []).map((c, i) => ({ field: `c${i}`, title: c.name || c.label || `column ${i + 1}`, subtitle: c.typeName })),
    [r],
  );
  const rows = useMemo(
    () =>
      (r.records || []).map((record, n) => {
        const row: Record<string, unknown> = { __row: n };
        record.forEach((f, i) => (row[`c${i}`] = fieldValue(f)));
        return row;
      }),
    [r],
  );
  return (
    <div class={`result ${r.error ? "result-error" : ""} ${r.skipped ? "result-skipped" : ""}`} data-testid="statement-result">
      <div class="result-head">
        <span class="result-index">#{props.index + 1}</span>
        <code class="result-sql" title={r.sql}>
          {r.sql.length > 140 ? r.sql.slice(0, 140) + "…" : r.sql}
        </code>
        <span class={`result-summary ${r.error ? "bad" : r.skipped ? "muted" : "ok"}`}>{summary}</span>
        {!r.skipped && <span class="muted">{r.ms} ms</span>}
      </div>
      {r.error && (
        <pre class="result-message" role="alert">
          {r.error}
        </pre>
      )}
      {r.columns && <Grid columns={columns} rows={rows} label={`Result ${props.index + 1}`} />}
    </div>
  );
}
