/* The post editor: toolbar and shortcuts, live preview, clean paste, autosave with a local
   backup, and photo uploads (toolbar, drag and drop, paste) with a progress bar each.
   Plain JavaScript, no build step; without it the page is an ordinary working form.
   It works on the Markdown <textarea id="body">. The rich-text editor (static/js/rich-editor.js,
   built from assets/editor/) registers itself with BlogEditor.setSurface(): while it is shown,
   toolbar actions and insertions go to it, and it writes the Markdown back into the textarea. */
(function () {
  "use strict";

  var form = document.getElementById("post-form");
  var textarea = document.getElementById("body");
  if (!form || !textarea) { return; }
  var titleInput = document.getElementById("title");
  var baseInput = form.querySelector("input[name=base_version]");
  var statusBox = document.getElementById("save-status");
  var toolbar = form.querySelector(".editor-toolbar");
  var previewPane = form.querySelector(".editor-preview-pane");
  var preview = document.getElementById("live-preview");
  var fileInput = document.getElementById("photo-input");
  var uploadList = document.getElementById("upload-list");
  var cards = document.getElementById("photo-cards");
  var altWarning = document.getElementById("alt-warning");
  var featureSelect = document.getElementById("feature_photo");
  var csrfInput = form.querySelector("input[name=csrf_token]");
  var csrf = csrfInput ? csrfInput.value : "";

  var AUTOSAVE_IDLE_MS = 2000;      // save after this much quiet
  var AUTOSAVE_MAX_WAIT_MS = 15000; // and at least this often while typing
  var PREVIEW_IDLE_MS = 500;
  var RETRY_MS = 5000;
  var SUBMIT_WAIT_MS = 20000;       // at most this long for saves in flight before submitting

  var pasteHandlers = [];
  var surface = null;         // the rich-text editor, once it has registered
  var dirty = false;          // changes the server does not have yet
  var saving = false;
  var submitting = false;
  var firstChangeAt = 0;
  var autosaveTimer = null;
  var previewTimer = null;
  var retryTimer = null;
  var pendingSave = null;     // the autosave request in flight, if any
  var inFlight = [];          // autosaves and photo-detail saves the server has not answered yet
  var submitWaiting = false;  // a submission waits for them
  var waited = false;         // it has waited (as long as it may): it goes now
  var lastSaved = currentText();

  // --- small helpers ----------------------------------------------------------------------

  /** Keep ``request`` among the saves a submission waits for (see the "submit" listener). */
  function track(request) {
    inFlight.push(request);
    var done = function () { inFlight = inFlight.filter(function (r) { return r !== request; }); };
    request.then(done, done);
    return request;
  }

  function storageKey() { return "blog-editor:" + (form.dataset.postId || "new"); }

  function currentText() {
    return { title: titleInput ? titleInput.value : "", body: textarea.value };
  }

  function sameText(a, b) { return a && b && a.title === b.title && a.body === b.body; }

  function setStatus(text, kind) {
    if (!statusBox) { return; }
    statusBox.textContent = text;
    statusBox.className = "save-status" + (kind ? " save-status-" + kind : "");
  }

  function clock(date) {
    return String(date.getHours()).padStart(2, "0") + ":" + String(date.getMinutes()).padStart(2, "0");
  }

  function postJSON(url, data, options) {
    return fetch(url, Object.assign({
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify(data)
    }, options || {})).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (!response.ok) {
          var error = new Error(json.error || ("The server answered " + response.status));
          error.status = response.status;
          throw error;
        }
        return json;
      });
    });
  }

  // --- the local backup: what was typed survives a reload even when the network is down ---------

  function backup() {
    try {
      var entry = currentText();
      entry.base_version = baseInput ? baseInput.value : "";
      entry.at = Date.now();
      localStorage.setItem(storageKey(), JSON.stringify(entry));
    } catch (e) { /* storage full or disabled: the server copy still works */ }
  }

  function dropBackup(key) {
    try { localStorage.removeItem(key || storageKey()); } catch (e) { /* ignore */ }
  }

  function restoreBackup() {
    var entry = null;
    try { entry = JSON.parse(localStorage.getItem(storageKey()) || "null"); } catch (e) { entry = null; }
    if (!entry || typeof entry.body !== "string") { return false; }
    if (sameText(entry, currentText())) { dropBackup(); return false; }
    if (baseInput && entry.base_version && Number(entry.base_version) < Number(baseInput.value)) {
      offerOlderCopy(entry); // someone saved since: show it beside the latest text, do not overwrite
      return false;
    }
    if (titleInput && entry.title) { titleInput.value = entry.title; }
    textarea.value = entry.body;
    if (baseInput && entry.base_version) { baseInput.value = entry.base_version; }
    return true;
  }

  function offerOlderCopy(entry) {
    var box = document.createElement("div");
    box.className = "callout local-copy";
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", "Text kept in this browser");
    var note = document.createElement("p");
    note.textContent = "This browser kept text you had not saved (" + clock(new Date(entry.at || Date.now())) +
      "), written before the latest saved version. Copy what you need from it, or use it instead.";
    var kept = document.createElement("textarea");
    kept.readOnly = true;
    kept.rows = 8;
    kept.value = entry.body;
    kept.setAttribute("aria-label", "Your unsaved text");
    var use = document.createElement("button");
    use.type = "button";
    use.textContent = "Use this text instead";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.textContent = "Discard it";
    use.addEventListener("click", function () {
      if (titleInput && entry.title) { titleInput.value = entry.title; }
      textarea.value = entry.body;
      box.remove();
      textarea.dispatchEvent(new Event("input", { bubbles: true })); // the rich editor follows
    });
    discard.addEventListener("click", function () { dropBackup(); box.remove(); });
    box.append(note, kept, use, " ", discard);
    textarea.closest(".field").after(box);
  }

  // --- autosave ---------------------------------------------------------------------------

  function changed() {
    if (!dirty) { firstChangeAt = Date.now(); }
    dirty = true;
    backup();
    setStatus("Not saved yet", "pending");
    scheduleAutosave();
    schedulePreview();
  }

  function scheduleAutosave() {
    // After a quiet moment, or once the oldest unsaved change has waited long enough: never more
    // often, so steady typing costs one save per AUTOSAVE_MAX_WAIT_MS, not one per keystroke.
    clearTimeout(autosaveTimer);
    var waited = Date.now() - firstChangeAt;
    autosaveTimer = setTimeout(autosave, Math.max(0, Math.min(AUTOSAVE_IDLE_MS, AUTOSAVE_MAX_WAIT_MS - waited)));
  }

  function autosave(options) {
    clearTimeout(autosaveTimer);
    clearTimeout(retryTimer);
    // Not while a submission waits for saves in flight either: it carries the text itself, and a
    // first autosave started then would create the post a second time beside the form's.
    if (!dirty || saving || submitting || submitWaiting) { return; }
    var text = currentText();
    if (!form.dataset.postId && !text.title.trim() && !text.body.trim()) { return; }
    if (!navigator.onLine) { offline(); return; }
    saving = true;
    firstChangeAt = Date.now(); // changes typed from now on are the next save's
    setStatus("Saving…", "saving");
    var payload = { title: text.title, body: text.body, base_version: baseInput ? baseInput.value : "" };
    pendingSave = track(postJSON(form.dataset.autosaveUrl, payload, options));
    pendingSave.then(function (answer) {
      saving = false;
      if (answer.post_id) { adoptNewPost(answer); }
      lastSaved = text;
      if (sameText(text, currentText())) {
        dirty = false;
        dropBackup();
      } else {
        scheduleAutosave();
      }
      var when = answer.saved_at ? new Date(answer.saved_at) : new Date();
      if (answer.conflict) {
        setStatus("Saved at " + clock(when) + " as your working copy. Someone else has saved this post since you opened it: saving will show both versions.", "conflict");
      } else {
        setStatus("Saved at " + clock(when), "saved");
      }
    }).catch(function (error) {
      saving = false;
      if (error.status && error.status < 500) {
        setStatus("Not saved: " + error.message, "error");
      } else {
        offline();
      }
    });
  }

  function offline() {
    setStatus("Offline, not saved. Your text is kept in this browser until the server has it.", "offline");
    clearTimeout(retryTimer);
    retryTimer = setTimeout(autosave, RETRY_MS);
  }

  function adoptNewPost(answer) {
    // The first autosave created the draft: from now on this page edits that post.
    var oldKey = storageKey();
    form.dataset.postId = String(answer.post_id);
    form.dataset.autosaveUrl = answer.autosave_url;
    form.action = answer.edit_url;
    if (baseInput) { baseInput.value = String(answer.version); }
    dropBackup(oldKey);
    if (window.history && history.replaceState) { history.replaceState(null, "", answer.edit_url); }
  }

  // --- live preview -----------------------------------------------------------------------

  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(refreshPreview, PREVIEW_IDLE_MS);
  }

  function refreshPreview() {
    if (!preview) { return; }
    postJSON(form.dataset.previewUrl, { body: textarea.value }).then(function (answer) {
      // Rendered and sanitised by the server through the publishing pipeline.
      preview.innerHTML = answer.html;
      showMissingAlt(answer.missing_alt || null);
    }).catch(function () { /* offline: the preview catches up later */ });
  }

  // --- alt text -----------------------------------------------------------------------------

  function showMissingAlt() {
    if (!altWarning || !cards) { return; }
    var missing = [];
    cards.querySelectorAll(".photo-card").forEach(function (card) {
      var alt = card.querySelector("[data-field=alt_text]");
      var used = textarea.value.indexOf(card.dataset.key) !== -1;
      card.classList.toggle("needs-alt", used && alt && !alt.value.trim());
      if (used && alt && !alt.value.trim()) { missing.push("“" + card.querySelector("legend").textContent + "”"); }
    });
    altWarning.hidden = missing.length === 0;
    altWarning.textContent = missing.length ? "Add alt text before publishing: " + missing.join(", ") + "." : "";
  }

  // --- editing the text -------------------------------------------------------------------

  function insertAtCursor(text) {
    if (surface && surface.insertAtCursor(text)) { return; }
    textarea.focus();
    textarea.setRangeText(text, textarea.selectionStart, textarea.selectionEnd, "end");
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function insertBlock(text) {
    if (surface && surface.insertBlock(text)) { return; }
    var before = textarea.value.slice(0, textarea.selectionStart);
    var prefix = before === "" || /\n\n$/.test(before) ? "" : (/\n$/.test(before) ? "\n" : "\n\n");
    insertAtCursor(prefix + text + "\n\n");
  }

  function wrap(marker, placeholder) {
    var start = textarea.selectionStart, end = textarea.selectionEnd;
    var selected = textarea.value.slice(start, end) || placeholder;
    textarea.focus();
    textarea.setRangeText(marker + selected + marker, start, end, "end");
    textarea.setSelectionRange(start + marker.length, start + marker.length + selected.length);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function prefixLines(prefix) {
    var value = textarea.value;
    var start = value.lastIndexOf("\n", textarea.selectionStart - 1) + 1;
    var endIndex = value.indexOf("\n", textarea.selectionEnd);
    var end = endIndex === -1 ? value.length : endIndex;
    var lines = value.slice(start, end).split("\n");
    var out = lines.map(function (line, i) {
      var p = typeof prefix === "function" ? prefix(i) : prefix;
      return line.indexOf(p) === 0 ? line.slice(p.length) : p + line;
    }).join("\n");
    textarea.focus();
    textarea.setRangeText(out, start, end, "select");
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function link() {
    var start = textarea.selectionStart, end = textarea.selectionEnd;
    var label = textarea.value.slice(start, end) || "link text";
    var url = "https://";
    textarea.focus();
    textarea.setRangeText("[" + label + "](" + url + ")", start, end, "end");
    var urlStart = start + label.length + 3;
    textarea.setSelectionRange(urlStart, urlStart + url.length);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  var actions = {
    bold: function () { wrap("**", "bold text"); },
    italic: function () { wrap("*", "italic text"); },
    heading: function () { prefixLines("## "); },
    link: link,
    ul: function () { prefixLines("- "); },
    ol: function () { prefixLines(function (i) { return (i + 1) + ". "; }); },
    quote: function () { prefixLines("> "); },
    photo: function () { chooseFiles(false); },
    gallery: function () { chooseFiles(true); },
    social: function () {
      document.dispatchEvent(new CustomEvent("blog:social-post", { detail: { editor: window.BlogEditor } }));
    }
  };

  // --- uploads ----------------------------------------------------------------------------

  var galleryMode = false;

  function chooseFiles(asGallery) {
    galleryMode = asGallery;
    fileInput.value = "";
    fileInput.click();
  }

  function uploadOne(file) {
    return new Promise(function (resolve) {
      var item = document.createElement("li");
      var name = document.createElement("span");
      name.className = "upload-name";
      name.textContent = file.name || "pasted photo";
      var bar = document.createElement("progress");
      bar.max = 100;
      bar.value = 0;
      bar.setAttribute("aria-label", "Uploading " + name.textContent);
      var state = document.createElement("span");
      state.className = "upload-state";
      state.textContent = "Uploading…";
      item.append(name, " ", bar, " ", state);
      uploadList.appendChild(item);

      var data = new FormData();
      data.append("file", file, file.name || "pasted.png");
      var request = new XMLHttpRequest();
      request.open("POST", form.dataset.uploadUrl);
      request.setRequestHeader("X-CSRFToken", csrf);
      request.setRequestHeader("Accept", "application/json");
      request.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) { bar.value = Math.round(event.loaded * 100 / event.total); }
      });
      request.addEventListener("load", function () {
        var answer = {};
        try { answer = JSON.parse(request.responseText); } catch (e) { answer = {}; }
        if (request.status === 201 && answer.photos) {
          bar.value = 100;
          state.textContent = "Uploaded";
          item.className = "upload-done";
          resolve(answer.photos);
        } else {
          state.textContent = answer.error ||
            (request.status === 413 ? "Upload failed: the file is too large." : "Upload failed (" + request.status + ")");
          item.className = "upload-failed";
          resolve([]);
        }
      });
      request.addEventListener("error", function () {
        state.textContent = "Upload failed: offline?";
        item.className = "upload-failed";
        resolve([]);
      });
      request.send(data);
    });
  }

  function uploadFiles(files, asGallery) {
    var list = Array.prototype.slice.call(files).filter(function (f) { return f.size > 0; });
    if (!list.length) { return; }
    Promise.all(list.map(uploadOne)).then(function (results) {
      var photos = [].concat.apply([], results);
      if (!photos.length) { return; }
      photos.forEach(addCard); // in the order the files were chosen, like the text
      if (asGallery && photos.length > 1) {
        insertBlock("[[gallery:" + photos.map(function (p) { return p.key; }).join(",") + "]]");
      } else {
        photos.forEach(function (p) { insertBlock(p.directive); });
      }
      showMissingAlt();
      var firstAlt = document.getElementById("photo-" + photos[0].key + "-alt");
      if (firstAlt) { firstAlt.focus(); }
    });
  }

  function field(card, key, fieldName, label, value, extra) {
    var wrapper = document.createElement("div");
    wrapper.className = "field";
    var id = "photo-" + key + "-" + fieldName;
    var labelElement = document.createElement("label");
    labelElement.htmlFor = id;
    labelElement.textContent = label;
    var input = document.createElement("input");
    input.id = id;
    input.name = id;
    input.value = value || "";
    input.dataset.field = { alt: "alt_text", caption: "caption", credit: "credit" }[fieldName];
    Object.keys(extra || {}).forEach(function (k) { input.setAttribute(k, extra[k]); });
    wrapper.append(labelElement, input);
    card.appendChild(wrapper);
  }

  function addCard(photo) {
    if (!cards || document.getElementById("photo-card-" + photo.key)) { return; }
    var none = document.getElementById("no-photos");
    if (none) { none.remove(); }
    var card = document.createElement("fieldset");
    card.className = "photo-card";
    card.id = "photo-card-" + photo.key;
    card.dataset.key = photo.key;
    card.dataset.updateUrl = photo.update_url;
    var legend = document.createElement("legend");
    legend.textContent = photo.name;
    var thumb = document.createElement("img");
    thumb.className = "photo-thumb";
    thumb.src = photo.thumbnail;
    thumb.alt = "";
    thumb.width = 120;
    thumb.height = Math.round(120 * photo.height / photo.width);
    var hint = document.createElement("p");
    hint.className = "hint";
    var code = document.createElement("code");
    code.textContent = photo.directive;
    hint.append("In the text as ", code);
    card.append(legend, thumb, hint);
    field(card, photo.key, "alt", "Alt text (required to publish)", photo.alt_text,
          { maxlength: "1000", "aria-describedby": "alt-help" });
    field(card, photo.key, "caption", "Caption", photo.caption);
    field(card, photo.key, "credit", "Credit", photo.credit, { maxlength: "300" });
    cards.appendChild(card);
    if (featureSelect && !featureSelect.querySelector("option[value='" + photo.key + "']")) {
      var option = document.createElement("option");
      option.value = photo.key;
      option.textContent = photo.name;
      featureSelect.appendChild(option);
    }
  }

  function saveCard(card) {
    var data = {};
    card.querySelectorAll("[data-field]").forEach(function (input) { data[input.dataset.field] = input.value; });
    delete card.dataset.unsaved;
    return track(postJSON(card.dataset.updateUrl, data)).then(function () {
      card.classList.add("photo-saved");
      refreshPreview();
    }).catch(function (error) {
      setStatus("Photo details not saved: " + error.message, "error");
    });
  }

  function runPasteHandlers(event) {
    for (var i = 0; i < pasteHandlers.length; i += 1) {
      try { pasteHandlers[i](event); } catch (e) { /* one feature's bug must not break pasting */ }
      if (event.defaultPrevented) { return true; }
    }
    return false;
  }

  function imageFiles(dataTransfer) {
    if (!dataTransfer || !dataTransfer.files) { return []; }
    return Array.prototype.filter.call(dataTransfer.files, function (f) {
      return !f.type || f.type.indexOf("image/") === 0 || /\.(heic|heif)$/i.test(f.name);
    });
  }

  // --- wiring -----------------------------------------------------------------------------

  window.BlogEditor = {
    textarea: textarea,
    insertAtCursor: insertAtCursor,
    insertBlock: insertBlock,
    insertDirective: function (kind, key, joins) {
      return Boolean(surface && surface.insertDirective(kind, key, joins));
    },
    onPaste: function (handler) { pasteHandlers.push(handler); },
    runPasteHandlers: runPasteHandlers,
    focus: function () { if (surface) { surface.focus(); } else { textarea.focus(); } },
    imageFiles: imageFiles,
    uploadFiles: uploadFiles,
    setSurface: function (rich) { surface = rich; }
  };

  if (toolbar) {
    toolbar.hidden = false;
    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-action]");
      var name = button && button.dataset.action;
      var action = name && ((surface && surface.actions(name)) || actions[name]);
      if (action) {
        event.preventDefault();
        action();
      }
    });
  }
  if (previewPane) { previewPane.hidden = false; }
  form.classList.add("has-preview");

  textarea.addEventListener("keydown", function (event) {
    if (!(event.ctrlKey || event.metaKey) || event.altKey) { return; }
    var key = event.key.toLowerCase();
    var map = { b: "bold", i: "italic", k: "link" };
    if (map[key]) {
      event.preventDefault();
      actions[map[key]]();
    }
  });

  textarea.addEventListener("paste", function (event) {
    if (runPasteHandlers(event)) { return; }
    var data = event.clipboardData;
    if (!data) { return; }
    var files = imageFiles(data);
    if (files.length) {
      event.preventDefault();
      uploadFiles(files, false);
      return;
    }
    var html = data.getData("text/html");
    if (html && /<(b|strong|i|em|h[1-6]|a|ul|ol|li|blockquote|p)\b/i.test(html)) {
      event.preventDefault();
      var plain = data.getData("text/plain");
      var start = textarea.selectionStart, end = textarea.selectionEnd;
      postJSON(form.dataset.pasteUrl, { html: html }).then(function (answer) {
        textarea.setSelectionRange(start, end);
        insertAtCursor(answer.markdown || plain);
      }).catch(function () {
        textarea.setSelectionRange(start, end);
        insertAtCursor(plain);
      });
    }
  });

  ["dragenter", "dragover"].forEach(function (type) {
    textarea.addEventListener(type, function (event) {
      if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types || [], "Files") !== -1) {
        event.preventDefault();
        textarea.classList.add("drop-target");
      }
    });
  });
  textarea.addEventListener("dragleave", function () { textarea.classList.remove("drop-target"); });
  textarea.addEventListener("drop", function (event) {
    textarea.classList.remove("drop-target");
    var files = imageFiles(event.dataTransfer);
    if (!files.length) { return; }
    event.preventDefault();
    uploadFiles(files, false);
  });

  fileInput.addEventListener("change", function () {
    uploadFiles(fileInput.files, galleryMode);
  });

  if (cards) {
    cards.addEventListener("change", function (event) {
      var card = event.target.closest(".photo-card");
      if (card) { saveCard(card); }
    });
    cards.addEventListener("input", function (event) {
      var card = event.target.closest(".photo-card");
      if (card) { card.dataset.unsaved = "true"; }
      showMissingAlt();
    });
  }

  textarea.addEventListener("input", changed);
  if (titleInput) { titleInput.addEventListener("input", changed); }

  form.addEventListener("submit", function (event) {
    // Publish or Save right after typing: photo details typed but not yet sent go first, and the
    // submission waits for every save in flight (the first autosave may be creating this post,
    // a caption's save re-renders it), so nothing typed is lost or overwritten afterwards.
    if (cards) {
      cards.querySelectorAll(".photo-card[data-unsaved]").forEach(function (card) { saveCard(card); });
    }
    if (submitWaiting || (inFlight.length && !waited)) {
      event.preventDefault();
      if (submitWaiting) { return; }
      submitWaiting = true;
      setStatus("Saving before sending…", "saving");
      var submitter = event.submitter;
      var again = function () {
        submitWaiting = false;
        waited = true;
        form.requestSubmit(submitter || undefined);
      };
      var settled = Promise.all(inFlight.map(function (r) { return r.catch(function () { return null; }); }));
      // A save that never answers must not hold the submission: the form carries the text and the
      // photo details itself.
      var patience = new Promise(function (resolve) { setTimeout(resolve, SUBMIT_WAIT_MS); });
      Promise.race([settled, patience]).then(again);
      return;
    }
    waited = false;
    submitting = true;
    backup(); // if the submission fails, the text is still here after a reload
  });

  window.addEventListener("beforeunload", function (event) {
    if ((dirty || saving) && !submitting) {
      event.preventDefault();
      event.returnValue = "";
      return "";
    }
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { autosave({ keepalive: true }); }
  });
  window.addEventListener("online", function () { autosave(); });
  window.addEventListener("offline", function () { if (dirty) { offline(); } });

  if (restoreBackup()) {
    dirty = true;
    firstChangeAt = Date.now();
    setStatus("Restored text kept in this browser; not saved to the server yet.", "pending");
    autosaveTimer = setTimeout(autosave, AUTOSAVE_IDLE_MS);
    refreshPreview();
  } else {
    lastSaved = currentText();
  }
  showMissingAlt();
}());
