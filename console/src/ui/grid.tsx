// The data grid (Tabulator): sortable, resizable columns, row selection, keyboard-scrollable.
import { useEffect, useRef } from "preact/hooks";
import { TabulatorFull as Tabulator } from "tabulator-tables";
import "tabulator-tables/dist/css/tabulator_simple.min.css";

export interface GridColumn {
  field: string;
  title: string;
  subtitle?: string;
}

export function Grid(props: {
  columns: GridColumn[];
  rows: Record<string, unknown>[];
  label: string;
  selectable?: boolean;
  onSelect?: (rows: Record<string, unknown>[]) => void;
  onOpen?: (row: Record<string, unknown>) => void;
  height?: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const table = useRef<Tabulator | null>(null);
  const handlers = useRef(props);
  handlers.current = props;

  useEffect(() => {
    if (!host.current) return;
    const grid = new Tabulator(host.current, {
      data: props.rows,
      columns: props.columns.map((c) => ({
        title: c.subtitle ? `${c.title} <span class="coltype">${c.subtitle}</span>` : c.title,
        titleFormatter: "html",
        field: c.field,
        headerSort: true,
        formatter: (cell) => renderCell(cell.getValue()),
        resizable: true,
        minWidth: 80,
        maxInitialWidth: 360,
      })),
      layout: "fitDataStretch",
      height: props.height || undefined,
      maxHeight: props.height ? undefined : "520px",
      selectableRows: props.selectable ? 1 : false,
      placeholder: "No rows",
      nestedFieldSeparator: false,
      index: "__row",
    });
    grid.on("rowSelectionChanged", (data: Record<string, unknown>[]) => handlers.current.onSelect?.(data));
    grid.on("rowDblClick", (_e, row) => handlers.current.onOpen?.(row.getData()));
    table.current = grid;
    return () => {
      grid.destroy();
      table.current = null;
    };
  }, [JSON.stringify(props.columns), props.rows]);

  return <div class="grid" ref={host} role="grid" aria-label={props.label} data-rows={props.rows.length} />;
}

function escape(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] as string);
}

function renderCell(value: unknown): string {
  if (value === undefined) return "";
  if (value === null) return '<span class="null">NULL</span>';
  if (typeof value === "object") return escape(JSON.stringify(value));
  return escape(String(value));
}
