// Small building blocks every page uses, so the console looks and behaves the same everywhere.
import type { ComponentChildren, JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { errorText } from "../aws";

export function Page(props: { title: string; actions?: ComponentChildren; crumbs?: [string, string][]; children: ComponentChildren }) {
  useEffect(() => {
    document.title = `${props.title} · Fogbank console`;
  }, [props.title]);
  return (
    <section class="page">
      {props.crumbs && (
        <nav class="crumbs" aria-label="Breadcrumbs">
          {/* Each crumb leads to the next; the last one is this page, so no separator dangles at the end. */}
          {props.crumbs.map(([label, to]) => (
            <span key={to}>
              <a href={to}>{label}</a>
              <span class="crumb-sep" aria-hidden="true">
                ›
              </span>
            </span>
          ))}
          <span aria-current="page">{props.title}</span>
        </nav>
      )}
      <header class="page-head">
        <h1>{props.title}</h1>
        <div class="actions">{props.actions}</div>
      </header>
      {props.children}
    </section>
  );
}

export function Panel(props: { title?: ComponentChildren; actions?: ComponentChildren; children: ComponentChildren; class?: string }) {
  return (
    <div class={`panel ${props.class || ""}`}>
      {(props.title || props.actions) && (
        <div class="panel-head">
          <h2>{props.title}</h2>
          <div class="actions">{props.actions}</div>
        </div>
      )}
      <div class="panel-body">{props.children}</div>
    </div>
  );
}

type ButtonProps = JSX.HTMLAttributes<HTMLButtonElement> & { kind?: "primary" | "danger" | "normal" | "link"; busy?: boolean; type?: string; disabled?: boolean };

export function Button({ kind = "normal", busy, children, ...rest }: ButtonProps) {
  return (
    <button type="button" {...(rest as JSX.HTMLAttributes<HTMLButtonElement>)} class={`btn btn-${kind} ${rest.class || ""}`} disabled={rest.disabled || busy}>
      {busy && <Spinner />}
      {children}
    </button>
  );
}

export function LinkButton(props: { href: string; kind?: "primary" | "normal"; children: ComponentChildren }) {
  return (
    <a class={`btn btn-${props.kind || "normal"}`} href={props.href}>
      {props.children}
    </a>
  );
}

export function Spinner() {
  return <span class="spinner" aria-hidden="true" />;
}

export function ErrorBox(props: { error?: string | null; onClose?: () => void }) {
  if (!props.error) return null;
  return (
    <div class="alert alert-error" role="alert">
      <span class="alert-text">{props.error}</span>
      {props.onClose && (
        <button type="button" class="alert-close" aria-label="Dismiss" onClick={props.onClose}>
          ×
        </button>
      )}
    </div>
  );
}

export function Notice(props: { kind?: "info" | "success" | "warning"; children: ComponentChildren }) {
  return (
    <div class={`alert alert-${props.kind || "info"}`} role="status">
      {props.children}
    </div>
  );
}

export function Field(props: { label: string; hint?: ComponentChildren; error?: string | null; children: ComponentChildren; id?: string }) {
  return (
    <div class={`field ${props.error ? "field-invalid" : ""}`}>
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.error ? <div class="field-error">{props.error}</div> : props.hint ? <div class="field-hint">{props.hint}</div> : null}
    </div>
  );
}

const STATUS_CLASS: Record<string, string> = {
  available: "ok", active: "ok", running: "ok", stopped: "off", deleted: "off",
  creating: "busy", updating: "busy", modifying: "busy", "backing-up": "busy", rebooting: "busy",
  starting: "busy", stopping: "busy", deleting: "busy", "configuring-enhanced-monitoring": "busy",
  "resetting-master-credentials": "busy", renaming: "busy", backfilling: "busy", "upgrading": "busy",
  failed: "bad", "incompatible-parameters": "bad", "storage-full": "bad", "not implemented": "off",
};

/** A row of radio cards (an engine, a deployment): one of `options` ([value, label]) is chosen. */
export function Choices<V extends string>(props: { label: string; name: string; options: [V, string][]; value: V; onChange: (value: V) => void }) {
  return (
    <div class="engine-choices" role="radiogroup" aria-label={props.label}>
      {props.options.map(([value, label]) => (
        <label key={value} class={`engine-choice ${props.value === value ? "selected" : ""}`}>
          <input type="radio" name={props.name} value={value} checked={props.value === value} onChange={() => props.onChange(value)} />
          {label}
        </label>
      ))}
    </div>
  );
}

/** A text input in a `Field` with its error (marked `aria-invalid`) or hint: the forms' one input. */
export function TextField(props: {
  id: string;
  label: string;
  value: string;
  error?: string | null;
  hint?: ComponentChildren;
  onInput: (value: string) => void;
  attrs?: Record<string, unknown>;
}) {
  return (
    <Field label={props.label} id={props.id} error={props.error} hint={props.hint}>
      <input id={props.id} value={props.value} onInput={(e) => props.onInput(e.currentTarget.value)} aria-invalid={props.error ? "true" : undefined} {...props.attrs} />
    </Field>
  );
}

