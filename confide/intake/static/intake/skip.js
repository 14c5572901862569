// Skip logic for questionnaires (progressive enhancement; the server ignores skipped answers anyway).
// A fieldset with data-ask-if="q2=1" is shown only while the radio q2 has value 1.
(function () {
  "use strict";
  function update(form) {
    form.querySelectorAll("[data-ask-if]").forEach(function (box) {
      var parts = box.getAttribute("data-ask-if").split("=");
      var chosen = form.querySelector('input[name="' + parts[0] + '"]:checked');
      var show = chosen !== null && chosen.value === parts[1];
      box.hidden = !show;
      box.querySelectorAll("input").forEach(function (input) { input.disabled = !show; });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-skip-logic]").forEach(function (form) {
      form.querySelectorAll(".skip-note").forEach(function (note) { note.hidden = true; });
      update(form);
      form.addEventListener("change", function () { update(form); });
    });
  });
})();
