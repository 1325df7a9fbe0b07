/* "New co-author…" below the post's authors: the dialog creates a byline-only person on the server
   and adds them to the chosen authors, so the post credits them when saved. The <dialog> keeps
   focus inside while open, Escape closes it, and focus returns to the button. */
(function () {
  "use strict";

  function setUp() {
    const dialog = document.getElementById("co-author-dialog");
    const select = document.getElementById("authors");
    const opener = document.querySelector("button.new-co-author");
    const token = document.querySelector("form input[name=csrf_token]");
    if (!dialog || !select || !opener) { return; }
    const form = dialog.querySelector("form");
    const error = dialog.querySelector(".co-author-dialog-error");

    opener.hidden = false;
    opener.addEventListener("click", function () {
      form.reset();
      error.textContent = "";
      dialog.showModal();
      form.elements.display_name.focus();
    });
    dialog.addEventListener("close", function () { opener.focus(); });

    form.addEventListener("submit", function (event) {
      if (event.submitter && event.submitter.value === "cancel") { return; }
      event.preventDefault();
      fetch(dialog.dataset.url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json",
                   "X-CSRFToken": token ? token.value : "" },
        body: JSON.stringify({ display_name: form.elements.display_name.value,
                               affiliation: form.elements.affiliation.value }),
      }).then(function (response) {
        return response.json().then(function (answer) { return { ok: response.ok, answer: answer }; });
      }).then(function (result) {
        if (!result.ok) { error.textContent = result.answer.error || "The co-author could not be added."; return; }
        const option = document.createElement("option");
        option.value = String(result.answer.id);
        option.textContent = result.answer.label;
        option.selected = true;
        select.append(option);
        select.dispatchEvent(new Event("change", { bubbles: true }));
        dialog.close();
      }).catch(function () { error.textContent = "The server could not be reached; try again."; });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
}());
