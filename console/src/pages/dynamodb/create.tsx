// Create a DynamoDB table: keys and their types, capacity mode, optional secondary indexes.
import { CreateTableCommand, type AttributeDefinition, type CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import { useState } from "preact/hooks";
import { aws, errorText } from "../../aws";
import { href, navigate } from "../../router";
import { Button, ErrorBox, Field, Page, Panel, useProblems } from "../../ui/kit";

export interface IndexDraft {
  kind: "global" | "local";
  name: string;
  pk: string;
  pkType: string;
  sk: string;
  skType: string;
  projection: "ALL" | "KEYS_ONLY";
}

export function KeyInput(props: { label: string; id: string; name: string; type: string; onName: (v: string) => void; onType: (v: string) => void; optional?: boolean; error?: string }) {
  return (
    <Field label={props.label} id={props.id} error={props.error} hint={props.optional ? "Optional" : undefined}>
      <div class="key-input">
        <input id={props.id} value={props.name} placeholder="Enter the attribute name" onInput={(e) => props.onName(e.currentTarget.value)} />
        <select aria-label={`${props.label} type`} value={props.type} onChange={(e) => props.onType(e.currentTarget.value)}>
          <option value="S">String</option>
          <option value="N">Number</option>
          <option value="B">Binary</option>
        </select>
      </div>
    </Field>
  );
}

export function CreateTable() {
  const [name, setName] = useState("");
  const [pk, setPk] = useState("");
  const [pkType, setPkType] = useState("S");
  const [sk, setSk] = useState("");
  const [skType, setSkType] = useState("S");
  const [mode, setMode] = useState<"PAY_PER_REQUEST" | "PROVISIONED">("PAY_PER_REQUEST");
  const [rcu, setRcu] = useState("5");
  const [wcu, setWcu] = useState("5");
  const [indexes, setIndexes] = useState<IndexDraft[]>([]);
  const { problems, setProblems, clear } = useProblems<string>();
  // Every change clears that field's error (and the banner): a corrected field never keeps its message.
  const edit = <T,>(setter: (v: T) => void, field: string) => (v: T) => {
    setter(v);
    clear(field);
    setError(null);
  };
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const check = (): Record<string, string> => {
    const p: Record<string, string> = {};
    if (name.length < 3 || name.length > 255 || !/^[a-zA-Z0-9_.-]+$/.test(name))
      p.name = "Table name must be between 3 and 255 characters long, and can contain only letters, numbers, underscores (_), hyphens (-) and periods (.).";
    if (!pk) p.pk = "Partition key name is required.";
    indexes.forEach((ix, i) => {
      if (ix.name.length < 3 || !/^[a-zA-Z0-9_.-]+$/.test(ix.name)) p[`ix${i}`] = "Index name must be at least 3 characters: letters, numbers, _ - or .";
      else if (ix.kind === "global" ? !ix.pk : !ix.sk) p[`ix${i}`] = ix.kind === "global" ? "The index needs a partition key." : "A local index needs a sort key.";
    });
    return p;
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const found = check();
    setProblems(found);
    if (Object.keys(found).length) {
      document.querySelector<HTMLElement>(`#${{ name: "t-name", pk: "t-pk" }[Object.keys(found)[0]] || `ix-name-${Object.keys(found)[0].slice(2)}`}`)?.focus();
      return;
    }
    const attributes = new Map<string, string>();
    const add = (n: string, t: string) => n && attributes.set(n, t);
    add(pk, pkType);
    add(sk, skType);
    const input: CreateTableCommandInput = {
      TableName: name,
      KeySchema: [{ AttributeName: pk, KeyType: "HASH" }, ...(sk ? [{ AttributeName: sk, KeyType: "RANGE" as const }] : [])],
      AttributeDefinitions: [],
      BillingMode: mode,
    };
    const throughput = mode === "PROVISIONED" ? { ReadCapacityUnits: Number(rcu), WriteCapacityUnits: Number(wcu) } : undefined;
    input.ProvisionedThroughput = throughput;
    const gsis = indexes.filter((i) => i.kind === "global");
    const lsis = indexes.filter((i) => i.kind === "local");
    for (const ix of indexes) {
      if (ix.kind === "global") add(ix.pk, ix.pkType);
      add(ix.sk, ix.skType);
    }
    if (gsis.length)
      input.GlobalSecondaryIndexes = gsis.map((ix) => ({
        IndexName: ix.name,
        KeySchema: [{ AttributeName: ix.pk, KeyType: "HASH" }, ...(ix.sk ? [{ AttributeName: ix.sk, KeyType: "RANGE" as const }] : [])],
        Projection: { ProjectionType: ix.projection },
        ProvisionedThroughput: throughput,
      }));
    if (lsis.length)
      input.LocalSecondaryIndexes = lsis.map((ix) => ({
        IndexName: ix.name,
        KeySchema: [
          { AttributeName: pk, KeyType: "HASH" },
          { AttributeName: ix.sk, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: ix.projection },
      }));
    input.AttributeDefinitions = [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType }) as AttributeDefinition);
    setBusy(true);
    setError(null);
    try {
      await aws().dynamodb.send(new CreateTableCommand(input));
      navigate(`/dynamodb/tables/${encodeURIComponent(name)}`);
    } catch (e) {
      // "Table already exists: Music" is about the name: show it there, not at the foot of the form.
      if ((e as { name?: string }).name === "ResourceInUseException") {
        setProblems({ name: errorText(e) });
        document.getElementById("t-name")?.focus();
      } else setError(errorText(e));
      setBusy(false);
    }
  };

  const updateIndex = (i: number, patch: Partial<IndexDraft>) => {
    setIndexes(indexes.map((ix, n) => (n === i ? { ...ix, ...patch } : ix)));
    clear(`ix${i}`);
  };

  return (
    <Page title="Create table" crumbs={[["DynamoDB", href("/dynamodb")]]}>
      <form class="form" onSubmit={submit} noValidate>
        <Panel title="Table details">
          <Field label="Table name" id="t-name" error={problems.name}>
            <input id="t-name" value={name} aria-invalid={problems.name ? "true" : undefined} onInput={(e) => edit(setName, "name")(e.currentTarget.value)} />
          </Field>
          <KeyInput label="Partition key" id="t-pk" name={pk} type={pkType} onName={edit(setPk, "pk")} onType={setPkType} error={problems.pk} />
          <KeyInput label="Sort key" id="t-sk" name={sk} type={skType} onName={setSk} onType={setSkType} optional />
        </Panel>
        <Panel title="Capacity mode">
          <div class="segmented" role="radiogroup" aria-label="Capacity mode">
            <label class={mode === "PAY_PER_REQUEST" ? "selected" : ""}>
              <input type="radio" checked={mode === "PAY_PER_REQUEST"} onChange={() => setMode("PAY_PER_REQUEST")} /> On-demand
            </label>
            <label class={mode === "PROVISIONED" ? "selected" : ""}>
              <input type="radio" checked={mode === "PROVISIONED"} onChange={() => setMode("PROVISIONED")} /> Provisioned
            </label>
          </div>
          {mode === "PROVISIONED" && (
            <div class="row">
              <Field label="Read capacity units" id="t-rcu">
                <input id="t-rcu" type="number" min={1} value={rcu} onInput={(e) => setRcu(e.currentTarget.value)} />
              </Field>
              <Field label="Write capacity units" id="t-wcu">
                <input id="t-wcu" type="number" min={1} value={wcu} onInput={(e) => setWcu(e.currentTarget.value)} />
              </Field>
            </div>
          )}
        </Panel>
        <Panel
          title="Secondary indexes"
          actions={
            <>
              <Button onClick={() => setIndexes([...indexes, { kind: "global", name: "", pk: "", pkType: "S", sk: "", skType: "S", projection: "ALL" }])}>
                Add global index
              </Button>
              <Button onClick={() => setIndexes([...indexes, { kind: "local", name: "", pk: "", pkType: "S", sk: "", skType: "S", projection: "ALL" }])}>
                Add local index
              </Button>
            </>
          }
        >
          {indexes.length === 0 && <p class="muted">No secondary indexes. You can add global indexes later too.</p>}
          {indexes.map((ix, i) => (
            <div class="index-draft" key={i}>
              <div class="index-draft-head">
                <strong>{ix.kind === "global" ? "Global" : "Local"} secondary index</strong>
                <Button kind="link" onClick={() => setIndexes(indexes.filter((_, n) => n !== i))}>
                  Remove
                </Button>
              </div>
              <Field label="Index name" id={`ix-name-${i}`} error={problems[`ix${i}`]}>
                <input id={`ix-name-${i}`} value={ix.name} onInput={(e) => updateIndex(i, { name: e.currentTarget.value })} />
              </Field>
              {ix.kind === "global" && (
                <KeyInput label="Index partition key" id={`ix-pk-${i}`} name={ix.pk} type={ix.pkType} onName={(v) => updateIndex(i, { pk: v })} onType={(v) => updateIndex(i, { pkType: v })} />
              )}
              <KeyInput label="Index sort key" id={`ix-sk-${i}`} name={ix.sk} type={ix.skType} onName={(v) => updateIndex(i, { sk: v })} onType={(v) => updateIndex(i, { skType: v })} optional={ix.kind === "global"} />
              <Field label="Projected attributes" id={`ix-proj-${i}`}>
                <select id={`ix-proj-${i}`} value={ix.projection} onChange={(e) => updateIndex(i, { projection: e.currentTarget.value as "ALL" })}>
                  <option value="ALL">All</option>
                  <option value="KEYS_ONLY">Only keys</option>
                </select>
              </Field>
            </div>
          ))}
        </Panel>
        <ErrorBox error={error} onClose={() => setError(null)} />
        <div class="form-actions">
          <a class="btn btn-normal" href={href("/dynamodb")}>
            Cancel
          </a>
          <Button kind="primary" type="submit" busy={busy}>
            Create table
          </Button>
        </div>
      </form>
    </Page>
  );
}
