// Event editor: show only the date fields that the chosen precision uses.
// Without JavaScript every field stays visible and the hints say which apply.
(function () {
  "use strict";
  var select = document.getElementById("precision");
  if (!select) { return; }
  var groups = document.querySelectorAll("[data-precision]");
  function update() {
    var chosen = select.value;
    groups.forEach(function (group) {
      var uses = group.getAttribute("data-precision").split(" ");
      group.hidden = uses.indexOf(chosen) === -1;
    });
  }
  select.addEventListener("change", update);
  update();
}());