export function Status(props: { value?: string }) {
  const value = (props.value || "unknown").toLowerCase();
  const cls = STATUS_CLASS[value] || "busy";
  // Sentence case ("Not implemented", "Backing-up"), as the AWS console writes statuses.
  return (
    <span class={`status status-${cls}`}>
      {cls === "busy" ? <Spinner /> : <span class="dot" />}
      {value.charAt(0).toUpperCase() + value.slice(1)}
    </span>
  );
}

/** "1 day", "2 days". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

export function Copy(props: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text);
    } catch {
      // Clipboard access needs a secure context; select the text for a manual copy instead.
      const area = document.createElement("textarea");
      area.value = props.text;
      document.body.appendChild(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    setDone(true);
    setTimeout(() => setDone(false), 1500);
  };
  return (
    <button type="button" class="btn btn-small" onClick={copy} aria-label={props.label || "Copy"}>
      {done ? "Copied" : "Copy"}
    </button>
  );
}

export function CodeBlock(props: { text: string; label: string }) {
  return (
    <div class="codeblock">
      <div class="codeblock-head">
        <span>{props.label}</span>
        <Copy text={props.text} label={`Copy ${props.label}`} />
      </div>
      <pre>{props.text}</pre>
    </div>
  );
}

// Identifiers that are one long token: they get a whole row, so they never break mid-word.
const WIDE_KEYS = /(ARN|Resource ID)$/;

export function KeyValues(props: { items: [string, ComponentChildren][] }) {
  return (
    <dl class="kv">
      {props.items.map(([k, v]) => (
        <div key={k} class={WIDE_KEYS.test(k) ? "kv-item wide" : "kv-item"}>
          <dt>{k}</dt>
          <dd>{v === undefined || v === null || v === "" ? "–" : v}</dd>
        </div>
      ))}
    </dl>
  );
}

export function Tabs(props: { tabs: string[]; active: string; onChange: (tab: string) => void }) {
  return (
    <div class="tabs" role="tablist">
      {props.tabs.map((tab) => (
        <button
          type="button"
          role="tab"
          key={tab}
          aria-selected={tab === props.active}
          class={tab === props.active ? "tab active" : "tab"}
          onClick={() => props.onChange(tab)}
        >
          {tab}
        </button>
      ))}
    </div>
  );
}

/** A modal dialog: Escape or the close button dismisses it, focus goes to its first field. */
export function Modal(props: { title: string; onClose: () => void; children: ComponentChildren; footer?: ComponentChildren; wide?: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>("input, textarea, select, .cm-content, button.btn-primary");
    first?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") props.onClose();
    };
    window.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("keydown", onKey);
      previous?.focus?.();
    };
  }, []);
  return (
    <div class="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && props.onClose()}>
      <div class={`modal ${props.wide ? "modal-wide" : ""}`} role="dialog" aria-modal="true" aria-label={props.title} ref={ref}>
        <div class="modal-head">
          <h2>{props.title}</h2>
          <button type="button" class="alert-close" aria-label="Close" onClick={props.onClose}>
            ×
          </button>
        </div>
        <div class="modal-body">{props.children}</div>
        {props.footer && <div class="modal-foot">{props.footer}</div>}
      </div>
    </div>
  );
}

/**
 * A form's field errors: `check` replaces them all (on submit), `clear(field)` drops one as soon as
 * that field changes, so a corrected field never keeps its old message.
 */
export function useProblems<K extends string>() {
  const [problems, setProblems] = useState<Partial<Record<K, string>>>({});
  const clear = (field: K) => setProblems((p) => {
    if (!(field in p)) return p;
    const next = { ...p };
    delete next[field];
    return next;
  });
  return { problems, setProblems, clear };
}

/**
 * Something loaded from the API when the page opens (and again on `reload` or when `deps` change):
 * the one place pages turn a failed call into the error they show.
 */
export function useLoad<T>(fetch: () => Promise<T>, deps: unknown[] = []) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = async () => {
    try {
      setData(await fetch());
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  };
  useEffect(() => {
    reload();
  }, deps);
  return { data, error, setError, reload, setData };
}

/** Run an action, returning its error text instead of throwing (for buttons outside a form). */
export async function attempt(action: () => Promise<unknown>, onError: (text: string | null) => void): Promise<boolean> {
  try {
    await action();
    onError(null);
    return true;
  } catch (e) {
    onError(errorText(e));
    return false;
  }
}

