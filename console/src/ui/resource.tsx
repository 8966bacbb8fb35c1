// What every resource's detail page shares (an RDS instance, a cache cluster, a replication group, a
// serverless cache): the resource loaded and polled until its status settles, the page told when it was
// deleted under it, and its recent events.
import { useEffect, useState } from "preact/hooks";
import { errorText } from "../aws";
import { Button, ErrorBox, Panel, formatDate, useLoad, usePoll } from "./kit";

export interface ResourceSpec<T> {
  /** The resource, or null when the API lists none of that name. */
  fetch: () => Promise<T | null>;
  /** The error code the API answers once it is gone ("DBInstanceNotFoundFault"). */
  notFound: string;
  status: (item: T) => string;
  /** Statuses after which nothing changes by itself: polling stops there. */
  settled: Set<string>;
  text?: (error: unknown) => string;
}

export function useResource<T>(spec: ResourceSpec<T>, deps: unknown[]) {
  const [item, setItem] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [gone, setGone] = useState(false);
  const load = async () => {
    try {
      setItem(await spec.fetch());
      setError(null);
    } catch (e) {
      if ((e as { name?: string }).name === spec.notFound && item) setGone(true);
      setError((spec.text || errorText)(e));
    }
  };
  useEffect(() => {
    load();
  }, deps);
  const status = item ? spec.status(item) : "";
  usePoll(load, 1500, !!item && !spec.settled.has(status) && !gone, deps);
  return { item, error: gone ? null : error, gone, load, status };
}

export interface ResourceEvent {
  Date?: Date;
  Message?: string;
}

/** The "Recent events" panel: newest first, reloaded when `deps` change (the resource's status). */
export function EventsPanel(props: { fetch: () => Promise<ResourceEvent[]>; deps: unknown[] }) {
  const { data, error, reload } = useLoad(props.fetch, props.deps);
  const list = [...(data || [])].reverse();
  return (
    <Panel title="Recent events" actions={<Button onClick={reload}>Refresh</Button>}>
      <ErrorBox error={error} />
      <table class="table" aria-label="Events">
        <thead>
          <tr>
            <th>Time</th>
            <th>Message</th>
          </tr>
        </thead>
        <tbody>
          {list.map((e, i) => (
            <tr key={i}>
              <td class="nowrap">{formatDate(e.Date)}</td>
              <td>{e.Message}</td>
            </tr>
          ))}
          {list.length === 0 && (
            <tr>
              <td colSpan={2} class="muted">
                No events in the last 14 days.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </Panel>
  );
}
