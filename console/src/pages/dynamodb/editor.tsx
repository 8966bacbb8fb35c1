// Create, edit or duplicate one item as JSON: DynamoDB JSON or plain JSON, switchable at any time.
import { DeleteItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { useState } from "preact/hooks";
import { aws, errorText } from "../../aws";
import { CodeEditor } from "../../ui/editor";
import { Button, ErrorBox, Modal } from "../../ui/kit";
import { type Item, itemToText, keyOfItem, textToItem } from "./items";

export type EditMode = "create" | "edit" | "duplicate";

export function ItemEditor(props: {
  table: string;
  keyNames: string[];
  mode: EditMode;
  item: Item;
  onClose: () => void;
  onSaved: () => void;
}) {
  const [typed, setTyped] = useState(true);
  const [text, setText] = useState(itemToText(props.item, true));
  const [revision, setRevision] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const switchView = (nextTyped: boolean) => {
    if (nextTyped === typed) return;
    try {
      setText(itemToText(textToItem(text, typed), nextTyped));
      setRevision((r) => r + 1);
      setTyped(nextTyped);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const save = async (current: string = text) => {
    setError(null);
    let item: Item;
    try {
      item = textToItem(current, typed);
    } catch (e) {
      setError((e as Error).message);
      return;
    }
    setBusy(true);
    const client = aws().dynamodb;
    const oldKey = keyOfItem(props.item, props.keyNames);
    const newKey = keyOfItem(item, props.keyNames);
    const keyChanged = JSON.stringify(itemToText(oldKey, true)) !== JSON.stringify(itemToText(newKey, true));
    try {
      if (props.mode === "edit" && !keyChanged) {
        await client.send(new PutItemCommand({ TableName: props.table, Item: item }));
      } else {
        // A new key must not overwrite an item that already exists, as in the AWS console.
        await client.send(
          new PutItemCommand({
            TableName: props.table,
            Item: item,
            ConditionExpression: "attribute_not_exists(#k)",
            ExpressionAttributeNames: { "#k": props.keyNames[0] },
          }),
        );
        if (props.mode === "edit") await client.send(new DeleteItemCommand({ TableName: props.table, Key: oldKey }));
      }
      props.onSaved();
    } catch (e) {
      const name = (e as { name?: string }).name;
      setError(name === "ConditionalCheckFailedException" ? `${errorText(e)} (an item with this key already exists)` : errorText(e));
      setBusy(false);
    }
  };

  const title = props.mode === "create" ? "Create item" : props.mode === "edit" ? "Edit item" : "Duplicate item";
  return (
    <Modal
      wide
      title={title}
      onClose={props.onClose}
      footer={
        <>
          <Button onClick={props.onClose}>Cancel</Button>
          <Button kind="primary" busy={busy} onClick={() => save()}>
            {props.mode === "edit" ? "Save changes" : "Create item"}
          </Button>
        </>
      }
    >
      <div class="editor-toolbar">
        <div class="segmented" role="radiogroup" aria-label="JSON format">
          <label class={typed ? "selected" : ""}>
            <input type="radio" checked={typed} onChange={() => switchView(true)} /> DynamoDB JSON
          </label>
          <label class={!typed ? "selected" : ""}>
            <input type="radio" checked={!typed} onChange={() => switchView(false)} /> Plain JSON
          </label>
        </div>
        <span class="muted small">
          Keys: {props.keyNames.join(", ")}. Ctrl+Enter saves.{!typed && " Plain JSON can't express sets or binary: arrays become lists."}
        </span>
      </div>
      <CodeEditor value={text} revision={revision} language="json" label="Item JSON" onChange={setText} onRun={save} height="340px" />
      <ErrorBox error={error} />
    </Modal>
  );
}
