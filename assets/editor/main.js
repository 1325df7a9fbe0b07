/* The rich-text editor of the writing page (TipTap 3 on ProseMirror), built by `make assets` into
   static/js/rich-editor.js.

   The form's <textarea id="body"> stays the one thing the server receives: every change in the
   rich surface is written back to it as Markdown and announced with an "input" event, so the
   autosave, local backup, live preview, conflict handling and unsaved-changes warning of
   static/js/editor.js work on it unchanged. The "Markdown" toggle shows that textarea; what is
   typed there comes back into the rich surface as one undoable step. */
import { Editor } from "@tiptap/core";
import StarterKit from "@tiptap/starter-kit";
import Paragraph from "@tiptap/extension-paragraph";
import { Markdown } from "@tiptap/markdown";
import { Directive, createRenderer } from "./directive.js";
import { PullQuote } from "./pullquote.js";
import { BareAddresses, FootnoteReference, InlineMath, KeptAsWritten, RawMarkdown, SingleTildes } from "./raw.js";
import { setUpEventDialog } from "./events.js";
import { setUpLinkDialog } from "./links.js";
import { insertBlockAfterSelection, insertDirective } from "./insert.js";
import { decoratePhotos, followCard, isPhotoToolEvent, joinPhotoOnDrop } from "./photos.js";

const WORDS_PER_MINUTE = 230;

function postJSON(url, data, csrf) {
  return fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
    body: JSON.stringify(data),
  }).then((response) => response.json().then((json) => {
    if (!response.ok) { throw new Error(json.error || "The server answered " + response.status); }
    return json;
  }));
}

function isInternalCopy(html) {
  return /data-pm-slice/.test(html);
}

