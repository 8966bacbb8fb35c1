// Hash routes (#/rds/instances/db1): the whole console is one static page under /console.
import { signal } from "@preact/signals";

function current(): string {
  return window.location.hash.replace(/^#/, "") || "/";
}

export const route = signal<string>(current());
window.addEventListener("hashchange", () => {
  route.value = current();
});

export function navigate(path: string): void {
  window.location.hash = path;
}

export function href(path: string): string {
  return `#${path}`;
}

/** Match "/rds/instances/:id" against the current path; params are URI-decoded. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split("/");
  const [pathOnly] = path.split("?");
  const s = pathOnly.split("/");
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(":")) params[p[i].slice(1)] = decodeURIComponent(s[i]);
    else if (p[i] !== s[i]) return null;
  }
  return params;
}

export function query(path: string): URLSearchParams {
  return new URLSearchParams(path.split("?")[1] || "");
}
