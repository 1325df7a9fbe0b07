/* Markdown the rich surface has no editing controls for (tables, footnotes, raw HTML blocks) is kept
   exactly as written: a block shown as the server renders it, edited in the Markdown view. Bare
   addresses and single tildes stay text, as the server (CommonMark with ~~strikethrough~~, no
   linkify) publishes them. */
import { Extension, Node } from "@tiptap/core";
import { serverRenderedView } from "./directive.js";

export const RawMarkdown = Node.create({
  name: "rawMarkdown",
  group: "block",
  atom: true,
  draggable: true,
  selectable: true,

  addOptions() {
    return { render: null };
  },

  addAttributes() {
    return { source: { default: "" } };
  },

  parseHTML() {
    return [{ tag: "div[data-markdown]", getAttrs: (el) => ({ source: el.getAttribute("data-markdown") }) }];
  },

  renderHTML({ node }) {
    return ["div", { "data-markdown": node.attrs.source }, node.attrs.source];
  },

  renderMarkdown: (node) => node.attrs.source,

  addNodeView() {
    return serverRenderedView(this.options.render, "raw-markdown", (node) => node.attrs.source);
  },
});

const FOOTNOTE_DEFINITION = /^\[\^[^\]\s]+\]:[^\n]*(?:\n(?:[ ]{4}|\t)[^\n]*|\n(?=\n(?:[ ]{4}|\t)))*\n*/;

function keepAsWritten(name, tokenizer) {
  return Extension.create({
    name: "raw-" + name,
    priority: 1000,
    markdownTokenName: name,
    markdownTokenizer: tokenizer,
    // Inline HTML (a <b> inside a paragraph) is left to the default handling.
    parseMarkdown: (token) => (token.block === false ? null
      : { type: "rawMarkdown", attrs: { source: (token.raw || "").replace(/\s+$/, "") } }),
  });
}

export const FootnoteReference = Node.create({
  name: "footnoteReference",
  group: "inline",
  inline: true,
  atom: true,

  addAttributes() {
    return { label: { default: "1" } };
  },

  parseHTML() {
    return [{ tag: "sup[data-footnote]", getAttrs: (el) => ({ label: el.getAttribute("data-footnote") }) }];
  },

  renderHTML({ node }) {
    return ["sup", { "data-footnote": node.attrs.label, class: "footnote-ref" }, "[" + node.attrs.label + "]"];
  },

  markdownTokenizer: {
    name: "footnoteReference",
    level: "inline",
    start: (src) => src.indexOf("[^"),
    tokenize: (src) => {
      const match = /^\[\^([^\]\s]+)\](?!:)/.exec(src);
      return match ? { type: "footnoteReference", raw: match[0], label: match[1] } : undefined;
    },
  },

  parseMarkdown: (token) => ({ type: "footnoteReference", attrs: { label: token.label } }),

  renderMarkdown: (node) => "[^" + node.attrs.label + "]",
});

/** A link written as a bare address (GitHub Markdown's autolink) stays text, as on the page.
    Only the first handler of an inline token runs, so this one also makes the real links. */
export const BareAddresses = Extension.create({
  name: "bareAddresses",
  priority: 1100, // before the Link extension's handler
  markdownTokenName: "link",
  parseMarkdown: (token, helpers) => {
    const raw = token.raw || "";
    if (!raw.startsWith("[") && !raw.startsWith("<")) { return helpers.createTextNode(raw); }
    return helpers.applyMark("link", helpers.parseInline(token.tokens || []),
      { href: token.href, title: token.title || null });
  },
});

/** ``~text~`` (one tilde) is strikethrough to GitHub's Markdown but plain text on the page; only
    ``~~text~~`` strikes through. (The first handler of an inline token is the only one run.) */
export const SingleTildes = Extension.create({
  name: "singleTildes",
  priority: 1100, // before the Strike extension's handler
  markdownTokenName: "del",
  parseMarkdown: (token, helpers) => {
    const raw = token.raw || "";
    if (!raw.startsWith("~~")) { return helpers.createTextNode(raw); }
    return helpers.applyMark("strike", helpers.parseInline(token.tokens || []));
  },
});

export const KeptAsWritten = [
  keepAsWritten("table"),
  keepAsWritten("html"),
  keepAsWritten("footnoteDefinition", {
    name: "footnoteDefinition",
    level: "block",
    start: (src) => {
      const at = src.search(/(^|\n)\[\^[^\]\s]+\]:/);
      return at < 0 ? -1 : (src[at] === "\n" ? at + 1 : at);
    },
    tokenize: (src) => {
      const match = FOOTNOTE_DEFINITION.exec(src);
      return match ? { type: "footnoteDefinition", raw: match[0] } : undefined;
    },
  }),
];
