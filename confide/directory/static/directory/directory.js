// Directory search: let HTMX show the server's 400 message ("unknown filter…")
// in the results area instead of dropping it, since it explains what to fix.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (detail.xhr && detail.xhr.status === 400 && detail.target && detail.target.id === "results") {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });
})();
