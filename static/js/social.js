/* Quote a social post from the post editor (blog/embeds).
 *
 * - The toolbar's button[data-action="social"] dispatches "blog:social-post" on document; the side
 *   side panel's "Quote a social post" button (shown only when there is no such toolbar button)
 *   opens the same dialog.
 * - Pasting a post's address (x.com, twitter.com, bsky.app, a Mastodon instance) or the embed code
 *   X, Mastodon or Bluesky offer into textarea#body opens the dialog, filled in by the server's parse
 *   endpoint. Registered through window.BlogEditor.onPaste when the editor script provides it,
 *   else as a paste listener of its own on the textarea.
 * - Cancelling the dialog after a paste puts the pasted text in the body, as a plain paste would.
 * - Pasting a post quoted before inserts its snapshot at once (no duplicate, no dialog to fill).
 * - A pasted post that starts with "@handle" is offered as a reply to the latest quote by that handle
 *   (usually the one pasted just before).
 * - Saving creates the snapshot and inserts [[social:KEY]] at the cursor, as a paragraph of its own
 *   (in the rich-text editor: a card after the paragraph holding the cursor).
 *   A reply saved right after a directive showing its parent (or a sibling reply) joins that
 *   directive: [[social:question,reply1,reply2]] shows the question once.
 * No inline script or style: the dialog's markup comes from a <template> rendered by the server.
 */
