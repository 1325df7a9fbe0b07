/* A block directive of the stored Markdown (`[[photo:KEY]]`, `[[gallery:K1,K2]]`, `[[social:K1,K2]]`)
   as one node of the document: selected, dragged, deleted and undone as a unit, and shown as the
   page will show it (the server renders the directive through the publishing pipeline). */
import { Node, mergeAttributes } from "@tiptap/core";

// The same shape blog/core/markdown.py expands: a paragraph holding nothing but the directive.
const DIRECTIVE_LINE = /^\[\[([a-z][a-z0-9_-]*):([^\]\s<>"']+)\]\][ \t]*(?:\n+|$)/;

/** Fetches (once per directive text) the HTML the server would publish for it. */
export function createRenderer(previewUrl, postJSON) {
  const cache = new Map();
  return function render(source) {
    if (!cache.has(source)) {
      const request = postJSON(previewUrl, { body: source }).then((answer) => answer.html || "");
      request.catch(() => cache.delete(source)); // offline: try again next time
      cache.set(source, request);
    }
    return cache.get(source);
  };
}

export function directiveSource(kind, keys) {
  return "[[" + kind + ":" + keys + "]]";
}

/** A node view showing ``sourceOf(node)`` as the server publishes it (its text until then).
    ``decorate(dom, node, getPos)`` adds controls once it is shown; ``stopEvent`` says which
    events they handle themselves. */
export function serverRenderedView(render, className, sourceOf, { decorate = null, stopEvent = null } = {}) {
  return ({ node, getPos }) => {
    const dom = document.createElement("div");
    dom.contentEditable = "false";
    let current = null;
    const show = (shown) => {
      const source = sourceOf(shown);
      dom.className = className + "-node" + (shown.attrs.kind ? " directive-" + shown.attrs.kind : "");
      if (shown.attrs.kind) { dom.dataset.directive = shown.attrs.kind + ":" + shown.attrs.keys; }
      if (source === current) { return; }
      current = source;
      dom.textContent = source;
      // Controls come once what they go with is shown (re-made only when the source changes).
      const decorated = () => { if (decorate && current === source) { decorate(dom, shown, getPos); } };
      if (!render) { decorated(); return; }
      render(source).then((html) => {
        if (current === source && html) {
          // Sanitised and rendered by the server through the publishing pipeline.
          dom.innerHTML = html;
          dom.querySelectorAll("a").forEach((a) => a.setAttribute("tabindex", "-1"));
        }
        decorated();
      }).catch(decorated);  // offline: the source text stays, with its controls
    };
    show(node);
    return {
      dom,
      update(updated) {
        if (updated.type !== node.type) { return false; }
        show(updated);
        return true;
      },
      ignoreMutation: () => true,
      stopEvent: (event) => Boolean(stopEvent && stopEvent(event)),
    };
  };
}

/** What the blocks shown by the server share: one unit to select, drag and delete. */
export const SERVER_RENDERED_BLOCK = {
  group: "block",
  atom: true,
  draggable: true,
  selectable: true,

  addOptions() {
    return { render: null, decorate: null, stopEvent: null };
  },
};

export const Directive = Node.create({
  name: "directive",
  ...SERVER_RENDERED_BLOCK,

  addAttributes() {
    return {
      kind: { default: "photo" },
      keys: { default: "" },
    };
  },

  parseHTML() {
    return [{
      tag: "div[data-directive]",
      getAttrs: (element) => {
        const match = /^([a-z][a-z0-9_-]*):(.+)$/.exec(element.getAttribute("data-directive") || "");
        return match ? { kind: match[1], keys: match[2] } : false;
      },
    }];
  },

  renderHTML({ node, HTMLAttributes }) {
    return ["div", mergeAttributes(HTMLAttributes, {
      "data-directive": node.attrs.kind + ":" + node.attrs.keys,
    }), directiveSource(node.attrs.kind, node.attrs.keys)];
  },

  markdownTokenizer: {
    name: "directive",
    level: "block",
    // Never inside a paragraph: "text\n[[photo:k]]" is one paragraph on the page, as it is here.
    start: () => -1,
    tokenize: (src) => {
      const match = DIRECTIVE_LINE.exec(src);
      if (!match) { return undefined; }
      return { type: "directive", raw: match[0], kind: match[1], keys: match[2] };
    },
  },

  parseMarkdown: (token) => ({ type: "directive", attrs: { kind: token.kind, keys: token.keys } }),

  renderMarkdown: (node) => directiveSource(node.attrs.kind, node.attrs.keys),

  addNodeView() {
    return serverRenderedView(this.options.render, "directive",
      (node) => directiveSource(node.attrs.kind, node.attrs.keys),
      { decorate: this.options.decorate, stopEvent: this.options.stopEvent });
  },
});
