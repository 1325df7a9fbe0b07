/* Markdown the rich surface has no editing controls for (tables, footnotes, maths, raw HTML blocks) is kept
   exactly as written: a block shown as the server renders it, edited in the Markdown view. Bare
   addresses and single tildes stay text, as the server (CommonMark with ~~strikethrough~~, no
   linkify) publishes them. */
import { Extension, InputRule, Node } from "@tiptap/core";
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

/* Maths is kept exactly as written (the server turns it into MathML): a formula's TeX is full of
   characters Markdown would read as emphasis or escapes. The inline rule follows the server's
   (mdit-py-plugins dollarmath, as configured in blog/core/markdown.py): no space just inside the
   dollars, no digit just after the closing one, so "it cost $5 and $10" stays text. */
const INLINE_MATH = /^\$\$(?!\$)((?:\\.|[^$\\])+?)\$\$(?!\d)|^\$(?![\s$])((?:\\.|[^$\\])*?[^\s\\])\$(?!\d)/;

export const InlineMath = Node.create({
  name: "inlineMath",
  group: "inline",
  inline: true,
  atom: true,

  addAttributes() {
    return { source: { default: "$x$" } };
  },

  parseHTML() {
    return [{ tag: "span[data-math]", getAttrs: (el) => ({ source: el.getAttribute("data-math") }) }];
  },

  renderHTML({ node }) {
    return ["span", { "data-math": node.attrs.source, class: "math-source", title: "Formula (TeX)" },
      node.attrs.source];
  },

  markdownTokenizer: {
    name: "inlineMath",
    level: "inline",
    start: (src) => {
      for (let at = src.indexOf("$"); at >= 0; at = src.indexOf("$", at + 1)) {
        if ((at === 0 || !/[\d\\]/.test(src[at - 1])) && INLINE_MATH.test(src.slice(at))) { return at; }
      }
      return -1;
    },
    tokenize: (src) => {
      const match = INLINE_MATH.exec(src);
      return match ? { type: "inlineMath", raw: match[0] } : undefined;
    },
  },

  // Typing the closing dollar of ``$...$`` makes the formula a node: as text, its backslashes
  // would be written back escaped (``\\pi``) and its underscores read as emphasis.
  addInputRules() {
    return [new InputRule({
      find: /(?:^|[^\d\\$])(\$(?![\s$])(?:\\.|[^$\\])*?[^\s\\]\$)$/,
      handler: ({ state, range, match }) => {
        const source = match[1];
        // From the opening dollar (``match[0]`` may start with the character before it) to the
        // cursor: the closing dollar is being typed and is not in the document yet.
        state.tr.replaceWith(range.from + match[0].length - source.length, range.to, this.type.create({ source }));
      },
    })];
  },

  parseMarkdown: (token) => ({ type: "inlineMath", attrs: { source: token.raw } }),

  renderMarkdown: (node) => node.attrs.source,
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
  keepAsWritten("mathBlock", {
    name: "mathBlock",
    level: "block",
    start: (src) => {
      const at = src.search(/(^|\n) {0,3}\$\$/);
      return at < 0 ? -1 : (src[at] === "\n" ? at + 1 : at);
    },
    // ``$$`` at the start of a line up to a line ending in ``$$``, with no blank line between.
    tokenize: (src) => {
      const match = /^ {0,3}\$\$(?:[^\n]*?\S\$\$|(?:[^\n]*\n(?![ \t]*\n))*?[^\n]*\$\$)[ \t]*(?:\n+|$)/.exec(src);
      return match ? { type: "mathBlock", raw: match[0] } : undefined;
    },
  }),
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
