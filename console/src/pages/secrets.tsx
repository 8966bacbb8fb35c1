// Secrets Manager: the secrets of this region (the query editor keeps database credentials here):
// store a new one, retrieve a value, delete.
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  paginateListSecrets,
  type SecretListEntry,
} from "@aws-sdk/client-secrets-manager";
import { useState } from "preact/hooks";
import { aws, collect } from "../aws";
import { Button, Confirm, Empty, ErrorBox, Field, FormModal, Page, attempt, formatDate, useFlash, useLoad, useProblems } from "../ui/kit";

/** A secret's text as the AWS console shows it: a JSON object pretty-printed, key by key. */
function display(value: string): string {
  try {
    const parsed = JSON.parse(value);
    if (parsed && typeof parsed === "object") return JSON.stringify(parsed, null, 2);
  } catch {
    // Plain text secrets show as they are.
  }
  return value;
}

export function SecretsPage() {
  const { data: secrets, error, setError, reload } = useLoad(() => collect(paginateListSecrets({ client: aws().secrets }, {}), (p) => p.SecretList));
  const [values, setValues] = useState<Record<string, string>>({});
  const [deleting, setDeleting] = useState<SecretListEntry | null>(null);
  const [storing, setStoring] = useState(false);
  const { flash, view: flashView } = useFlash();
  const reveal = (s: SecretListEntry) =>
    attempt(async () => {
      const r = await aws().secrets.send(new GetSecretValueCommand({ SecretId: s.ARN }));
      setValues((v) => ({ ...v, [s.ARN as string]: r.SecretString ?? "(binary secret)" }));
    }, setError);
  return (
    <Page
      title="Secrets"
      actions={
        <>
          <Button onClick={reload}>Refresh</Button>
          <Button kind="primary" onClick={() => setStoring(true)}>
            Store a new secret
          </Button>
        </>
      }
    >
      <ErrorBox error={error} onClose={() => setError(null)} />
      {flashView}
      {secrets && secrets.length === 0 && <Empty>No secrets in this region.</Empty>}
      {secrets && secrets.length > 0 && (
        <table class="table" aria-label="Secrets">
          <thead>
            <tr>
              <th>Name</th>
              <th>Description</th>
              <th>Last changed</th>
              <th>Value</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {secrets.map((s) => (
              <tr key={s.ARN}>
                <td>
                  <div>{s.Name}</div>
                  <div class="mono small muted">{s.ARN}</div>
                </td>
                <td>{s.Description}</td>
                <td class="nowrap">{formatDate(s.LastChangedDate)}</td>
                <td>
                  {values[s.ARN as string] !== undefined ? (
                    <pre class="secret-value" aria-label={`Value of ${s.Name}`}>
                      {display(values[s.ARN as string])}
                    </pre>
                  ) : (
                    <Button kind="link" onClick={() => reveal(s)}>
                      Retrieve secret value
                    </Button>
                  )}
                </td>
                <td>
                  <Button kind="danger" onClick={() => setDeleting(s)}>
                    Delete
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {storing && (
        <StoreSecret
          onClose={() => setStoring(false)}
          onStored={(name) => {
            setStoring(false);
            flash(`The secret ${name} was stored.`);
            reload();
          }}
        />
      )}
      {deleting && (
        <Confirm
          title={`Delete secret ${deleting.Name}?`}
          word=""
          action="Delete now"
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await aws().secrets.send(new DeleteSecretCommand({ SecretId: deleting.ARN, ForceDeleteWithoutRecovery: true }));
            await reload();
          }}
        >
          <p>The secret is deleted immediately, without a recovery window.</p>
        </Confirm>
      )}
    </Page>
  );
}

type Pair = { key: string; value: string };

/** "Store a new secret": key/value pairs (stored as a JSON object, as the AWS console does) or plaintext. */
function StoreSecret(props: { onClose: () => void; onStored: (name: string) => void }) {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [kind, setKind] = useState<"pairs" | "plaintext">("pairs");
  const [pairs, setPairs] = useState<Pair[]>([{ key: "", value: "" }]);
  const [plaintext, setPlaintext] = useState("");
  const { problems, setProblems, clear } = useProblems<"name" | "value">();
  const setPair = (i: number, patch: Partial<Pair>) => {
    setPairs(pairs.map((p, n) => (n === i ? { ...p, ...patch } : p)));
    clear("value");
  };
  return (
    <FormModal
      title="Store a new secret"
      action="Store"
      class="form"
      onClose={props.onClose}
      onSubmit={async () => {
        const filled = pairs.filter((p) => p.key || p.value);
        const found = {
          // The name rule of CreateSecret: 1 to 512 of letters, digits and /_+=.@-
          name: !/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(name) ? "The secret name must contain only alphanumeric characters and the characters /_+=.@-" : undefined,
          value:
            kind === "pairs"
              ? !filled.length
                ? "Enter at least one key/value pair."
                : filled.some((p) => !p.key)
                  ? "Every value needs a key."
                  : new Set(filled.map((p) => p.key)).size !== filled.length
                    ? "Each key can appear once."
                    : undefined
              : !plaintext
                ? "Enter the secret value."
                : undefined,
        };
        const problemsFound = Object.fromEntries(Object.entries(found).filter(([, v]) => v));
        setProblems(problemsFound);
        if (Object.keys(problemsFound).length) return;
        const SecretString = kind === "pairs" ? JSON.stringify(Object.fromEntries(filled.map((p) => [p.key, p.value]))) : plaintext;
        await aws().secrets.send(new CreateSecretCommand({ Name: name, Description: description || undefined, SecretString }));
        props.onStored(name);
      }}
    >
      <Field label="Secret name" id="s-name" error={problems.name}>
        <input id="s-name" value={name} onInput={(e) => { setName(e.currentTarget.value); clear("name"); }} autoComplete="off" />
      </Field>
      <Field label="Description" id="s-desc" hint="Optional">
        <input id="s-desc" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      </Field>
      <div class="segmented" role="radiogroup" aria-label="Secret value">
        <label class={kind === "pairs" ? "selected" : ""}>
          <input type="radio" checked={kind === "pairs"} onChange={() => { setKind("pairs"); clear("value"); }} /> Key/value
        </label>
        <label class={kind === "plaintext" ? "selected" : ""}>
          <input type="radio" checked={kind === "plaintext"} onChange={() => { setKind("plaintext"); clear("value"); }} /> Plaintext
        </label>
      </div>
      <div class={problems.value ? "field field-invalid" : "field"}>
        {kind === "pairs" ? (
          <>
            {pairs.map((p, i) => (
              <div class="attr-row" key={i}>
                <input aria-label={`Key ${i + 1}`} placeholder="key" value={p.key} onInput={(e) => setPair(i, { key: e.currentTarget.value })} />
                <input aria-label={`Value ${i + 1}`} placeholder="value" value={p.value} onInput={(e) => setPair(i, { value: e.currentTarget.value })} class="attr-value" />
                <Button kind="link" onClick={() => setPairs(pairs.filter((_, n) => n !== i))} aria-label={`Remove pair ${i + 1}`}>
                  Remove
                </Button>
              </div>
            ))}
            <Button kind="link" onClick={() => setPairs([...pairs, { key: "", value: "" }])}>
              Add row
            </Button>
          </>
        ) : (
          <textarea aria-label="Plaintext value" rows={5} value={plaintext} onInput={(e) => { setPlaintext(e.currentTarget.value); clear("value"); }} />
        )}
        {problems.value && <div class="field-error">{problems.value}</div>}
      </div>
    </FormModal>
  );
}
