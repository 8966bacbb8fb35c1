// The code editor (CodeMirror 6): SQL with the engine's dialect, JSON with live syntax checking.
import { json, jsonParseLinter } from "@codemirror/lang-json";
import { MySQL, PostgreSQL, sql } from "@codemirror/lang-sql";
import { linter, lintGutter } from "@codemirror/lint";
import { Compartment, EditorState, Prec } from "@codemirror/state";
import { keymap } from "@codemirror/view";
import { basicSetup, EditorView } from "codemirror";
import { useEffect, useRef } from "preact/hooks";

export type Language = "postgres" | "mysql" | "json";

function languageOf(language: Language) {
  if (language === "json") return [json(), linter(jsonParseLinter()), lintGutter()];
  return [sql({ dialect: language === "mysql" ? MySQL : PostgreSQL, upperCaseKeywords: true })];
}

export function CodeEditor(props: {
  value: string;
  language: Language;
  label: string;
  onChange: (value: string) => void;
  onRun?: (text: string) => void;
  height?: string;
  revision?: number;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const language = useRef(new Compartment());
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    if (!host.current) return;
    // CodeMirror styles itself at run time: in a document it adds a <style> element, which a
    // Content-Security-Policy of style-src 'self' refuses; in a shadow root it uses a constructed
    // style sheet (adoptedStyleSheets), which the policy allows.
    const shadow = host.current.shadowRoot || host.current.attachShadow({ mode: "open" });
    const editor = new EditorView({
      parent: shadow,
      root: shadow,
      state: EditorState.create({
        doc: props.value,
        extensions: [
          Prec.highest(
            keymap.of([
              {
                key: "Mod-Enter",
                run: (target) => {
                  latest.current.onRun?.(target.state.doc.toString());
                  return true;
                },
              },
            ]),
          ),
          basicSetup,
          language.current.of(languageOf(props.language)),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) latest.current.onChange(update.state.doc.toString());
          }),
          EditorView.contentAttributes.of({ "aria-label": props.label }),
          EditorView.theme({
            "&": { height: props.height || "220px", background: "#fff" },
            "&.cm-focused": { outline: "none" },
            ".cm-scroller": { overflow: "auto", fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace', fontSize: "13px" },
          }),
        ],
      }),
    });
    view.current = editor;
    return () => editor.destroy();
  }, []);

  useEffect(() => {
    view.current?.dispatch({ effects: language.current.reconfigure(languageOf(props.language)) });
  }, [props.language]);

  // The parent replaces the text (history, Clear, format switch) by bumping `revision`; the
  // editor is otherwise the owner of its text, so late renders never overwrite fresh typing.
  useEffect(() => {
    const editor = view.current;
    if (editor && props.revision && editor.state.doc.toString() !== props.value) {
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: props.value } });
    }
  }, [props.revision]);

  return <div class="editor" ref={host} />;
}

/**
 * Split a script into statements with the SQL grammar itself (quotes, comments, $$ bodies). Text the
 * grammar can't place in a statement (a stray `)`, a fragment after the last `;`) is kept as a
 * statement of its own, so the engine reports it instead of the editor dropping it unseen; only
 * comments and blanks between statements are left out.
 */
export function splitStatements(text: string, language: Language): string[] {
  const dialect = language === "mysql" ? MySQL : PostgreSQL;
  const tree = dialect.language.parser.parse(text);
  const statements: string[] = [];
  const cursor = tree.topNode.cursor();
  if (!cursor.firstChild()) return statements;
  let fragment: [number, number] | null = null; // consecutive unparsed nodes, joined
  const flush = () => {
    if (fragment) statements.push(text.slice(fragment[0], fragment[1]).trim());
    fragment = null;
  };
  do {
    if (cursor.name === "LineComment" || cursor.name === "BlockComment") continue;
    if (cursor.name === "Statement") {
      flush();
      const statement = text.slice(cursor.from, cursor.to).trim().replace(/;\s*$/, "").trim();
      if (statement) statements.push(statement);
    } else fragment = fragment ? [fragment[0], cursor.to] : [cursor.from, cursor.to];
  } while (cursor.nextSibling());
  flush();
  return statements.filter((s) => s && s !== ";");
}
