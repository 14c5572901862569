// Live chat on the conversation page (docs/messaging.md). Progressive enhancement: the page is a normal
// form that posts without JavaScript; this script adds the WebSocket (reconnect + resync from the last
// seen sequence number), an outbox with idempotency keys and a visible "not delivered — retry" state,
// typing, presence, read receipts, editing, and an aria-live region. Configured by data- attributes.
(function () {
  "use strict";
  var root = document.querySelector("[data-chat]");
  if (!root || !("WebSocket" in window)) return;

  var me = root.dataset.user;
  var otherName = root.dataset.otherName || "The other person";
  var log = root.querySelector("[data-chat-log]");
  var live = root.querySelector("[data-chat-live]");
  var form = root.querySelector("[data-chat-form]");
  var textarea = form ? form.querySelector("textarea") : null;
  var connection = root.querySelector("[data-connection]");
  var presence = root.querySelector("[data-presence]");
  var typingLine = root.querySelector("[data-typing]");
  var editWindowMs = (parseInt(root.dataset.editWindow, 10) || 300) * 1000;
  var csrf = form ? form.querySelector("[name=csrfmiddlewaretoken]").value : "";
  var ACK_TIMEOUT_MS = 8000;
  // "Online" lasts this long unless renewed: sockets re-announce themselves once a minute, and a crashed
  // server process cannot say goodbye.
  var presenceTtlMs = (parseFloat(root.dataset.presenceTtl) || 150) * 1000;
  var presenceTimer = null;

  var lastSeq = parseInt(root.dataset.lastSeq, 10) || 0; // every position up to here has been applied
  var ahead = {}; // positions received beyond a gap
  var outbox = {}; // idempotency key -> {frame, el, timer}
  var socket = null;
  var ready = false;
  var retryMs = 500;
  var gapTimer = null;
  var readTimer = null;
  var typingTimer = null;
  var lastTypingSent = 0;
  var theirReadSeq = 0;

  // --- positions (seq) ------------------------------------------------------------------------------
  function note(position) {
    if (!position || position <= lastSeq) return;
    ahead[position] = true;
    while (ahead[lastSeq + 1]) { delete ahead[lastSeq + 1]; lastSeq += 1; }
    if (Object.keys(ahead).length && !gapTimer) {
      // A frame arrived before an earlier one (several senders, several processes): ask for the gap.
      gapTimer = window.setTimeout(function () { gapTimer = null; sync(); }, 300);
    }
  }
  function advance(upto) {
    if (upto > lastSeq) lastSeq = upto;
    Object.keys(ahead).forEach(function (p) { if (+p <= lastSeq) delete ahead[p]; });
    while (ahead[lastSeq + 1]) { delete ahead[lastSeq + 1]; lastSeq += 1; }
  }

  // --- socket ---------------------------------------------------------------------------------------
  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + root.dataset.wsPath);
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (err) { return; }
      handle(frame);
    };
    socket.onclose = function (event) {
      ready = false;
      if (event.code === 4401 || event.code === 4403 || event.code === 4404) {
        setConnection("Live chat is not available (sign in again or reload). The form below still works.");
        return;
      }
      setConnection("Connection lost — reconnecting…");
      window.setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 15000);
    };
  }
  function send(frame) {
    if (!ready || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }
  function sync() { send({ type: "sync", after: lastSeq }); }

  function handle(frame) {
    switch (frame.type) {
      case "ready":
        ready = true;
        retryMs = 500;
        setConnection("Live");
        sync();
        flushOutbox();
        break;
      case "sync":
        frame.frames.forEach(apply);
        advance(frame.upto);
        if (frame.more) sync();
        scheduleRead();
        break;
      case "message":
      case "edit":
        apply(frame);
        scheduleRead();
        break;
      case "head":
        // Once a minute: the conversation's last position. Behind it, an event was lost on the way: catch up.
        if (frame.seq > lastSeq) sync();
        break;
      case "ack": acked(frame); break;
      case "edit_ack": break;
      case "error": errored(frame); break;
      case "typing": showTyping(); break;
      case "presence": showPresence(frame.online); break;
      case "read": receipt(frame); break;
      case "crisis": showCrisis(frame); break;
    }
  }

  // --- rendering --------------------------------------------------------------------------------------
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  // Times as the server renders them ("23 Nov, 23:54", the person's chosen zone), not the browser's locale.
  var timeFormat = (function () {
    var options = { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    try {
      return new Intl.DateTimeFormat("en-GB", Object.assign({ timeZone: root.dataset.timeZone || "UTC" }, options));
    } catch (e) {
      return new Intl.DateTimeFormat("en-GB", options);
    }
  })();
  function timeText(iso) {
    return timeFormat.format(iso ? new Date(iso) : new Date());
  }
  function setBody(node, text) {
    var body = node.querySelector(".msg-body");
    body.replaceChildren();
    text.split("\n").forEach(function (line, i) {
      if (i) body.appendChild(document.createElement("br"));
      body.appendChild(document.createTextNode(line));
    });
  }
  function buildMessage(frame, mine) {
    var li = el("li", "msg " + (mine ? "msg-mine" : "msg-theirs") + " msg-" + (frame.kind || "chat"));
    var meta = el("p", "msg-meta");
    meta.appendChild(el("span", "msg-who", mine ? "You" : otherName));
    meta.appendChild(document.createTextNode(" · "));
    var time = el("time", "", timeText(frame.created_at));
    if (frame.created_at) time.setAttribute("datetime", frame.created_at);
    meta.appendChild(time);
    if (frame.kind === "auto_reply") meta.appendChild(document.createTextNode(" · automatic reply"));
    var edited = el("span", "msg-edited", " · edited");
    edited.hidden = !frame.edited_at;
    meta.appendChild(edited);
    meta.appendChild(document.createTextNode(" "));
    var state = el("span", "msg-state");
    state.setAttribute("data-state", "");
    meta.appendChild(state);
    li.appendChild(meta);
    if (frame.kind === "letter" && frame.subject) {
      var subject = el("p", "msg-subject");
      subject.appendChild(el("strong", "", "Letter: " + frame.subject));
      li.appendChild(subject);
    }
    li.appendChild(el("div", "msg-body"));
    setBody(li, frame.body || "");
    (frame.attachments || []).forEach(function (a) {
      var p = el("p");
      var link = el("a", "", a.content_type.indexOf("image/") === 0 ? "" : "Download PDF");
      link.href = a.url;
      if (a.content_type.indexOf("image/") === 0) {
        var img = el("img", "msg-image");
        img.src = a.url;
        img.alt = "Image sent " + (mine ? "by you" : "by " + otherName);
        link.appendChild(img);
      }
      p.appendChild(link);
      li.appendChild(p);
    });
    return li;
  }
  function placeInOrder(li, seq) {
    var empty = log.querySelector("[data-empty]");
    if (empty) empty.remove();
    var items = log.querySelectorAll("li[data-seq]");
    for (var i = 0; i < items.length; i += 1) {
      if (+items[i].dataset.seq > seq) { log.insertBefore(li, items[i]); return; }
    }
    var pending = log.querySelector("li.msg-pending");
    if (pending) log.insertBefore(li, pending); else log.appendChild(li);
  }
  function apply(frame) {
    if (frame.type === "edit") {
      note(frame.seq);
      var target = log.querySelector('li[data-id="' + frame.id + '"]');
      if (target) {
        setBody(target, frame.body);
        target.querySelector(".msg-edited").hidden = false;
      }
      return;
    }
    note(frame.seq);
    if (frame.version_seq && frame.version_seq !== frame.seq) note(frame.version_seq);
    var existing = log.querySelector('li[data-id="' + frame.id + '"]');
    if (existing) {
      setBody(existing, frame.body);
      existing.querySelector(".msg-edited").hidden = !frame.edited_at;
      return;
    }
    var mine = frame.sender === me;
    var pending = mine && frame.key && outbox[frame.key];
    var li = buildMessage(frame, mine);
    li.id = "m-" + frame.id;
    li.dataset.id = frame.id;
    li.dataset.seq = frame.seq;
    li.dataset.sender = frame.sender;
    li.dataset.created = frame.created_at;
    if (pending) { window.clearTimeout(pending.timer); pending.el.remove(); delete outbox[frame.key]; }
    placeInOrder(li, frame.seq);
    if (mine) { addEditButton(li); setState(li, frame.seq <= theirReadSeq ? "Read" : "Sent"); }
    else announce(otherName + ": " + (frame.subject ? frame.subject + ". " : "") + (frame.body || "sent an attachment"));
    if (!mine) clearTyping();
  }
  function setState(li, text) {
    var state = li.querySelector("[data-state]");
    if (state) state.textContent = text ? "· " + text : "";
  }
  function announce(text) {
    var p = el("p", "", text);
    live.appendChild(p);
    while (live.childNodes.length > 5) live.removeChild(live.firstChild);
  }
  function setConnection(text) { if (connection) connection.textContent = text; }

  // --- outbox -----------------------------------------------------------------------------------------
  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function queue(body) {
    var key = newKey();
    var li = buildMessage({ body: body, kind: "chat" }, true);
    li.classList.add("msg-pending");
    li.dataset.key = key;
    log.appendChild(li);
    var empty = log.querySelector("[data-empty]");
    if (empty) empty.remove();
    outbox[key] = { frame: { type: "send", key: key, body: body }, el: li, timer: null };
    deliver(key);
  }
  function deliver(key) {
    var item = outbox[key];
    if (!item) return;
    setState(item.el, "Sending…");
    clearRetry(item.el);
    window.clearTimeout(item.timer);
    if (send(item.frame)) {
      item.timer = window.setTimeout(function () { failed(key, "Not delivered."); }, ACK_TIMEOUT_MS);
    } else {
      postFallback(key);
    }
  }
  function postFallback(key) {
    // The socket is down: the same message, with the same idempotency key, over the HTTP API.
    var item = outbox[key];
    fetch(root.dataset.apiUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ body: item.frame.body, idempotency_key: key })
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (result.ok) acked(result.data);
      else failed(key, typeof result.data.detail === "string" ? result.data.detail : "Not delivered.");
    }).catch(function () { failed(key, "Not delivered."); });
  }
  function flushOutbox() { Object.keys(outbox).forEach(deliver); }
  function acked(frame) {
    var item = outbox[frame.key];
    if (!item) return;
    window.clearTimeout(item.timer);
    delete outbox[frame.key];
    note(frame.seq);
    if (log.querySelector('li[data-id="' + frame.id + '"]')) { item.el.remove(); return; }
    var li = item.el;
    li.classList.remove("msg-pending");
    li.id = "m-" + frame.id;
    li.dataset.id = frame.id;
    li.dataset.seq = frame.seq;
    li.dataset.sender = me;
    li.dataset.created = frame.created_at;
    li.querySelector("time").textContent = timeText(frame.created_at);
    li.remove();
    placeInOrder(li, frame.seq);
    addEditButton(li);
    setState(li, frame.seq <= theirReadSeq ? "Read" : "Sent");
  }
  function failed(key, why) {
    var item = outbox[key];
    if (!item) return;
    window.clearTimeout(item.timer);
    setState(item.el, why + " Message not delivered.");
    clearRetry(item.el);
    var button = el("button", "small secondary", "Retry");
    button.type = "button";
    button.setAttribute("data-retry", "");
    button.addEventListener("click", function () { deliver(key); });
    item.el.querySelector(".msg-meta").appendChild(button);
    announce("Your message was not delivered. Use the Retry button.");
  }
  function refused(key, why) {
    // The server will never accept this text as it is (too long, say): no Retry; give the text back to edit.
    var item = outbox[key];
    if (!item) return;
    window.clearTimeout(item.timer);
    delete outbox[key];
    item.el.remove();
    if (textarea && !textarea.value.trim()) textarea.value = item.frame.body;
    showProblem(why + " Your text is back in the box.");
  }
  function showProblem(text) {
    var problem = form && form.querySelector("[data-chat-problem]");
    if (problem) { problem.textContent = text; problem.hidden = false; }
    announce(text);
    if (textarea) textarea.focus();
  }
  function clearRetry(li) {
    var old = li.querySelector("[data-retry]");
    if (old) old.remove();
  }
  function errored(frame) {
    if (frame.key && outbox[frame.key] && frame.code === "invalid") {
      refused(frame.key, frame.message);
      return;
    }
    if (frame.key && outbox[frame.key]) {
      failed(frame.key, frame.message);
      if (frame.code === "rate_limited" && frame.retry_after) {
        window.setTimeout(function () { deliver(frame.key); }, frame.retry_after * 1000);
      }
      return;
    }
    announce(frame.message);
  }

  // --- read receipts, typing, presence ----------------------------------------------------------------
  function scheduleRead() {
    if (readTimer || document.visibilityState !== "visible") return;
    readTimer = window.setTimeout(function () {
      readTimer = null;
      send({ type: "read", seq: lastSeq });
    }, 400);
  }
  document.addEventListener("visibilitychange", scheduleRead);
  function receipt(frame) {
    if (frame.user === me) return;
    theirReadSeq = Math.max(theirReadSeq, frame.seq);
    log.querySelectorAll("li.msg-mine[data-seq]").forEach(function (li) {
      if (+li.dataset.seq <= theirReadSeq) setState(li, "Read");
    });
  }
  function showTyping() {
    typingLine.textContent = otherName + " is typing…";
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(clearTyping, 4000);
  }
  function clearTyping() { typingLine.textContent = ""; }
  function showPresence(online) {
    window.clearTimeout(presenceTimer);
    if (online) presenceTimer = window.setTimeout(function () { showPresence(false); }, presenceTtlMs);
    if (presence) presence.textContent = otherName + (online ? " is online." : " is offline.");
  }

  // --- crisis resources -------------------------------------------------------------------------------
  function showCrisis(frame) {
    var slot = root.querySelector("[data-crisis-slot]");
    var r = frame.resources || {};
    var card = el("section", "card urgent");
    card.setAttribute("role", "alert");
    card.setAttribute("data-crisis", "");
    card.appendChild(el("h2", "", "You do not have to face this alone"));
    card.appendChild(el("p", "", "Your therapist has been told that you may be going through a very hard time. " +
      "If you might act on thoughts of harming yourself, please get help now:"));
    var numbers = el("p", "", "Emergency: " + (r.emergency || []).join(" or "));
    card.appendChild(numbers);
    var list = el("ul", "crisis-lines");
    (r.lines || []).forEach(function (line) {
      var text = line.name + (line.phone ? " — call " + line.phone : "") + (line.text ? " — text " + line.text : "");
      list.appendChild(el("li", "", text));
    });
    card.appendChild(list);
    var more = el("a", "", "More crisis resources and the “I need help now” button");
    more.href = frame.help_url || "/help/";
    var p = el("p");
    p.appendChild(more);
    card.appendChild(p);
    slot.replaceChildren(card);
  }

  // --- editing ----------------------------------------------------------------------------------------
  function addEditButton(li) {
    if (root.dataset.canSend !== "true" || li.querySelector("[data-edit]")) return;
    var created = Date.parse(li.dataset.created || "") || Date.now();
    if (Date.now() - created > editWindowMs) return;
    var button = el("button", "link-button", "Edit");
    button.type = "button";
    button.setAttribute("data-edit", "");
    button.addEventListener("click", function () { startEdit(li); });
    var actions = li.querySelector(".msg-actions") || el("p", "msg-actions");
    var link = actions.querySelector("[data-edit-link]");
    if (link) link.remove();
    actions.appendChild(button);
    li.appendChild(actions);
    window.setTimeout(function () { button.remove(); }, Math.max(0, editWindowMs - (Date.now() - created)));
  }
  function startEdit(li) {
    if (li.querySelector("[data-edit-form]")) return;
    var editor = el("form", "msg-edit");
    editor.setAttribute("data-edit-form", "");
    var id = "edit-" + li.dataset.id;
    var label = el("label", "", "Edit your message");
    label.setAttribute("for", id);
    var area = el("textarea");
    area.id = id;
    area.rows = 3;
    area.value = li.querySelector(".msg-body").innerText;
    var save = el("button", "small", "Save");
    save.type = "submit";
    var cancel = el("button", "small secondary", "Cancel");
    cancel.type = "button";
    cancel.addEventListener("click", function () { editor.remove(); });
    editor.append(label, area, save, cancel);
    editor.addEventListener("submit", function (event) {
      event.preventDefault();
      if (send({ type: "edit", id: li.dataset.id, body: area.value })) editor.remove();
      else announce("You are offline; the edit was not saved.");
    });
    li.appendChild(editor);
    area.focus();
  }

  // --- wiring -----------------------------------------------------------------------------------------
  if (form) {
    var fileInput = form.querySelector("input[type=file]");
    form.addEventListener("submit", function (event) {
      if (fileInput && fileInput.files.length) return; // attachments go through the normal form post
      var body = textarea.value.trim();
      event.preventDefault();
      if (!body) { announce("Write a message first."); textarea.focus(); return; }
      var limit = parseInt(textarea.dataset.maxChars || textarea.getAttribute("maxlength"), 10);
      if (limit && body.length > limit) {
        showProblem("A chat message can be at most " + limit.toLocaleString("en") + " characters long (this one has " +
          body.length.toLocaleString("en") + "). Shorten it, or send a letter.");
        return;
      }
      var problem = form.querySelector("[data-chat-problem]");
      if (problem) problem.hidden = true;
      queue(body);
      textarea.value = "";
      textarea.focus();
    });
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    textarea.addEventListener("input", function () {
      if (Date.now() - lastTypingSent > 2000) { lastTypingSent = Date.now(); send({ type: "typing" }); }
    });
  }
  log.querySelectorAll("li.msg-mine[data-seq]").forEach(addEditButton);
  var latest = log.lastElementChild;
  if (latest && window.location.hash === "#latest") latest.scrollIntoView({ block: "end" });
  connect();
})();
