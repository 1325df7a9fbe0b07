/* Markdown the rich surface has no editing controls for (tables, footnotes, raw HTML blocks) is kept
   exactly as written: a block shown as the server renders it, edited in the Markdown view. Bare
   addresses and single tildes stay text, as the server (CommonMark with ~~strikethrough~~, no
   linkify) publishes them. */
import { Extension, Node } from "@tiptap/core";
import { SERVER_RENDERED_BLOCK, serverRenderedView } from "./directive.js";

export const RawMarkdown = Node.create({
  name: "rawMarkdown",
  ...SERVER_RENDERED_BLOCK,

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

/** Handles an inline token GitHub's Markdown reads more loosely than the server does: where
    ``isLoose(raw)``, its text is kept as typed; else ``mark`` applies as usual. Only the first
    handler of an inline token runs, so this one also makes the real marks. */
function asOnThePage(name, tokenName, isLoose, mark) {
  return Extension.create({
    name,
    priority: 1100, // before the mark extension's own handler
    markdownTokenName: tokenName,
    parseMarkdown: (token, helpers) => {
      const raw = token.raw || "";
      if (isLoose(raw)) { return helpers.createTextNode(raw); }
      return helpers.applyMark(mark, helpers.parseInline(token.tokens || []),
        mark === "link" ? { href: token.href, title: token.title || null } : undefined);
    },
  });
}

/** A bare address (GitHub's autolink) stays text: the server does not linkify. */
export const BareAddresses = asOnThePage("bareAddresses", "link", (raw) => !/^[[<]/.test(raw), "link");

/** ``~text~`` (one tilde) stays text: only ``~~text~~`` strikes through on the page. */
export const SingleTildes = asOnThePage("singleTildes", "del", (raw) => !raw.startsWith("~~"), "strike");

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
