// Safety alert badge for therapists and staff: refreshes every 30 s, but only while the person is
// actually using the page — background polling must not keep an unattended session alive
// (the server's idle lock counts every request as activity).
(function () {
  "use strict";
  var ACTIVE_WINDOW_MS = 120000;
  var lastActivity = Date.now();
  ["mousemove", "mousedown", "keydown", "scroll", "touchstart", "focus"].forEach(function (name) {
    window.addEventListener(name, function () { lastActivity = Date.now(); }, { passive: true });
  });
  function refresh(badge) {
    fetch(badge.dataset.badgeUrl, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        var parsed = new DOMParser().parseFromString(html, "text/html");
        badge.replaceChildren.apply(badge, Array.from(parsed.body.childNodes));
      })
      .catch(function () { /* offline: keep the last count */ });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-badge-url]").forEach(function (badge) {
      refresh(badge);
      window.setInterval(function () {
        if (Date.now() - lastActivity < ACTIVE_WINDOW_MS && document.visibilityState === "visible") refresh(badge);
      }, 30000);
    });
  });
})();
