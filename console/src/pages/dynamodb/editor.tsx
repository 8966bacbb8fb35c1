// Create, edit or duplicate one item: in a form (attribute name, type, value; maps and lists nested)
// or as JSON (DynamoDB JSON or plain JSON), switchable at any time, as in the AWS console.
import { DeleteItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { useRef, useState } from "preact/hooks";
import { aws, errorText } from "../../aws";
import { CodeEditor } from "../../ui/editor";
import { Button, ErrorBox, Modal, Tabs } from "../../ui/kit";
import { type AttrNode, AttributeRows, type NodeProblems, checkNodes, itemToNodes, newNode, nodesToItem } from "./form";
import { type Item, itemToText, keyOfItem, textToItem } from "./items";

export type EditMode = "create" | "edit" | "duplicate";

const FORM = "Form";
const JSON_VIEW = "JSON view";

/** Every node by id, to tell which rows an edit changed (their errors go, the others' stay). */
function flatten(nodes: AttrNode[], into: Map<number, string> = new Map()): Map<number, string> {
  for (const n of nodes) {
    into.set(n.id, `${n.name}\u0000${n.type}\u0000${n.value}\u0000${n.children.map((c) => c.id).join(",")}`);
    flatten(n.children, into);
  }
  return into;
}

export function ItemEditor(props: {
  table: string;
  keyNames: string[];
  mode: EditMode;
  item: Item;
  onClose: () => void;
  onSaved: (message: string) => void;
}) {
  const [view, setView] = useState(FORM);
  const [nodes, setNodes] = useState<AttrNode[]>(() => itemToNodes(props.item));
  const [problems, setProblems] = useState<NodeProblems>({});
  const [typed, setTyped] = useState(true);
  const [text, setText] = useState(itemToText(props.item, true));
  const [revision, setRevision] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The item as last known with its exact types: plain JSON's arrays and strings are read back against it.
  const base = useRef<Item>(props.item);

  const replaceText = (next: string) => {
    setText(next);
    setRevision((r) => r + 1);
  };

  /** The item the current view holds, or null (and the problem shown where it is) if it is not one. */
  const current = (source: string = text): Item | null => {
    if (view === FORM) {
      const found = checkNodes(nodes);
      setProblems(found);
      if (Object.keys(found).length) return null;
      return nodesToItem(nodes);
    }
    try {
      return textToItem(source, typed, base.current);
    } catch (e) {
      setError((e as Error).message);
      return null;
    }
  };

  const switchView = (next: string) => {
    if (next === view) return;
    const item = current();
    if (!item) return;
    base.current = item;
    if (next === FORM) setNodes(itemToNodes(item));
    else replaceText(itemToText(item, typed));
    setError(null);
    setView(next);
  };

  const switchFormat = (nextTyped: boolean) => {
    if (nextTyped === typed) return;
    const item = current();
    if (!item) return;
    base.current = item;
    replaceText(itemToText(item, nextTyped));
    setTyped(nextTyped);
    setError(null);
  };

  const save = async (source: string = text) => {
    setError(null);
    const item = current(source);
    if (!item) return;
    setBusy(true);
    const client = aws().dynamodb;
    const oldKey = keyOfItem(props.item, props.keyNames);
    const newKey = keyOfItem(item, props.keyNames);
    const keyChanged = itemToText(oldKey, true) !== itemToText(newKey, true);
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
      props.onSaved(props.mode === "edit" ? "The item was saved." : "The item was created.");
    } catch (e) {
      const name = (e as { name?: string }).name;
      setError(name === "ConditionalCheckFailedException" ? `${errorText(e)} (an item with this key already exists)` : errorText(e));
      setBusy(false);
    }
  };

  const changeNodes = (next: AttrNode[]) => {
    const before = flatten(nodes);
    const after = flatten(next);
    setProblems((p) => Object.fromEntries(Object.entries(p).filter(([id]) => before.get(Number(id)) === after.get(Number(id)))));
    setNodes(next);
    setError(null);
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
      <Tabs tabs={[FORM, JSON_VIEW]} active={view} onChange={switchView} />
      {view === FORM ? (
        <div
          class="item-form"
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              save();
            }
          }}
        >
          <AttributeRows nodes={nodes} onChange={changeNodes} problems={problems} keyNames={props.keyNames} />
          <div class="form-actions left">
            <Button onClick={() => changeNodes([...nodes, newNode()])}>Add new attribute</Button>
          </div>
        </div>
      ) : (
        <>
          <div class="editor-toolbar">
            <div class="segmented" role="radiogroup" aria-label="JSON format">
              <label class={typed ? "selected" : ""}>
                <input type="radio" checked={typed} onChange={() => switchFormat(true)} /> DynamoDB JSON
              </label>
              <label class={!typed ? "selected" : ""}>
                <input type="radio" checked={!typed} onChange={() => switchFormat(false)} /> Plain JSON
              </label>
            </div>
          </div>
          {/* The hint's line is always there, so switching formats never moves the editor. */}
          <p class="muted small editor-hint">
            Keys: {props.keyNames.join(", ")}. Ctrl+Enter saves.{" "}
            <span class={typed ? "invisible" : ""}>Plain JSON has no sets or binary: values you leave unchanged keep their type, new arrays become lists.</span>
          </p>
          <CodeEditor
            value={text}
            revision={revision}
            language="json"
            label="Item JSON"
            onChange={(next) => {
              setText(next);
              setError(null);
            }}
            onRun={save}
            height="340px"
          />
        </>
      )}
      <ErrorBox error={error} />
    </Modal>
  );
}
