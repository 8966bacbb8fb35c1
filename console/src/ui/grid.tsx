// The data grid (Tabulator): sortable, resizable columns, row selection, keyboard-scrollable.
import { useEffect, useRef, useState } from "preact/hooks";
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
  // Overlay scrollbars (and headless browsers) show no bar until one scrolls: when the columns
  // are wider than the card, say so and offer buttons that scroll sideways.
  const [overflow, setOverflow] = useState({ left: false, right: false });
  const holder = () => host.current?.querySelector<HTMLElement>(".tabulator-tableholder") || null;
  const measure = () => {
    const h = holder();
    if (!h) return;
    const next = { left: h.scrollLeft > 0, right: h.scrollLeft + h.clientWidth < h.scrollWidth - 1 };
    setOverflow((o) => (o.left === next.left && o.right === next.right ? o : next));
  };
  const scrollBy = (direction: number) => {
    const h = holder();
    h?.scrollBy({ left: direction * h.clientWidth * 0.8 });
  };

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
    grid.on("renderComplete", measure);
    grid.on("tableBuilt", () => {
      holder()?.addEventListener("scroll", measure, { passive: true });
      measure();
    });
    window.addEventListener("resize", measure);
    table.current = grid;
    return () => {
      window.removeEventListener("resize", measure);
      grid.destroy();
      table.current = null;
    };
  }, [JSON.stringify(props.columns), props.rows]);

  return (
    <>
      <div class="grid" ref={host} role="grid" aria-label={props.label} data-rows={props.rows.length} />
      {(overflow.left || overflow.right) && (
        <div class="grid-scroll">
          <span class="muted small">Wider than the page: more columns {overflow.right ? "to the right" : "to the left"}.</span>
          <button type="button" class="btn btn-small" aria-label={`Scroll ${props.label} left`} disabled={!overflow.left} onClick={() => scrollBy(-1)}>
            ‹ Columns
          </button>
          <button type="button" class="btn btn-small" aria-label={`Scroll ${props.label} right`} disabled={!overflow.right} onClick={() => scrollBy(1)}>
            Columns ›
          </button>
        </div>
      )}
    </>
  );
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