function mount() {
  const form = document.getElementById("post-form");
  const textarea = document.getElementById("body");
  const api = window.BlogEditor;
  if (!form || !textarea || !api || !api.setSurface) { return null; }
  const csrf = (form.querySelector("input[name=csrf_token]") || {}).value || "";
  const toolbar = form.querySelector(".editor-toolbar");
  const sourceField = textarea.closest(".field");
  const counter = document.getElementById("word-count");
  const json = (url, data) => postJSON(url, data, csrf);

  const surface = document.createElement("div");
  surface.className = "rich-editor";
  (textarea.closest(".editor-panes") || sourceField).before(surface);

  const render = createRenderer(form.dataset.previewUrl, json);
  let editor = null;
  let dragged = null;
  const decorate = decoratePhotos(() => editor);
  let writing = false;      // the textarea is being updated from the rich surface
  let lastMarkdown = textarea.value;
  let sourceMode = false;

  editor = new Editor({
    element: surface,
    injectCSS: false,        // the CSP allows no inline style: static/css/rich-editor.css has it
    extensions: [
      StarterKit.configure({
        paragraph: false,    // below: empty paragraphs leave no "&nbsp;" in the Markdown
        underline: false,    // Markdown has no underline
        link: { openOnClick: false, autolink: true, linkOnPaste: true, defaultProtocol: "https" },
      }),
      Paragraph.extend({
        // Extra empty lines typed in the editor are not kept as "&nbsp;" paragraphs on the page.
        renderMarkdown: (node, helpers) => (node.content && node.content.length
          ? helpers.renderChildren(node.content) : ""),
      }),
      Markdown.configure({ markedOptions: { gfm: true } }),
      Directive.configure({ render, decorate, stopEvent: isPhotoToolEvent }),
      RawMarkdown.configure({ render }),
      FootnoteReference,
      InlineMath,
      BareAddresses,
      SingleTildes,
      ...KeptAsWritten,
      PullQuote,
    ],
    content: textarea.value,
    contentType: "markdown",
    editorProps: {
      attributes: {
        class: "post-body rich-body",
        role: "textbox",
        "aria-multiline": "true",
        "aria-label": "Body",
        "aria-describedby": "word-count",
      },
      handlePaste: (view, event) => handlePaste(event),
      handleDOMEvents: {
        // What is being dragged, which ProseMirror forgets before it calls handleDrop.
        drop: (view) => { dragged = view.dragging; return false; },
      },
      handleDrop: (view, event, slice, moved) => {
        if (moved) { return joinPhotoOnDrop(view, event, dragged); }
        const files = api.imageFiles(event.dataTransfer);
        if (!files.length) { return false; }
        event.preventDefault();
        const at = view.posAtCoords({ left: event.clientX, top: event.clientY });
        if (at) { editor.commands.setTextSelection(at.pos); }
        api.uploadFiles(files, false);
        return true;
      },
    },
  });

  function handlePaste(event) {
    if (api.runPasteHandlers(event)) { return true; }   // social posts, other features
    const data = event.clipboardData;
    if (!data) { return false; }
    const files = api.imageFiles(data);
    if (files.length) {
      event.preventDefault();
      api.uploadFiles(files, false);
      return true;
    }
    const html = data.getData("text/html");
    if (html && !isInternalCopy(html) && /<(b|strong|i|em|h[1-6]|a|ul|ol|li|blockquote|p)\b/i.test(html)) {
      // Word, Google Docs, LibreOffice, web pages: through the server's sanitiser, as Markdown.
      event.preventDefault();
      const plain = data.getData("text/plain");
      const title = document.getElementById("title");
      const untitled = Boolean(title && !title.value.trim());
      json(form.dataset.pasteUrl, { html, whole: true, take_title: untitled }).then((answer) => {
        if (answer.title && untitled) {
          title.value = answer.title;
          title.dispatchEvent(new Event("input", { bubbles: true }));
        }
        editor.chain().focus().insertContent(answer.markdown || plain, { contentType: "markdown" }).run();
      }).catch(() => editor.chain().focus().insertContent(plain).run());
      return true;
    }
    return false;
  }

  function syncToTextarea() {
    const markdown = editor.getMarkdown().replace(/\n{2,}$/, "\n"); // no run of blank lines at the end
    if (markdown === lastMarkdown) { return; }
    lastMarkdown = markdown;
    writing = true;
    textarea.value = markdown;
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    writing = false;
  }

  function loadFromTextarea() {
    if (textarea.value === lastMarkdown) { return; }
    lastMarkdown = textarea.value;
    // One transaction: undoable in a single step, like any other edit.
    editor.commands.setContent(textarea.value, { contentType: "markdown", emitUpdate: false });
  }

  function countWords() {
    if (!counter) { return; }
    const text = editor.state.doc.textBetween(0, editor.state.doc.content.size, " ", " ");
    const words = (text.match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) || []).length;
    const minutes = Math.max(1, Math.round(words / WORDS_PER_MINUTE));
    counter.textContent = words + (words === 1 ? " word" : " words") + " · " + text.replace(/\s/g, "").length +
      " characters · " + minutes + " min read";
  }

  const states = {
    bold: () => editor.isActive("bold"),
    italic: () => editor.isActive("italic"),
    heading: () => editor.isActive("heading", { level: 2 }),
    link: () => editor.isActive("link"),
    ul: () => editor.isActive("bulletList"),
    ol: () => editor.isActive("orderedList"),
    quote: () => editor.isActive("blockquote"),
  };

  function showState() {
    if (!toolbar) { return; }
    toolbar.querySelectorAll("button[data-action]").forEach((button) => {
      const state = states[button.dataset.action];
      if (state) { button.setAttribute("aria-pressed", String(!sourceMode && state())); }
    });
    const undo = toolbar.querySelector("[data-action=undo]");
    const redo = toolbar.querySelector("[data-action=redo]");
    if (undo) { undo.disabled = sourceMode || !editor.can().undo(); }
    if (redo) { redo.disabled = sourceMode || !editor.can().redo(); }
  }

  const links = setUpLinkDialog(editor, form.dataset.linkSearchUrl);
  setUpEventDialog(csrf);
  editor.view.dom.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "k") {
      event.preventDefault();
      links.open();  // Ctrl/Cmd+K, as the toolbar's title says
    }
  });

  function toggleSource() {
    sourceMode = !sourceMode;
    if (!sourceMode) { loadFromTextarea(); }
    form.classList.toggle("source-mode", sourceMode);
    surface.hidden = sourceMode;
    const button = toolbar && toolbar.querySelector("[data-action=markdown]");
    if (button) { button.setAttribute("aria-pressed", String(sourceMode)); }
    (sourceMode ? textarea : editor.view.dom).focus();
    showState();
  }

  function toggleClass(action, className) {
    const on = !form.classList.contains(className);
    form.classList.toggle(className, on);
    const button = toolbar && toolbar.querySelector("[data-action=" + action + "]");
    if (button) { button.setAttribute("aria-pressed", String(on)); }
    document.body.classList.toggle(className, on);
  }

  const run = (chain) => () => { chain(editor.chain().focus()).run(); };
  const richActions = {
    bold: run((c) => c.toggleBold()),
    italic: run((c) => c.toggleItalic()),
    heading: run((c) => c.toggleHeading({ level: 2 })),
    ul: run((c) => c.toggleBulletList()),
    ol: run((c) => c.toggleOrderedList()),
    quote: run((c) => c.toggleBlockquote()),
    pullquote: run((c) => c.togglePullQuote()),
    divider: run((c) => c.setHorizontalRule()),
    undo: run((c) => c.undo()),
    redo: run((c) => c.redo()),
    link: () => links.open(),
    eventcard: () => {
      // The card of the post's "Linked event" (choose or create it there first).
      const linked = document.getElementById("event_id");
      if (!linked || !linked.value) { if (linked) { linked.focus(); } return; }
      insertBlockAfterSelection(editor, "[[event:" + linked.value + "]]");
    },
  };
  // Shown in either mode: they change the page, not the text.
  const pageActions = {
    markdown: toggleSource,
    focus: () => toggleClass("focus", "distraction-free"),
    side: () => toggleClass("side", "side-folded"),
  };

  api.setSurface({
    actions: (name) => pageActions[name] || (sourceMode ? null : richActions[name]),
    insertAtCursor: (markdown) => {
      if (sourceMode) { return false; }
      if (/\n|^\s*\[\[/.test(markdown)) {  // blocks or a directive
        editor.chain().focus().insertContent(markdown, { contentType: "markdown" }).run();
      } else {
        editor.chain().focus().insertContent({ type: "text", text: markdown }).run();
      }
      return true;
    },
    insertBlock: (markdown) => {
      if (sourceMode) { return false; }
      insertBlockAfterSelection(editor, markdown);
      return true;
    },
    insertDirective: (kind, key, joins) => {
      if (sourceMode) { return false; }
      insertDirective(editor, kind, key, joins);
      return true;
    },
    focus: () => (sourceMode ? textarea : editor.view.dom).focus(),
  });

  editor.on("update", () => { syncToTextarea(); countWords(); });
  const cards = document.getElementById("photo-cards");
  if (cards) {
    // Alt text or a caption typed in the side panel shows on the photo in the text too.
    cards.addEventListener("input", (event) => {
      const card = event.target.closest(".photo-card");
      if (card) { followCard(surface, card.dataset.key); }
    });
  }
  editor.on("transaction", showState);
  textarea.addEventListener("input", () => {
    // Text put in the textarea by other code (a restored copy) or typed in Markdown view.
    if (!writing && !sourceMode) { loadFromTextarea(); countWords(); }
  });

  if (toolbar) {
    toolbar.querySelectorAll(".rich-only").forEach((el) => { el.hidden = false; });
    // Keep the text's selection when a toolbar button is pressed with the mouse.
    toolbar.addEventListener("mousedown", (event) => {
      if (event.target.closest("button") && !sourceMode) { event.preventDefault(); }
    });
  }
  sourceField.classList.add("source-field");
  form.classList.add("has-rich-editor");
  countWords();
  showState();
  return editor;
}

const editor = mount();
if (editor) {
  window.BlogRichEditor = editor;
  document.documentElement.dataset.editorReady = "true";
  // Time to interactive, from the start of navigation (the seed test prints it).
  document.documentElement.dataset.editorReadyMs = String(Math.round(performance.now()));
}
