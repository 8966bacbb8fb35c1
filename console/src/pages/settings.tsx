// Settings: the credentials and region the console signs its requests with.
import { useState } from "preact/hooks";
import { REGIONS, saveSettings, settings } from "../settings";
import { Button, Field, Notice, Page, Panel } from "../ui/kit";

export function SettingsPage() {
  const [form, setForm] = useState(settings.value);
  const [saved, setSaved] = useState(false);
  const submit = (event: Event) => {
    event.preventDefault();
    saveSettings(form);
    setSaved(true);
  };
  return (
    <Page title="Settings">
      <Panel title="Credentials and region">
        <form onSubmit={submit} class="form">
          <p class="muted">
            Fogbank accepts any credentials. A 12-digit access key ID acts in the account with that number; any other
            key acts in the default account.
          </p>
          <Field label="Access key ID" id="s-key">
            <input id="s-key" value={form.accessKeyId} onInput={(e) => setForm({ ...form, accessKeyId: e.currentTarget.value })} />
          </Field>
          <Field label="Secret access key" id="s-secret">
            <input id="s-secret" type="password" value={form.secretAccessKey} onInput={(e) => setForm({ ...form, secretAccessKey: e.currentTarget.value })} />
          </Field>
          <Field label="Default region" id="s-region">
            <select id="s-region" value={form.region} onChange={(e) => setForm({ ...form, region: e.currentTarget.value })}>
              {REGIONS.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </Field>
          <div class="form-actions">
            <Button kind="primary" type="submit">
              Save
            </Button>
          </div>
          {saved && <Notice kind="success">Saved. The console now signs requests with these settings.</Notice>}
        </form>
      </Panel>
    </Page>
  );
}
