// One DynamoDB table: keys, status, indexes (with backfill progress), item count and size, delete.
import { DeleteTableCommand, DescribeTableCommand, UpdateTableCommand, type TableDescription } from "@aws-sdk/client-dynamodb";
import { useEffect, useState } from "preact/hooks";
import { aws, errorText } from "../../aws";
import { href, navigate } from "../../router";
import { Button, Confirm, ErrorBox, Field, FormModal, KeyValues, LinkButton, Page, Panel, Status, formatBytes, formatDate, usePoll } from "../../ui/kit";
import { KeyInput } from "./create";
import { capacityMode, keyOf } from "./tables";

export function TableDetail(props: { name: string }) {
  const [table, setTable] = useState<TableDescription | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [adding, setAdding] = useState(false);
  const [dropping, setDropping] = useState<string | null>(null);
  const load = async () => {
    try {
      const r = await aws().dynamodb.send(new DescribeTableCommand({ TableName: props.name }));
      setTable(r.Table || null);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  };
  useEffect(() => {
    load();
  }, [props.name]);
  const busy = !!table && (table.TableStatus !== "ACTIVE" || !!table.GlobalSecondaryIndexes?.some((g) => g.IndexStatus !== "ACTIVE"));
  usePoll(load, 1500, busy, [props.name]);

  const indexes = [
    ...(table?.GlobalSecondaryIndexes || []).map((g) => ({ kind: "Global", ...g })),
    ...(table?.LocalSecondaryIndexes || []).map((l) => ({ kind: "Local", IndexStatus: "ACTIVE", Backfilling: false, ...l })),
  ];
  const keyText = (schema?: { AttributeName?: string; KeyType?: string }[]) =>
    (schema || []).map((k) => `${k.AttributeName} (${k.KeyType === "HASH" ? "partition" : "sort"})`).join(", ");

  return (
    <Page
      title={props.name}
      crumbs={[["DynamoDB", href("/dynamodb")]]}
      actions={
        table && (
          <>
            <LinkButton kind="primary" href={href(`/dynamodb/tables/${encodeURIComponent(props.name)}/items`)}>
              Explore table items
            </LinkButton>
            <Button kind="danger" onClick={() => setDeleting(true)} disabled={table.TableStatus === "DELETING"}>
              Delete table
            </Button>
          </>
        )
      }
    >
      <ErrorBox error={error} />
      {table && (
        <>
          <Panel title="General information">
            <KeyValues
              items={[
                ["Status", <Status value={table.TableStatus} />],
                ["Partition key", keyOf(table, "HASH")],
                ["Sort key", keyOf(table, "RANGE")],
                ["Capacity mode", capacityMode(table)],
                ["Item count", String(table.ItemCount ?? 0)],
                ["Table size", formatBytes(table.TableSizeBytes)],
                ["Created", formatDate(table.CreationDateTime)],
                ["Deletion protection", table.DeletionProtectionEnabled ? "On" : "Off"],
                ["ARN", <span class="mono small">{table.TableArn}</span>],
              ]}
            />
            <p class="muted small">DynamoDB updates the item count and size about every six hours; Fogbank reports them as they are now.</p>
          </Panel>
          <Panel title={`Indexes (${indexes.length})`} actions={<Button onClick={() => setAdding(true)} disabled={table.TableStatus !== "ACTIVE"}>Create index</Button>}>
            <table class="table" aria-label="Indexes">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Type</th>
                  <th>Status</th>
                  <th>Keys</th>
                  <th>Projection</th>
                  <th class="num">Items</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {indexes.map((ix) => (
                  <tr key={ix.IndexName}>
                    <td>{ix.IndexName}</td>
                    <td>{ix.kind}</td>
                    <td>
                      <Status value={ix.Backfilling ? "backfilling" : ix.IndexStatus} />
                      {ix.IndexStatus === "CREATING" && (
                        <div class="progress small" role="progressbar" aria-label={`Index ${ix.IndexName} is being created`}>
                          <div class="progress-bar indeterminate" />
                        </div>
                      )}
                    </td>
                    <td>{keyText(ix.KeySchema)}</td>
                    <td>{ix.Projection?.ProjectionType}</td>
                    <td class="num">{ix.ItemCount ?? 0}</td>
                    <td>
                      {ix.kind === "Global" && (
                        <Button kind="link" onClick={() => setDropping(ix.IndexName || "")} disabled={ix.IndexStatus !== "ACTIVE"}>
                          Delete
                        </Button>
                      )}
                    </td>
                  </tr>
                ))}
                {indexes.length === 0 && (
                  <tr>
                    <td colSpan={7} class="muted">
                      No indexes.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </Panel>
        </>
      )}
      {adding && table && <AddIndex table={table} onClose={() => setAdding(false)} onDone={() => { setAdding(false); load(); }} />}
      {dropping && (
        <Confirm
          title={`Delete index ${dropping}?`}
          word="confirm"
          action="Delete"
          onClose={() => setDropping(null)}
          onConfirm={async () => {
            await aws().dynamodb.send(new UpdateTableCommand({ TableName: props.name, GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: dropping } }] }));
            await load();
          }}
        />
      )}
      {deleting && (
        <Confirm
          title={`Delete table ${props.name}?`}
          word="confirm"
          action="Delete table"
          onClose={() => setDeleting(false)}
          onConfirm={async () => {
            await aws().dynamodb.send(new DeleteTableCommand({ TableName: props.name }));
            navigate("/dynamodb");
          }}
        >
          <p>All of the table's items and indexes are deleted. This can't be undone.</p>
        </Confirm>
      )}
    </Page>
  );
}

function AddIndex(props: { table: TableDescription; onClose: () => void; onDone: () => void }) {
  const [name, setName] = useState("");
  const [pk, setPk] = useState("");
  const [pkType, setPkType] = useState("S");
  const [sk, setSk] = useState("");
  const [skType, setSkType] = useState("S");
  const submit = async () => {
    const provisioned = props.table.BillingModeSummary?.BillingMode !== "PAY_PER_REQUEST";
    await aws().dynamodb.send(
      new UpdateTableCommand({
        TableName: props.table.TableName,
        AttributeDefinitions: [
          { AttributeName: pk, AttributeType: pkType as "S" },
          ...(sk ? [{ AttributeName: sk, AttributeType: skType as "S" }] : []),
        ],
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: name,
              KeySchema: [{ AttributeName: pk, KeyType: "HASH" }, ...(sk ? [{ AttributeName: sk, KeyType: "RANGE" as const }] : [])],
              Projection: { ProjectionType: "ALL" },
              ProvisionedThroughput: provisioned
                ? {
                    ReadCapacityUnits: props.table.ProvisionedThroughput?.ReadCapacityUnits || 5,
                    WriteCapacityUnits: props.table.ProvisionedThroughput?.WriteCapacityUnits || 5,
                  }
                : undefined,
            },
          },
        ],
      }),
    );
    props.onDone();
  };
  return (
    <FormModal title="Create global secondary index" action="Create index" class="form" onClose={props.onClose} onSubmit={submit}>
      <KeyInput label="Partition key" id="gsi-pk" name={pk} type={pkType} onName={setPk} onType={setPkType} />
      <KeyInput label="Sort key" id="gsi-sk" name={sk} type={skType} onName={setSk} onType={setSkType} optional />
      <Field label="Index name" id="gsi-name">
        <input id="gsi-name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
    </FormModal>
  );
}
