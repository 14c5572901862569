// Safety alert badge for therapists and staff: refreshes every 30 s while the page is visible, so a
// new alert shows even when nobody touches the keyboard. The polls carry X-Confide-Background, so
// the server's idle lock does not count them as activity: an unattended session still locks.
(function () {
  "use strict";
  function refresh(badge) {
    fetch(badge.dataset.badgeUrl, {
      credentials: "same-origin",
      redirect: "manual",
      headers: { "HX-Request": "true", "X-Confide-Background": "1" }
    })
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
        if (document.visibilityState === "visible") refresh(badge);
      }, 30000);
    });
  });
})();
