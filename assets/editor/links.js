/* The link dialog: search this site's posts, pages, events, people and tags as you type (the site's
   search, /search/editor.json: the last word counts as a prefix), or give an address.
   A link inside the site is stored as a site-relative path (/posts/slug), so it survives a change
   of SITE_URL; a renamed post's old slug redirects to the new one. */

const SEARCH_IDLE_MS = 200;

function looksLikeAddress(text) {
  return /^(https?:\/\/|mailto:|\/|#)/i.test(text) || /^[\w-]+(\.[\w-]+)+(\/\S*)?$/.test(text);
}

function normalise(text) {
  if (/^(https?:\/\/|mailto:|\/|#)/i.test(text)) { return text; }
  return "https://" + text;
}

export function setUpLinkDialog(editor, searchUrl) {
  const dialog = document.getElementById("link-dialog");
  if (!dialog) { return { open: () => {} }; }
  const input = dialog.querySelector("#link-target");
  const results = dialog.querySelector("#link-results");
  const remove = dialog.querySelector("[value=remove]");
  let range = null;
  let timer = null;
  let found = [];

  function apply(href, label) {
    dialog.close();
    const chain = editor.chain().focus().setTextSelection(range);
    if (range.from === range.to && !editor.isActive("link")) {
      chain.insertContent({ type: "text", text: label || href, marks: [{ type: "link", attrs: { href } }] }).run();
    } else {
      chain.extendMarkRange("link").setLink({ href }).run();
    }
  }

  function show(items) {
    found = items;
    results.replaceChildren(...items.map((item) => {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "link-result";
      const kind = document.createElement("span");
      kind.className = "link-kind";
      kind.textContent = item.kind;
      const label = document.createElement("span");
      label.className = "link-label";
      // The server escapes the title and marks the words found (<mark>); anything else is text.
      if (item.title_html) { label.innerHTML = item.title_html; } else { label.textContent = item.label; }
      button.append(label, " ", kind);
      button.addEventListener("click", () => apply(item.url, item.label));
      li.append(button);
      return li;
    }));
  }

  function search() {
    const query = input.value.trim();
    if (!query || looksLikeAddress(query)) { show([]); return; }
    const separator = searchUrl.includes("?") ? "&" : "?";
    fetch(searchUrl + separator + "q=" + encodeURIComponent(query), {
      credentials: "same-origin", headers: { Accept: "application/json" },
    }).then((response) => response.json()).then((answer) => {
      if (input.value.trim() === query) { show(answer.results || []); }
    }).catch(() => show([]));
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, SEARCH_IDLE_MS);
  });

  dialog.querySelector("form").addEventListener("submit", (event) => {
    const action = event.submitter ? event.submitter.value : "apply";
    if (action === "cancel") { return; }
    event.preventDefault();
    if (action === "remove") {
      dialog.close();
      editor.chain().focus().setTextSelection(range).extendMarkRange("link").unsetLink().run();
      return;
    }
    const text = input.value.trim();
    if (looksLikeAddress(text)) {
      apply(normalise(text));
    } else if (found.length) {
      apply(found[0].url, found[0].label);
    }
  });

  return {
    open() {
      const { from, to } = editor.state.selection;
      range = { from, to };
      input.value = editor.getAttributes("link").href || "";
      remove.hidden = !editor.isActive("link");
      show([]);
      dialog.showModal();
      input.focus();
    },
  };
}
