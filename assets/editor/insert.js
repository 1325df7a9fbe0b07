/* Inserting photos, galleries and cards: never over the author's selection. A block goes after the
   top-level block that holds the selection (or in place of an empty paragraph), and the cursor
   lands in a paragraph after it, so writing goes on where it was. */
import { NodeSelection, TextSelection } from "@tiptap/pm/state";

/** The top-level position where a new block goes, and the empty paragraph it may take over. */
function insertionPoint(state) {
  const { selection } = state;
  if (selection instanceof NodeSelection && selection.$from.depth === 0) {
    return { at: selection.to, replaces: null, before: selection.node };
  }
  const $to = selection.$to;
  if ($to.depth === 0) {
    return { at: $to.pos, replaces: null, before: $to.nodeBefore };
  }
  const block = $to.node(1);
  const start = $to.before(1);
  if (block.type.name === "paragraph" && block.content.size === 0) {
    const $start = state.doc.resolve(start);
    return { at: start, replaces: { from: start, to: $to.after(1) }, before: $start.nodeBefore };
  }
  return { at: $to.after(1), replaces: null, before: block };
}

export function insertBlockAfterSelection(editor, markdown) {
  const point = insertionPoint(editor.state);
  const target = point.replaces || point.at;
  return editor.chain().focus()
    .insertContentAt(target, markdown, { contentType: "markdown", updateSelection: true })
    .command(({ tr, state }) => {
      // Continue writing below what was inserted: at the start of the text that follows, or in a
      // new paragraph where nothing to write in follows.
      const $pos = tr.selection.$to;
      const after = $pos.depth ? $pos.after(1) : $pos.pos;
      const next = tr.doc.nodeAt(after);
      if (next && next.isTextblock) {
        tr.setSelection(TextSelection.create(tr.doc, after + 1));
      } else if (!tr.selection.$from.parent.isTextblock || tr.selection instanceof NodeSelection) {
        tr.insert(after, state.schema.nodes.paragraph.create());
        tr.setSelection(TextSelection.create(tr.doc, after + 1));
      }
      return true;
    })
    .scrollIntoView()
    .run();
}

/** Insert ``[[kind:key]]``; a key that joins the directive just before (a reply to the quote
    shown there) is added to it instead, so a conversation shows its question once. */
export function insertDirective(editor, kind, key, joins) {
  const point = insertionPoint(editor.state);
  const before = point.before;
  if (before && before.type.name === "directive" && before.attrs.kind === kind &&
      joins && joins(before.attrs.keys.split(","))) {
    let found = -1;
    editor.state.doc.forEach((node, offset) => { if (node === before) { found = offset; } });
    if (found >= 0) {
      return editor.chain().focus().command(({ tr }) => {
        tr.setNodeMarkup(found, null, { kind, keys: before.attrs.keys + "," + key });
        return true;
      }).run();
    }
  }
  return insertBlockAfterSelection(editor, "[[" + kind + ":" + key + "]]");
}