/** A success notice that goes away by itself after a few seconds (or when dismissed). */
export function useFlash() {
  const [message, setMessage] = useState<string | null>(null);
  useEffect(() => {
    if (!message) return;
    const timer = window.setTimeout(() => setMessage(null), 6000);
    return () => window.clearTimeout(timer);
  }, [message]);
  const view = message ? (
    <div class="alert alert-success" role="status">
      <span class="alert-text">{message}</span>
      <button type="button" class="alert-close" aria-label="Dismiss" onClick={() => setMessage(null)}>
        ×
      </button>
    </div>
  ) : null;
  return { flash: setMessage, view };
}

/** The submit cycle of a form: busy while `action` runs; if it fails, its error is kept for display and the form is usable again. */
export function useSubmit(action: () => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(errorText(e));
    }
    setBusy(false); // also when the action only found problems in the fields and kept the form open
  };
  return { busy, error, submit };
}

/**
 * A dialog holding one form: Cancel plus one button that submits it (so does Enter), spinning while `onSubmit` runs.
 * A failure is shown under the fields. `onSubmit` closes or navigates away itself when it succeeds.
 */
export function FormModal(props: {
  title: string;
  action: ComponentChildren;
  onSubmit: () => Promise<void>;
  onClose: () => void;
  kind?: "primary" | "danger";
  ready?: boolean;
  class?: string;
  children: ComponentChildren;
}) {
  const { busy, error, submit } = useSubmit(props.onSubmit);
  const ready = props.ready !== false;
  const onSubmit = (event?: Event) => {
    event?.preventDefault();
    if (ready) submit();
  };
  return (
    <Modal
      title={props.title}
      onClose={props.onClose}
      footer={
        <>
          <Button onClick={props.onClose}>Cancel</Button>
          <Button kind={props.kind || "primary"} busy={busy} disabled={!ready} onClick={() => onSubmit()}>
            {props.action}
          </Button>
        </>
      }
    >
      <form onSubmit={onSubmit} class={props.class}>
        {props.children}
        <ErrorBox error={error} />
        {/* Enter submits even a form with several fields. */}
        <button type="submit" hidden />
      </form>
    </Modal>
  );
}

/** Confirmation the AWS console asks for before destroying things: type a word to enable the button. */
export function Confirm(props: {
  title: string;
  word: string;
  action: string;
  onConfirm: () => Promise<void>;
  onClose: () => void;
  children?: ComponentChildren;
}) {
  const [typed, setTyped] = useState("");
  return (
    <FormModal
      title={props.title}
      action={props.action}
      kind="danger"
      ready={!props.word || typed === props.word}
      onClose={props.onClose}
      onSubmit={async () => {
        await props.onConfirm();
        props.onClose();
      }}
    >
      {props.children}
      {props.word && (
        <Field label={`To confirm, type "${props.word}"`} id="confirm-word">
          <input id="confirm-word" value={typed} onInput={(e) => setTyped(e.currentTarget.value)} autoComplete="off" />
        </Field>
      )}
    </FormModal>
  );
}

export function Empty(props: { children: ComponentChildren }) {
  return <div class="empty">{props.children}</div>;
}

/**
 * A page listing one kind of resource: Refresh and Create actions, the load error, and while the list is empty an
 * offer to create the first one. `children` (the table) shows once there are `count` > 0 resources.
 */
export function ListPage(props: {
  title: string;
  create: string;
  createHref: string;
  empty: string;
  error: string | null;
  count?: number;
  onRefresh: () => void;
  children: ComponentChildren;
}) {
  return (
    <Page
      title={props.title}
      actions={
        <>
          <Button onClick={props.onRefresh}>Refresh</Button>
          <LinkButton kind="primary" href={props.createHref}>
            {props.create}
          </LinkButton>
        </>
      }
    >
      <ErrorBox error={props.error} />
      {props.count === 0 && (
        <Empty>
          {props.empty} <a href={props.createHref}>{props.create}</a>
        </Empty>
      )}
      {!!props.count && props.children}
    </Page>
  );
}

export function formatBytes(bytes?: number): string {
  if (bytes === undefined || bytes === null) return "–";
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatDate(value?: Date | string | number): string {
  if (!value) return "–";
  const d = value instanceof Date ? value : new Date(value);
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

/** A list loaded on mount and reloaded every 2 s while any item is still `changing`; `load` refreshes it on demand. */
export function useLiveList<T>(fetch: () => Promise<T[]>, changing: (item: T) => boolean) {
  const { data: items, error, reload: load } = useLoad(fetch);
  usePoll(load, 2000, (items || []).some(changing));
  return { items, error, load };
}

/** Run fn now and every ms while the component lives and `active` stays true. */
export function usePoll(fn: () => Promise<unknown> | void, ms: number, active: boolean, deps: unknown[] = []) {
  useEffect(() => {
    if (!active) return;
    let stopped = false;
    let timer: number | undefined;
    const tick = async () => {
      try {
        await fn();
      } finally {
        if (!stopped) timer = window.setTimeout(tick, ms);
      }
    };
    timer = window.setTimeout(tick, ms);
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [active, ...deps]);
}
