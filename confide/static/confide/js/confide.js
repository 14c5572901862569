// Confide's small page behaviours. No inline scripts anywhere (CSP); each
// behaviour reads its settings from data- attributes.
(function () {
  "use strict";

  // Idle lock: after data-idle-seconds without any interaction, leave the page
  // for the signed-out screen so an unattended device shows no health data.
  // While the person is active but not clicking links (typing a long message),
  // ping the server so its own idle timer does not expire.
  function startIdleLock() {
    var body = document.body;
    var idleSeconds = parseInt(body.dataset.idleSeconds || "0", 10);
    if (!idleSeconds) return;
    var lastActivity = Date.now();
    var lastPing = Date.now();
    var csrf = (document.cookie.match(/(?:^|; )(?:__Host-)?confide_csrf=([^;]+)/) || [])[1] || "";
    ["keydown", "pointerdown", "touchstart", "scroll", "mousemove"].forEach(function (name) {
      window.addEventListener(name, function () { lastActivity = Date.now(); }, { passive: true });
    });
    setInterval(function () {
      var now = Date.now();
      if (now - lastActivity > idleSeconds * 1000) {
        window.location.assign(body.dataset.signedOutUrl);
        return;
      }
      if (lastActivity > lastPing && now - lastPing > 60000) {
        lastPing = now;
        fetch(body.dataset.keepaliveUrl, { method: "POST", headers: { "X-CSRFToken": decodeURIComponent(csrf) }, credentials: "same-origin" });
      }
    }, 5000);
  }

  // Time-zone selects marked data-detect-tz start at the browser's zone.
  function preselectTimeZone() {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    document.querySelectorAll("select[data-detect-tz]").forEach(function (select) {
      if (select.dataset.userChosen) return;
      var option = select.querySelector('option[value="' + zone + '"]');
      if (option && (select.value === "UTC" || !select.value)) select.value = zone;
    });
  }

  // Buttons with data-confirm ask before submitting (no inline onclick).
  function confirmButtons() {
    document.addEventListener("click", function (event) {
      var button = event.target.closest("[data-confirm]");
      if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    startIdleLock();
    preselectTimeZone();
    confirmButtons();
  });
})();
