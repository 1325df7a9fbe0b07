/* "New event…" beside the post's "Linked event": the dialog creates the event on the server and
   chooses it in the select, so the post is linked to it when saved. */

export function setUpEventDialog(csrf) {
  const dialog = document.getElementById("event-dialog");
  const select = document.getElementById("event_id");
  const opener = document.querySelector("button.new-event");
  if (!dialog || !select || !opener) { return; }
  const form = dialog.querySelector("form");
  const precision = form.elements.precision;
  const error = dialog.querySelector(".event-dialog-error");

  const showDateField = () => {
    dialog.querySelectorAll("[data-precision]").forEach((field) => {
      field.hidden = field.dataset.precision !== precision.value;
    });
  };
  precision.addEventListener("change", showDateField);

  opener.hidden = false;
  opener.addEventListener("click", () => {
    form.reset();
    showDateField();
    error.textContent = "";
    dialog.showModal();
    form.elements.title.focus();
  });

  form.addEventListener("submit", (event) => {
    if (event.submitter && event.submitter.value === "cancel") { return; }
    event.preventDefault();
    const data = {
      title: form.elements.title.value,
      precision: precision.value,
      when: precision.value === "month" ? form.elements.month.value : form.elements.day.value,
      venue: form.elements.venue.value,
      city: form.elements.city.value,
    };
    fetch(dialog.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify(data),
    }).then((response) => response.json().then((answer) => ({ ok: response.ok, answer }))).then(({ ok, answer }) => {
      if (!ok) { error.textContent = answer.error || "The event could not be created."; return; }
      const option = document.createElement("option");
      option.value = String(answer.id);
      option.textContent = answer.label;
      select.append(option);
      select.value = option.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      dialog.close();
      opener.focus();
    }).catch(() => { error.textContent = "The server could not be reached; try again."; });
  });
}
