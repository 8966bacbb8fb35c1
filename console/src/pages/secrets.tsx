// Secrets Manager: the secrets of this region (the query editor keeps database credentials here).
import {
  DeleteSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  type SecretListEntry,
} from "@aws-sdk/client-secrets-manager";
import { useEffect, useState } from "preact/hooks";
import { aws, errorText } from "../aws";
import { Button, Confirm, Empty, ErrorBox, Page, formatDate } from "../ui/kit";

export function SecretsPage() {
  const [secrets, setSecrets] = useState<SecretListEntry[] | null>(null);
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<SecretListEntry | null>(null);
  const load = async () => {
    try {
      const all: SecretListEntry[] = [];
      let token: string | undefined;
      do {
        const r = await aws().secrets.send(new ListSecretsCommand({ NextToken: token, MaxResults: 100 }));
        all.push(...(r.SecretList || []));
        token = r.NextToken;
      } while (token);
      setSecrets(all);
    } catch (e) {
      setError(errorText(e));
    }
  };
  useEffect(() => {
    load();
  }, []);
  const reveal = async (s: SecretListEntry) => {
    try {
      const r = await aws().secrets.send(new GetSecretValueCommand({ SecretId: s.ARN }));
      setValues({ ...values, [s.ARN as string]: r.SecretString ?? "(binary secret)" });
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <Page title="Secrets" actions={<Button onClick={load}>Refresh</Button>}>
      <ErrorBox error={error} onClose={() => setError(null)} />
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
                    <code class="secret-value">{values[s.ARN as string]}</code>
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
      {deleting && (
        <Confirm
          title={`Delete secret ${deleting.Name}?`}
          word=""
          action="Delete now"
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await aws().secrets.send(new DeleteSecretCommand({ SecretId: deleting.ARN, ForceDeleteWithoutRecovery: true }));
            await load();
          }}
        >
          <p>The secret is deleted immediately, without a recovery window.</p>
        </Confirm>
      )}
    </Page>
  );
}
