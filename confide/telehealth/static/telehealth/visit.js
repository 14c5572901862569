// The visit page: pre-call check, waiting room, WebRTC call (perfect negotiation),
// in-session chat, quality indicator, degradation and recovery. Configured by the
// data- attributes of #visit; no inline script (CSP). docs/telehealth.md describes
// the signalling frames this speaks.
(function () {
  "use strict";

  var PROTOCOL = "confide.visit.v1";
  var TOKEN_FRESH_MS = 90 * 1000;
  var STATS_EVERY_MS = 2000;
  var RESTORE_GIVE_UP_MS = 30 * 1000;
  // Media that never connects at all (blocked UDP, no TURN): offer the chat sooner. The call keeps trying.
  var SETUP_GIVE_UP_MS = 15 * 1000;
  var DISCONNECTED_GRACE_MS = 2500;

  var root, cfg, ws, pc, localStream, screenStream, screenSender;
  var state = {
    admitted: false, peerPresent: false, joined: false, ended: false,
    muted: false, cameraOff: false, degraded: false, connected: false,
    makingOffer: false, ignoreOffer: false, settingAnswer: false,
    tokenAt: Date.now(), remoteCameraStream: null, lostSince: 0, everConnected: false, reconnectDelay: 500,
    poorSamples: 0, goodSamples: 0, lastStats: null, timerStart: 0
  };

  // Signalling is processed strictly in order, after local media is ready: an offer that
  // arrives while the camera is still starting must wait for the connection it belongs to.
  var queue = Promise.resolve();
  var mediaReady = Promise.resolve();
  function enqueue(fn) { queue = queue.then(fn).catch(function () {}); return queue; }

  function $(id) { return document.getElementById(id); }
  function show(id, on) { var el = $(id); if (el) el.hidden = !on; }
  function setStatus(text) { var el = $("visit-status"); if (el) el.textContent = text; }
  function announce(text) {
    setStatus(text);
    speak(text);
  }
  function speak(text) {  // screen readers only (the announcer is visually hidden)
    var el = $("announcer");
    if (el) { el.textContent = ""; window.setTimeout(function () { el.textContent = text; }, 50); }
  }
  function isVideo() { return cfg.modality === "video"; }
  function csrf() {
    var m = document.cookie.match(/(?:^|; )(?:__Host-)?confide_csrf=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  // --- local media and the pre-call check ---------------------------------------------------

  function constraints(kind) {
    var select = kind === "audio" ? $("mic-select") : $("camera-select");
    var id = select && select.value;
    return id ? { deviceId: { exact: id } } : true;
  }

  function getLocalMedia() {
    var wantVideo = isVideo() && !state.cameraOff;
    return navigator.mediaDevices.getUserMedia({ audio: constraints("audio"), video: wantVideo ? constraints("video") : false })
      .then(function (stream) {
        localStream = stream;
        attachLocal();
        meter(stream);
        return listDevices().then(function () { return stream; });
      });
  }

  function attachLocal() {
    ["preview", "local-video"].forEach(function (id) { var v = $(id); if (v) v.srcObject = localStream; });
  }

  function listDevices() {
    return navigator.mediaDevices.enumerateDevices().then(function (devices) {
      document.querySelectorAll("select[data-kind]").forEach(function (select) {
        var current = currentDeviceId(select.dataset.kind) || select.value;
        select.textContent = "";
        devices.filter(function (d) { return d.kind === select.dataset.kind; }).forEach(function (d, i) {
          var option = document.createElement("option");
          option.value = d.deviceId;
          option.textContent = d.label || (d.kind === "audioinput" ? "Microphone " : "Camera ") + (i + 1);
          if (d.deviceId === current) option.selected = true;
          select.appendChild(option);
        });
      });
    });
  }

  function currentDeviceId(kind) {
    if (!localStream) return "";
    var tracks = kind === "audioinput" ? localStream.getAudioTracks() : localStream.getVideoTracks();
    var settings = tracks.length && tracks[0].getSettings ? tracks[0].getSettings() : {};
    return settings.deviceId || "";
  }

  var audioContext;
  function audioCtx() {
    audioContext = audioContext || new (window.AudioContext || window.webkitAudioContext)();
    return audioContext;
  }

  function meter(stream) {
    var el = $("mic-level");
    if (!el || !stream.getAudioTracks().length) return;
    try {
      var ctx = audioCtx();
      var analyser = ctx.createAnalyser();
      analyser.fftSize = 256;
      ctx.createMediaStreamSource(stream).connect(analyser);
      var data = new Uint8Array(analyser.frequencyBinCount);
      var tick = function () {
        analyser.getByteTimeDomainData(data);
        var peak = 0;
        for (var i = 0; i < data.length; i++) peak = Math.max(peak, Math.abs(data[i] - 128) / 128);
        el.value = peak;
        if (!state.ended) window.setTimeout(tick, 150);
      };
      tick();
    } catch (e) { /* no WebAudio: the meter stays at zero */ }
  }

  function testTone() {
    try {
      var ctx = audioCtx();
      var osc = ctx.createOscillator();
      var gain = ctx.createGain();
      osc.frequency.value = 440;
      gain.gain.value = 0.1;
      osc.connect(gain).connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 1);
      announce("Playing a one-second test sound. If you did not hear it, check your speaker or headphones.");
    } catch (e) {
      announce("This browser cannot play the test sound.");
    }
  }

  // Network check: round trip to our server, and which ICE paths this network offers.
  function networkCheck() {
    var out = $("network-result");
    out.textContent = "Checking…";
    var times = [];
    var once = function () {
      var t0 = performance.now();
      return fetch(cfg.healthUrl, { cache: "no-store", credentials: "same-origin" }).then(function () { times.push(performance.now() - t0); });
    };
    var chain = Promise.resolve();
    for (var i = 0; i < 5; i++) chain = chain.then(once);
    chain.then(gatherCandidates).then(function (kinds) {
      times.sort(function (a, b) { return a - b; });
      var rtt = Math.round(times[Math.floor(times.length / 2)]);
      var paths = kinds.length ? kinds.join(", ") : "none found";
      var verdict = rtt < 300 && kinds.length ? "Your connection looks fine for a call." : "Your connection may struggle; audio will be kept if video cannot.";
      out.textContent = "Server round trip " + rtt + " ms. Network paths: " + paths + ". " + verdict;
    }).catch(function () {
      out.textContent = "We could not reach the server. Check your internet connection.";
    });
  }

  function gatherCandidates() {
    return new Promise(function (resolve) {
      var probe = new RTCPeerConnection({ iceServers: cfg.iceServers });
      var kinds = {};
      var names = { host: "direct", srflx: "public (STUN)", prflx: "public", relay: "relay (TURN)" };
      probe.createDataChannel("probe");
      var finish = function () { probe.close(); resolve(Object.keys(kinds).map(function (k) { return names[k] || k; })); };
      probe.onicecandidate = function (e) {
        if (!e.candidate) { finish(); return; }
        var m = / typ (\w+)/.exec(e.candidate.candidate);
        if (m) kinds[m[1]] = true;
      };
      probe.createOffer().then(function (o) { return probe.setLocalDescription(o); });
      window.setTimeout(finish, 3000);
    });
  }

  // --- signalling socket ---------------------------------------------------------------------

  function freshToken() {
    if (cfg.token && Date.now() - state.tokenAt < TOKEN_FRESH_MS) {
      var t = cfg.token;
      cfg.token = "";
      return Promise.resolve(t);
    }
    return fetch(cfg.tokenUrl, { method: "POST", headers: { "X-CSRFToken": csrf() }, credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) throw new Error("refused");
        return r.json();
      })
      .then(function (body) { return body.token; });
  }

  function connectSocket() {
    if (state.ended) return;
    freshToken().then(function (token) {
      var scheme = location.protocol === "https:" ? "wss://" : "ws://";
      var opened = false;
      ws = new WebSocket(scheme + location.host + cfg.wsPath, [PROTOCOL, "token." + token]);
      ws.onopen = function () { opened = true; state.reconnectDelay = 500; };
      ws.onmessage = function (e) { onFrame(JSON.parse(e.data)); };
      ws.onclose = function (e) {
        if (state.ended || e.code === 4409 || e.code === 4000) return;
        if (!opened && e.code !== 1006) return;
        setStatus("Reconnecting to the visit…");
        window.setTimeout(connectSocket, state.reconnectDelay);
        state.reconnectDelay = Math.min(state.reconnectDelay * 2, 8000);
      };
    }).catch(function () {
      announce("The room is closed or you cannot join it any more. Reload the page to check.");
    });
  }

  function send(frame) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  }

  function onFrame(f) {
    var handler = FRAMES[f.type];
    if (handler) handler(f);
  }

  var FRAMES = {
    welcome: function (f) {
      cfg.iceServers = f.ice_servers || cfg.iceServers;
      state.admitted = f.admitted;
      state.peerPresent = f.peer_present;
      $("chat-send").disabled = false;
      if (cfg.role === "therapist") {
        setStatus(f.client_waiting ? "Your client is waiting." : "The room is open.");
        showWaiting(f.client_waiting);
      } else if (!f.admitted) {
        setStatus("You are in the waiting room.");
        show("waiting", true);
      }
      if (f.admitted) startCall(true);
    },
    waiting: function () { state.peerPresent = true; showWaiting(true); announce("Your client is in the waiting room."); },
    admitted: function () {
      if (state.admitted) return;  // already in the call: never tear down a running connection
      state.admitted = true;
      show("waiting", false);
      showWaiting(false);
      announce(cfg.role === "client" ? "Your therapist let you in. Connecting…" : "Admitted. Connecting…");
      startCall(true);
    },
    peer_joined: function () {
      state.peerPresent = true;
      if (state.admitted) { announce("The other person is back. Reconnecting the call…"); startCall(true); }
    },
    peer_left: function () {
      state.peerPresent = false;
      if (!state.admitted) { showWaiting(false); setStatus("Your client left the waiting room."); return; }
      setStatus("The other person's connection dropped. Waiting for them to come back…");
    },
    offer: onDescription, answer: onDescription,
    candidate: function (f) {
      if (!f.candidate) return;
      enqueue(function () {
        if (!pc) return null;
        return pc.addIceCandidate(f.candidate).catch(function () { /* candidates of an older connection */ });
      });
    },
    restart: function () { if (pc) pc.restartIce(); },
    peer_media: onPeerMedia,
    chat: onChat,
    crisis: function () { show("crisis", true); announce("Help is available right now: see the crisis support numbers on this page."); },
    // The page's own notice (with the link to the visit record) says it; the status line stays empty so
    // the words are not shown twice, and screen readers hear it once through the announcer.
    ended: function () { endLocally(""); setStatus(""); speak("The visit has ended."); show("visit-ended", true); },
    replaced: function () { endLocally("This visit is open in another tab or window."); },
    pong: function () {},
    error: function (f) { if (f.code !== "peer_absent") setStatus(f.message); }
  };

  function showWaiting(waiting) {
    if (cfg.role !== "therapist") return;
    show("admit", waiting && !state.admitted);
    var note = $("waiting-note");
    if (note) note.textContent = state.admitted ? "Your client is in the call." : waiting ? "Your client is in the waiting room." : "Your client is not in the waiting room yet.";
  }

  // --- the peer connection (perfect negotiation: the client is polite) ------------------------

  function startCall(fresh) {
    show("precall", false);
    show("call", true);
    if (!state.timerStart) state.timerStart = cfg.startedAt ? Date.parse(cfg.startedAt) : Date.now();
    // Until ICE says "connected" this counts as no media: if it never connects, the chat fallback shows.
    if (!state.connected) state.lostSince = state.lostSince || Date.now();
    enqueue(function () {
      return mediaReady.then(function () { if (fresh || !pc) newPeerConnection(); });
    });
  }

  // Who offers first on a fresh connection: only the therapist. Both sides build a new connection at
  // the same moment (admission, a reload); two crossing first offers make the client roll its own
  // back while it is still gathering, and Chrome then never gathers for the answer (no candidates,
  // ICE stuck in "new"). So the client's first offer waits for the therapist's; after that either
  // side renegotiates (camera, screen share, ICE restart). ``mayOffer``: a client rebuilding alone.
  function newPeerConnection(mayOffer) {
    if (pc) {
      pc.onnegotiationneeded = pc.onicecandidate = pc.ontrack = pc.oniceconnectionstatechange = pc.onconnectionstatechange = null;
      pc.close();
    }
    state.makingOffer = state.ignoreOffer = state.settingAnswer = false;
    state.remoteCameraStream = null;
    screenSender = null;
    pc = new RTCPeerConnection({ iceServers: cfg.iceServers });
    var offersFirst = cfg.role === "therapist" || mayOffer === true;
    pc.onnegotiationneeded = function () {
      if (!offersFirst && !pc.currentRemoteDescription) return;  // the therapist's offer is coming
      state.makingOffer = true;
      pc.setLocalDescription().then(function () {
        send({ type: pc.localDescription.type, sdp: pc.localDescription.sdp });
      }).catch(function () {}).then(function () { state.makingOffer = false; });
    };
    pc.onicecandidate = function (e) { if (e.candidate) send({ type: "candidate", candidate: e.candidate.toJSON() }); };
    pc.ontrack = onTrack;
    pc.oniceconnectionstatechange = onIceState;
    pc.onconnectionstatechange = onConnectionState;
    if (localStream) {
      localStream.getTracks().forEach(function (t) { pc.addTrack(t, localStream); });
      // Camera off for now: keep a video slot so turning it on is a replaceTrack, and we still receive video.
      if (isVideo() && !localStream.getVideoTracks().length) pc.addTransceiver("video", { direction: "sendrecv", streams: [localStream] });
    } else {
      mediaImpossible();
      pc.addTransceiver("audio", { direction: "recvonly" });
      if (isVideo()) pc.addTransceiver("video", { direction: "recvonly" });
    }
    if (screenStream) screenSender = pc.addTrack(screenStream.getVideoTracks()[0], screenStream);
    reportMedia();
  }

  function onDescription(f) {
    enqueue(function () {
      return mediaReady.then(function () { return applyDescription(f, true); });
    });
  }

  function applyDescription(f, retry) {
    if (!pc || pc.signalingState === "closed") newPeerConnection();
    var polite = cfg.role === "client";
    var readyForOffer = !state.makingOffer && (pc.signalingState === "stable" || state.settingAnswer);
    var collision = f.type === "offer" && !readyForOffer;
    state.ignoreOffer = !polite && collision;
    if (state.ignoreOffer) return null;
    state.settingAnswer = f.type === "answer";
    return pc.setRemoteDescription({ type: f.type, sdp: f.sdp }).then(function () {
      state.settingAnswer = false;
      if (f.type !== "offer") return null;
      return pc.setLocalDescription().then(function () {
        send({ type: pc.localDescription.type, sdp: pc.localDescription.sdp });
      });
    }).catch(function () {
      state.settingAnswer = false;
      // An offer from a brand-new connection on the other side (their page reloaded):
      // start a fresh connection here too and answer it.
      if (f.type === "offer" && retry) { newPeerConnection(); return applyDescription(f, false); }
      return null;
    });
  }

  function onTrack(e) {
    var stream = e.streams[0] || new MediaStream([e.track]);
    if (!state.remoteCameraStream || e.track.kind === "audio") state.remoteCameraStream = state.remoteCameraStream || stream;
    var target = stream === state.remoteCameraStream || stream.id === state.remoteCameraStream.id ? $("remote-video") : $("remote-screen");
    if (target === $("remote-screen")) {
      target.hidden = false;
      announce("The other person is sharing their screen.");
      e.track.onended = e.track.onmute = function () { target.hidden = true; };
      e.track.onunmute = function () { target.hidden = false; };
    }
    if (target.srcObject !== stream) target.srcObject = stream;
    var p = target.play();
    if (p && p.catch) p.catch(function () {});
  }

  function onIceState() {
    var s = pc.iceConnectionState;
    if (s === "connected" || s === "completed") {
      if (!state.connected) announce(cfg.role === "therapist" ? "Connected." : "Connected to your therapist.");
      state.connected = true;
      state.everConnected = true;
      state.fallbackAnnounced = false;
      state.lostSince = 0;
      show("media-failed", false);
      reportMedia();
      return;
    }
    if (s === "disconnected" || s === "failed") {
      state.connected = false;
      state.lostSince = state.lostSince || Date.now();
      setStatus("The connection is unstable. Reconnecting…");
      reportMedia();
      var current = pc;
      window.setTimeout(function () {
        if (pc === current && (pc.iceConnectionState === "disconnected" || pc.iceConnectionState === "failed")) pc.restartIce();
      }, s === "failed" ? 0 : DISCONNECTED_GRACE_MS);
    }
  }

  // ICE can be fine while DTLS failed (the other side's transport died): an ICE restart cannot
  // repair that, so start a fresh connection; the other side answers it with a fresh one too.
  function onConnectionState() {
    if (!pc || pc.connectionState !== "failed") return;
    var ice = pc.iceConnectionState;
    if (ice === "connected" || ice === "completed") {
      setStatus("The connection is broken. Reconnecting…");
      enqueue(function () { if (!state.ended) newPeerConnection(true); });
    } else {
      onIceState();
    }
  }

  // A network change (Wi-Fi to mobile): renegotiate new paths without anyone leaving.
  function onNetworkChange() {
    if (pc && state.admitted) { setStatus("Your network changed. Reconnecting…"); pc.restartIce(); }
    if (!ws || ws.readyState > 1) connectSocket();
  }

  function watchRestoration() {
    window.setInterval(function () {
      if (!state.admitted || state.ended) return;
      var limit = state.everConnected ? RESTORE_GIVE_UP_MS : SETUP_GIVE_UP_MS;
      if (state.lostSince && Date.now() - state.lostSince > limit) {
        show("media-failed", true);
        if (cfg.role === "therapist" && window.htmx && !state.backupShown) {
          state.backupShown = true;
          window.htmx.ajax("GET", cfg.backupUrl, { target: "#backup-phone" });
          announce("The call could not be restored. The client's backup phone number is shown.");
        } else if (!state.fallbackAnnounced) {
          announce("We could not connect " + (isVideo() ? "video or audio" : "audio") + ". You can keep going in the chat.");
        }
        state.fallbackAnnounced = true;
      }
    }, 2000);
  }

  function mediaImpossible() {
    show("media-failed", true);
    announce("Camera and microphone are not available. You can keep going in the chat.");
  }

  // --- controls --------------------------------------------------------------------------------

  function toggleMute() {
    state.muted = !state.muted;
    if (localStream) localStream.getAudioTracks().forEach(function (t) { t.enabled = !state.muted; });
    var b = $("mute");
    b.setAttribute("aria-pressed", String(state.muted));
    b.textContent = state.muted ? "Unmute microphone" : "Mute microphone";
    announce(state.muted ? "Your microphone is muted." : "Your microphone is on.");
    reportMedia();
  }

  function videoSender() {
    if (!pc) return null;
    return pc.getSenders().filter(function (s) { return s !== screenSender && s.track && s.track.kind === "video"; })[0] ||
      pc.getTransceivers().filter(function (t) { return t.sender !== screenSender && t.receiver.track.kind === "video"; }).map(function (t) { return t.sender; })[0] || null;
  }

  function setCamera(on, why) {
    state.cameraOff = !on;
    var b = $("camera");
    if (b) { b.setAttribute("aria-pressed", String(!on)); b.textContent = on ? "Turn camera off" : "Turn camera on"; }
    var old = localStream ? localStream.getVideoTracks() : [];
    if (!on) {
      old.forEach(function (t) { t.stop(); localStream.removeTrack(t); });
      var sender = videoSender();
      if (sender) sender.replaceTrack(null);
      announce(why || "Your camera is off.");
      reportMedia();
      return Promise.resolve();
    }
    return navigator.mediaDevices.getUserMedia({ video: constraints("video") }).then(function (s) {
      var track = s.getVideoTracks()[0];
      if (!localStream) localStream = new MediaStream();
      localStream.addTrack(track);
      attachLocal();
      var sender = videoSender();
      if (sender && sender.track === null && sender.replaceTrack) return sender.replaceTrack(track);
      if (pc) pc.addTrack(track, localStream);  // renegotiates (perfect negotiation)
      return null;
    }).then(function () {
      announce(why || "Your camera is on.");
      reportMedia();
    }).catch(function () { announce("The camera could not be started."); });
  }

  function switchDevice(select) {
    var kind = select.dataset.kind === "audioinput" ? "audio" : "video";
    if (kind === "video" && state.cameraOff) return;
    var c = {};
    c[kind] = { deviceId: { exact: select.value } };
    navigator.mediaDevices.getUserMedia(c).then(function (s) {
      var track = kind === "audio" ? s.getAudioTracks()[0] : s.getVideoTracks()[0];
      var old = kind === "audio" ? localStream.getAudioTracks() : localStream.getVideoTracks();
      if (pc) {
        pc.getSenders().forEach(function (sender) {
          if (sender !== screenSender && sender.track && sender.track.kind === kind) sender.replaceTrack(track);
        });
      }
      old.forEach(function (t) { t.stop(); localStream.removeTrack(t); });
      if (kind === "audio") track.enabled = !state.muted;
      localStream.addTrack(track);
      attachLocal();
      announce("Switched " + (kind === "audio" ? "microphone." : "camera."));
    }).catch(function () { announce("That device could not be used."); });
  }

  function toggleScreen() {
    var b = $("screen");
    if (screenStream) { stopScreen(); return; }
    if (!navigator.mediaDevices.getDisplayMedia) { announce("This browser cannot share the screen."); return; }
    navigator.mediaDevices.getDisplayMedia({ video: true }).then(function (s) {
      screenStream = s;
      var track = s.getVideoTracks()[0];
      track.onended = stopScreen;
      if (pc) screenSender = pc.addTrack(track, s);  // a new track: renegotiation
      b.setAttribute("aria-pressed", "true");
      b.textContent = "Stop sharing";
      announce("You are sharing your screen.");
      reportMedia();
    }).catch(function () { announce("Screen sharing was cancelled."); });
  }

  function stopScreen() {
    if (!screenStream) return;
    screenStream.getTracks().forEach(function (t) { t.stop(); });
    screenStream = null;
    if (pc && screenSender) { try { pc.removeTrack(screenSender); } catch (e) { /* closed */ } }
    screenSender = null;
    var b = $("screen");
    b.setAttribute("aria-pressed", "false");
    b.textContent = "Share screen";
    announce("Screen sharing stopped.");
    reportMedia();
  }

  function reportMedia() {
    var hasVideo = !!(localStream && localStream.getVideoTracks().length) && !state.cameraOff && !state.degraded;
    send({
      type: "media",
      connected: state.connected,
      audio: !!(localStream && localStream.getAudioTracks().length) && !state.muted,
      video: isVideo() && hasVideo,
      screen: !!screenStream,
      quality: state.quality || "unknown"
    });
  }

  function onPeerMedia(m) {
    var words = [];
    if (!m.audio) words.push("microphone muted");
    if (isVideo() && !m.video) words.push(m.quality === "poor" ? "video paused (weak connection), audio continues" : "camera off");
    if (m.screen) words.push("sharing their screen");
    var text = words.length ? "The other person: " + words.join(", ") + "." : "";
    var el = $("peer-state");
    if (el && el.textContent !== text) el.textContent = text;
    el.dataset.audio = String(m.audio);
    el.dataset.video = String(m.video);
    show("remote-camera-off", isVideo() && !m.video);
  }

  // --- quality from getStats(), and dropping video on a poor network ---------------------------

  // Two views of the network: what reaches me (inbound loss) and what reaches the other person
  // from me (their RTCP receiver reports: remote-inbound-rtp, and the outgoing bandwidth estimate).
  // The indicator shows the worse of the two; my own video is dropped on my *outgoing* path, since
  // that is the only thing my browser can lighten (the other browser does the same for its side).
  function sampleStats() {
    if (!pc || !state.connected) return;
    pc.getStats().then(function (report) {
      var lost = 0, received = 0, rtt = null, bitrate = null, remoteLoss = 0;
      report.forEach(function (s) {
        if (s.type === "inbound-rtp") {
          lost += s.packetsLost || 0;
          received += s.packetsReceived || 0;
        }
        if (s.type === "remote-inbound-rtp" && typeof s.fractionLost === "number") remoteLoss = Math.max(remoteLoss, s.fractionLost);
        if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded") {
          rtt = typeof s.currentRoundTripTime === "number" ? s.currentRoundTripTime : null;
          bitrate = typeof s.availableOutgoingBitrate === "number" ? s.availableOutgoingBitrate : null;
        }
      });
      var prev = state.lastStats || { lost: 0, received: 0 };
      var dLost = Math.max(0, lost - prev.lost), dRecv = Math.max(0, received - prev.received);
      state.lastStats = { lost: lost, received: received };
      var inLoss = dLost + dRecv ? dLost / (dLost + dRecv) : 0;
      var outLevel = rate(remoteLoss, rtt, bitrate);
      var level = worse(rate(inLoss, rtt, null), outLevel);
      showQuality(level, Math.max(inLoss, remoteLoss), rtt);
      adapt(outLevel);
    }).catch(function () {});
  }

  function rate(loss, rtt, bitrate) {
    if (loss > 0.08 || (rtt !== null && rtt > 0.8) || (bitrate !== null && bitrate < 150000)) return "poor";
    if (loss > 0.02 || (rtt !== null && rtt > 0.3)) return "fair";
    return "good";
  }

  function worse(a, b) {
    var order = { good: 0, fair: 1, poor: 2 };
    return order[a] >= order[b] ? a : b;
  }

  function showQuality(level, loss, rtt) {
    var el = $("quality");
    el.dataset.level = level;
    el.textContent = "Connection: " + level + " (" + Math.round(loss * 100) + "% loss" + (rtt !== null ? ", " + Math.round(rtt * 1000) + " ms" : "") + ")";
    if (state.quality !== level) { state.quality = level; reportMedia(); }
  }

  // Stop sending video (not just black frames) so the bandwidth goes to audio; resume when it recovers.
  function sendVideo(on) {
    var sender = videoSender();
    if (!sender) return;
    try {
      var params = sender.getParameters();
      if (params.encodings && params.encodings.length) {
        params.encodings.forEach(function (e) { e.active = on; });
        sender.setParameters(params).catch(function () { if (sender.track) sender.track.enabled = on; });
        return;
      }
    } catch (e) { /* older browsers: fall through */ }
    if (sender.track) sender.track.enabled = on;
  }

  function adapt(level) {
    if (!isVideo()) return;
    state.poorSamples = level === "poor" ? state.poorSamples + 1 : 0;
    state.goodSamples = level === "good" ? state.goodSamples + 1 : 0;
    if (!state.degraded && state.poorSamples >= 3) {
      state.degraded = true;
      sendVideo(false);
      announce("Your connection is weak, so your video is paused. Audio continues.");
      reportMedia();
    } else if (state.degraded && state.goodSamples >= 5) {
      state.degraded = false;
      sendVideo(true);
      announce("Your connection recovered. Your video is back on.");
      reportMedia();
    }
  }

  // --- chat -----------------------------------------------------------------------------------

  function onChat(m) {
    var li = document.createElement("li");
    li.className = m.from === cfg.role ? "mine" : "theirs";
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = (m.from === cfg.role ? "You" : cfg.role === "client" ? "Therapist" : "Client") + ": ";
    li.appendChild(who);
    li.appendChild(document.createTextNode(m.text));
    $("chat-log").appendChild(li);
  }

  function sendChat(e) {
    e.preventDefault();
    var input = $("chat-input");
    var text = input.value.trim();
    if (!text) return;
    send({ type: "chat", text: text });
    input.value = "";
  }

  // --- end, timer, keep-alive -------------------------------------------------------------------

  function endLocally(message) {
    state.ended = true;
    if (pc) pc.close();
    if (localStream) localStream.getTracks().forEach(function (t) { t.stop(); });
    if (screenStream) screenStream.getTracks().forEach(function (t) { t.stop(); });
    show("call", false);
    $("chat-send").disabled = true;
    $("chat-input").disabled = true;  // nothing typed now could be sent
    if (message) announce(message);
  }

  function tickTimer() {
    var el = $("timer");
    if (!el || !state.timerStart || state.ended) return;
    var s = Math.max(0, Math.floor((Date.now() - state.timerStart) / 1000));
    var mm = String(Math.floor(s / 60)).padStart(2, "0"), ss = String(s % 60).padStart(2, "0");
    el.textContent = mm + ":" + ss;
    el.setAttribute("datetime", "PT" + s + "S");
  }

  // A call is activity: keep the idle lock (confide.js) from signing someone out mid-session.
  function keepAlive() {
    if (state.connected && !state.ended) window.dispatchEvent(new Event("pointerdown"));
  }

  function join() {
    state.joined = true;
    try { sessionStorage.setItem("visit-joined:" + location.pathname, "1"); } catch (e) { /* private mode */ }
    var b = $("join");
    if (b) b.disabled = true;
    connectSocket();
  }

  function wire() {
    var on = function (id, ev, fn) { var el = $(id); if (el) el.addEventListener(ev, fn); };
    on("test-tone", "click", testTone);
    on("network-check", "click", networkCheck);
    on("join", "click", join);
    on("admit", "click", function () { send({ type: "admit" }); });
    on("mute", "click", toggleMute);
    on("camera", "click", function () { setCamera(state.cameraOff); });
    on("screen", "click", toggleScreen);
    on("chat-form", "submit", sendChat);
    on("chat-input", "keydown", function (e) { if (e.key === "Enter" && !e.shiftKey) sendChat(e); });
    on("devices-toggle", "click", function () {
      var open = $("devices").hidden;
      show("devices", open);
      $("devices-toggle").setAttribute("aria-expanded", String(open));
    });
    on("start-camera-off", "change", function (e) {
      state.cameraOff = e.target.checked;
      if (localStream) localStream.getVideoTracks().forEach(function (t) { t.stop(); localStream.removeTrack(t); });
      if (!state.cameraOff) mediaReady = getLocalMedia().catch(mediaImpossible);
    });
    ["camera-select", "mic-select"].forEach(function (id) {
      on(id, "change", function () {
        if (localStream) localStream.getTracks().forEach(function (t) { t.stop(); });
        localStream = null;
        mediaReady = getLocalMedia().catch(mediaImpossible);
      });
    });
    ["camera-switch", "mic-switch"].forEach(function (id) { on(id, "change", function (e) { switchDevice(e.target); }); });
    window.addEventListener("online", onNetworkChange);
    if (navigator.connection && navigator.connection.addEventListener) navigator.connection.addEventListener("change", onNetworkChange);
    window.addEventListener("pagehide", function () { if (ws) ws.close(1000); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    root = $("visit");
    if (!root) return;
    var ice = $("ice-servers");
    cfg = {
      role: root.dataset.role, modality: root.dataset.modality, token: root.dataset.token,
      wsPath: root.dataset.wsPath, tokenUrl: root.dataset.tokenUrl, backupUrl: root.dataset.backupUrl,
      startedAt: root.dataset.startedAt, healthUrl: root.dataset.healthUrl,
      iceServers: ice ? JSON.parse(ice.textContent) : []
    };
    window.confideVisit = { state: state, pc: function () { return pc; } };  // read by tests and the console
    wire();
    mediaReady = getLocalMedia().catch(function () { $("network-result").textContent = "Camera or microphone not available: you can still join and use the chat."; });
    window.setInterval(sampleStats, STATS_EVERY_MS);
    window.setInterval(tickTimer, 1000);
    window.setInterval(keepAlive, 30000);
    watchRestoration();
    var rejoin = false;
    try { rejoin = sessionStorage.getItem("visit-joined:" + location.pathname) === "1"; } catch (e) { /* private mode */ }
    if (cfg.role === "therapist" || rejoin) join();
  });
})();
