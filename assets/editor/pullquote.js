/* Pull quotes. The stored form is the one blog/core/markdown.py already publishes as a pull quote:
   a block quote whose last (not only) paragraph starts with a dash, the attribution.
       > A sense of hope is essential.
       >
       > — Dr Name
   In the editor such a quote is decorated to look as it will on the page, and the toolbar's
   "Pull quote" makes one from the current paragraph (or toggles it back to plain text). */
import { Extension } from "@tiptap/core";
import { Plugin, PluginKey, TextSelection } from "@tiptap/pm/state";
import { Decoration, DecorationSet } from "@tiptap/pm/view";

const ATTRIBUTION = /^\s*(—|–|--)/;

export function isPullQuote(node) {
  if (node.type.name !== "blockquote" || node.childCount < 2) { return false; }
  const last = node.lastChild;
  return last.type.name === "paragraph" && ATTRIBUTION.test(last.textContent);
}

function decorations(doc) {
  const found = [];
  doc.descendants((node, pos) => {
    if (node.type.name !== "blockquote") { return true; }
    if (isPullQuote(node)) {
      found.push(Decoration.node(pos, pos + node.nodeSize, { class: "pullquote" }));
      const lastPos = pos + node.nodeSize - 1 - node.lastChild.nodeSize;
      found.push(Decoration.node(lastPos, lastPos + node.lastChild.nodeSize, { class: "pullquote-attribution" }));
    }
    return false;
  });
  return DecorationSet.create(doc, found);
}

export const PullQuote = Extension.create({
  name: "pullQuote",

  addCommands() {
    return {
      togglePullQuote: () => ({ state, chain }) => {
        const { $from } = state.selection;
        for (let depth = $from.depth; depth > 0; depth -= 1) {
          if ($from.node(depth).type.name === "blockquote") {
            return chain().lift("blockquote").run();
          }
        }
        // Wrap the current block, add an attribution paragraph after it and put the cursor there.
        return chain()
          .wrapIn("blockquote")
          .command(({ tr }) => {
            const inner = tr.selection.$from;
            const after = inner.after(inner.depth);
            const attribution = state.schema.nodes.paragraph.create(null, state.schema.text("— "));
            tr.insert(after, attribution);
            tr.setSelection(TextSelection.create(tr.doc, after + attribution.nodeSize - 1));
            return true;
          })
          .focus()
          .run();
      },
    };
  },

  addKeyboardShortcuts() {
    return {
      // Enter on an empty last paragraph of a quote leaves the quote, as in word processors.
      Enter: ({ editor }) => {
        const { $from, empty } = editor.state.selection;
        if (!empty || $from.depth < 2 || $from.parent.type.name !== "paragraph" || $from.parent.content.size) {
          return false;
        }
        const quote = $from.node($from.depth - 1);
        if (quote.type.name !== "blockquote" || $from.index($from.depth - 1) !== quote.childCount - 1) {
          return false;
        }
        return editor.commands.lift("blockquote");
      },
    };
  },

  addProseMirrorPlugins() {
    return [new Plugin({
      key: new PluginKey("pullQuote"),
      props: { decorations: (state) => decorations(state.doc) },
    })];
  },
});