(function () {
  "use strict";

  var side = document.getElementById("social-side");
  var template = document.getElementById("social-dialog-template");
  if (!side || !template) { return; }

  var PREFIX = "social-";
  var EMBED = /class\s*=\s*["'][^"']*\b(twitter-tweet|mastodon-embed|bluesky-embed)\b/;
  var URLS = [
    /^https?:\/\/(www\.|mobile\.)?(x|twitter)\.com\/(\w{1,15}\/status(es)?|i\/web\/status)\/\d+\S*$/i,
    /^https?:\/\/(www\.|staging\.)?bsky\.app\/profile\/[^\/\s]+\/post\/[A-Za-z0-9]+\S*$/i,
    /^https?:\/\/[A-Za-z0-9.-]+\/@[\w.-]+(@[A-Za-z0-9.-]+)?\/\d+\/?$/i,
    /^https?:\/\/[A-Za-z0-9.-]+\/users\/[\w.-]+\/statuses\/\d+\/?$/i
  ];
  var DIRECTIVE_LINE = /\[\[social:([a-z0-9,\- ]+)\]\]\s*$/;

  var dialog = null;
  var form = null;
  var selection = null;
  var parents = {};  // key -> the key it replies to, for snapshots made on this page
  var started = false;
  var pending = null;  // what was pasted, put in the body as it was if the dialog is cancelled

  function bodyArea() {
    var editor = window.BlogEditor;
    return (editor && editor.textarea) || document.querySelector("textarea#body");
  }

  function isQuotable(text) {
    text = (text || "").trim();
    if (!text) { return false; }
    if (EMBED.test(text)) { return true; }
    if (/\s/.test(text)) { return false; }
    return URLS.some(function (pattern) { return pattern.test(text); });
  }

  function ensureDialog() {
    if (dialog) { return dialog; }
    document.body.appendChild(template.content.cloneNode(true));
    dialog = document.querySelector("dialog.social-dialog");
    form = dialog.querySelector("form");
    form.addEventListener("submit", save);
    dialog.querySelector(".social-cancel").addEventListener("click", function () { dialog.close(); });
    dialog.querySelector(".social-fill").addEventListener("click", function () {
      fill(dialog.querySelector("#social-paste").value);
    });
    dialog.addEventListener("close", function () {
      var area = bodyArea();
      if (area && pending !== null) {
        // Cancelled after a paste: the author gets the pasted text, as a normal paste would give.
        area.focus();
        area.setSelectionRange(selection.start, selection.end);
        replaceSelection(area, pending);
      } else if (window.BlogEditor && window.BlogEditor.focus) {
        window.BlogEditor.focus();
      } else if (area) {
        area.focus();
      }
      pending = null;
    });
    return dialog;
  }

  function field(name) { return form.elements[PREFIX + name]; }

  function say(message, isError) {
    dialog.querySelector(isError ? ".social-dialog-error" : ".social-dialog-message").textContent = message || "";
  }

  function open(pasted) {
    var area = bodyArea();
    selection = area ? { start: area.selectionStart, end: area.selectionEnd } : null;
    ensureDialog();
    form.reset();
    say("", false);
    say("", true);
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (el) {
      el.removeAttribute("aria-invalid");
    });
    if (!dialog.open) { dialog.showModal(); }
    pending = pasted && selection ? pasted : null;
    if (pasted) {
      dialog.querySelector("#social-paste").value = pasted;
      fill(pasted);
    } else {
      dialog.querySelector("#social-paste").focus();
    }
  }

  function fill(text) {
    if (!(text || "").trim()) { return; }
    var body = new URLSearchParams();
    body.set("text", text);
    say("Reading what you pasted…", false);
    fetch(side.dataset.parseUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": side.dataset.csrf, "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (!result.ok) {
        say("", false);
        say(result.data.error || "That could not be read; fill in the form by hand.", true);
        return;
      }
      say("", true);
      if (result.data.existing && pending !== null) {
        // Quoted before: insert that snapshot rather than make a duplicate.
        parents[result.data.existing.key] = result.data.existing.in_reply_to_key;
        pending = null;
        dialog.close();
        insert(result.data.existing.key, result.data.existing.in_reply_to_key);
        return;
      }
      Object.keys(result.data.fields).forEach(function (name) {
        var input = field(name);
        if (input && result.data.fields[name] !== null) { input.value = result.data.fields[name]; }
      });
      suggestParent();
      say(result.data.message, false);
      var next = field("text").value ? field("posted_at") : field("text");
      next.focus();
    }).catch(function () {
      say("", false);
      say("The server could not be reached; try again.", true);
    });
  }

  function save(event) {
    event.preventDefault();
    say("", true);
    fetch(side.dataset.createUrl, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-CSRFToken": side.dataset.csrf, "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (!result.ok) {
        var name = result.data.field || Object.keys(result.data.fields || {})[0];
        var input = name && field(name.replace(PREFIX, ""));
        if (input) { input.setAttribute("aria-invalid", "true"); input.focus(); }
        say(result.data.error || "Check the form.", true);
        return;
      }
      parents[result.data.key] = result.data.in_reply_to_key || "";
      addReplyChoice(result.data.key, result.data.label);
      pending = null;
      dialog.close();
      insert(result.data.key, result.data.in_reply_to_key || "");
    }).catch(function () {
      say("The server could not be reached; nothing was saved.", true);
    });
  }

  function suggestParent() {
    // A post that starts by mentioning someone answers them: offer the latest quote of theirs
    // (usually the one pasted just before), which the author can still change.
    var select = field("in_reply_to");
    var mention = /^@([\w.\-]+(@[\w.\-]+)?)/.exec((field("text").value || "").trim());
    if (!select || select.value || !mention) { return; }
    var handle = "@" + mention[1].toLowerCase();
    for (var i = 1; i < select.options.length; i += 1) {  // the latest first
      var label = select.options[i].textContent.toLowerCase();
      if (label.indexOf(handle) === 0 && /^[,:]/.test(label.slice(handle.length))) {
        select.value = select.options[i].value;
        return;
      }
    }
  }

  function addReplyChoice(key, label) {
    [field("in_reply_to")].forEach(function (select) {
      if (!select) { return; }
      var option = document.createElement("option");
      option.value = key;
      option.textContent = label;
      select.insertBefore(option, select.options[1] || null);  // the latest first, as the server lists them
    });
  }

  function joinsConversation(keys, parent) {
    if (!parent) { return false; }
    return keys.some(function (key) { return key === parent || parents[key] === parent; });
  }

  function insert(key, parent) {
    var editor = window.BlogEditor;
    var joins = function (keys) { return joinsConversation(keys, parent); };
    if (editor && editor.insertDirective && editor.insertDirective("social", key, joins)) { return; }
    var area = bodyArea();
    if (!area) { return; }
    var start = selection ? selection.start : area.value.length;
    var end = selection ? selection.end : start;
    var before = area.value.slice(0, start);
    var after = area.value.slice(end);
    var previous = before.replace(/\s+$/, "");
    var match = DIRECTIVE_LINE.exec(previous);
    var lineStart = match ? previous.lastIndexOf("\n", match.index) + 1 : -1;
    if (match && lineStart === match.index) {
      var keys = match[1].split(",").map(function (k) { return k.trim(); });
      if (joinsConversation(keys, parent)) {
        // Make the previous directive a conversation rather than repeating the question.
        var joined = "[[social:" + keys.concat([key]).join(",") + "]]";
        area.focus();
        area.setSelectionRange(match.index, match.index + match[0].length);
        replaceSelection(area, joined);
        return;
      }
    }
    var prefix = before === "" || /\n\n$/.test(before) ? "" : (/\n$/.test(before) ? "\n" : "\n\n");
    var suffix = after === "" ? "\n" : (/^\n\n/.test(after) ? "" : (/^\n/.test(after) ? "\n" : "\n\n"));
    area.focus();
    area.setSelectionRange(start, end);
    replaceSelection(area, prefix + "[[social:" + key + "]]" + suffix);
  }

  function replaceSelection(area, text) {
    var editor = window.BlogEditor;
    if (editor && typeof editor.insertAtCursor === "function") {
      editor.insertAtCursor(text);
      return;
    }
    area.setRangeText(text, area.selectionStart, area.selectionEnd, "end");
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function onPaste(event) {
    var data = event.clipboardData || window.clipboardData;
    var text = data ? data.getData("text/plain") || data.getData("text") : "";
    if (!isQuotable(text)) { return; }
    event.preventDefault();
    open(text.trim());
  }

  function start() {
    if (started) { return; }
    started = true;
    // The side panel's button stands in only where the page has no toolbar button of its own.
    side.querySelector(".social-open").hidden = Boolean(
      document.querySelector('.editor-toolbar:not([hidden]) button[data-action="social"]'));
    var editor = window.BlogEditor;
    if (editor && typeof editor.onPaste === "function") {
      editor.onPaste(onPaste);
    } else {
      var area = bodyArea();
      if (area) { area.addEventListener("paste", onPaste); }
    }
  }

  document.addEventListener("blog:social-post", function () { open(); });
  side.querySelector(".social-open").addEventListener("click", function () { open(); });
  // Deferred scripts run before DOMContentLoaded: wait for it so the editor's script, wherever it
  // comes in the page, has set up window.BlogEditor.
  if (document.readyState === "complete") { start(); } else {
    document.addEventListener("DOMContentLoaded", start);
    window.addEventListener("load", start);
  }
  window.BlogSocial = { open: open, isQuotable: isQuotable };
}());
