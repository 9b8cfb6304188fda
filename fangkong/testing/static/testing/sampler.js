/* The sampler's page (全员核酸 采样): a phone or a USB barcode scanner, which types the code and
 * presses Enter. Scan a tube, then the people who go into it; the tube closes at the pool size (or
 * by hand) and the next scan must be a new tube. A person code starts with "FKP."; anything else
 * is a tube barcode.
 *
 * Every scan gets a client id made here and goes into a queue in localStorage first; the queue is
 * sent as one batch to the REST API, so the live scan and the offline queue are one path. The
 * server records a client id once, so a batch sent twice is harmless. Green / red and a short beep
 * say at a glance whether a scan was taken. No inline script (strict CSP): data-* attributes only.
 */
(function () {
  "use strict";

  var root = document.getElementById("fk-sampler");
  if (!root) return;
  var QUEUE_KEY = "fangkong.testing.queue." + root.getAttribute("data-round");
  var TUBE_KEY = "fangkong.testing.tube." + root.getAttribute("data-round");
  var input = document.getElementById("sampler-input");
  var answerBox = document.getElementById("sampler-answer");
  var audio = null;

  function text(name) { return root.getAttribute("data-text-" + name) || ""; }

  function clientId() {
    var c = window.crypto, bytes = new Uint8Array(16), hex = "";
    if (c && c.getRandomValues) c.getRandomValues(bytes);
    else for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    for (var j = 0; j < 16; j++) hex += (bytes[j] + 0x100).toString(16).slice(1);
    return hex;
  }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }

  function load(key, fallback) {
    try { var v = window.localStorage.getItem(key); return v === null ? fallback : JSON.parse(v); }
    catch (e) { return fallback; }
  }

  function store(key, value) {
    try { window.localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* storage full */ }
  }

  function beep(ok) {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      audio = audio || new Ctx();
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.frequency.value = ok ? 880 : 220;
      osc.type = ok ? "sine" : "square";
      gain.gain.value = 0.15;
      osc.connect(gain); gain.connect(audio.destination);
      osc.start(); osc.stop(audio.currentTime + (ok ? 0.12 : 0.4));
    } catch (e) { /* no sound: the colour still says it */ }
  }

  function show(kind, message, code) {
    answerBox.className = "alert mt-2 mb-2 py-3 text-center fs-5 alert-" + kind;
    answerBox.setAttribute("data-code", code || "");
    answerBox.textContent = message;
  }

  function log(message) {
    var list = document.getElementById("sampler-log");
    var li = document.createElement("li");
    li.textContent = message;
    list.insertBefore(li, list.firstChild);
    while (list.children.length > 20) list.removeChild(list.lastChild);
  }

  var tube = load(TUBE_KEY, null);  // {code, n}

  function showTube() {
    document.getElementById("sampler-tube").textContent = tube ? tube.code : "–";
    document.getElementById("sampler-count").textContent = tube ? "(" + tube.n + "/" + root.getAttribute("data-pool") + ")" : "";
    document.getElementById("sampler-prompt").textContent = tube ? text("scan-person") : text("scan-tube");
  }

  function setTube(code) {
    tube = code ? { code: code, n: 0 } : null;
    store(TUBE_KEY, tube);
    showTube();
  }

  function showWaiting() {
    var n = load(QUEUE_KEY, []).length;
    document.getElementById("sampler-waiting").textContent = String(n);
    document.getElementById("sampler-waiting-box").className = "small" + (n ? " text-warning fw-bold" : "");
  }

  function point() {
    var select = document.getElementById("sampler-point");
    return select ? select.value : "";
  }

  function enqueue(scan) {
    var queue = load(QUEUE_KEY, []);
    queue.push(scan);
    store(QUEUE_KEY, queue);
    showWaiting();
    flush();
  }

  function answered(answer) {
    if (answer.ok) {
      if (tube && answer.tube === tube.code) {
        tube.n = answer.n;
        store(TUBE_KEY, tube);
      }
      show("success", answer.person + (answer.place ? " · " + answer.place : "") + " ✓", answer.code);
      beep(true);
      log(answer.person + " → " + answer.tube);
      if (answer.tube_closed && tube && answer.tube === tube.code) {
        setTube(null);
        show("info", text("tube-full"), "tube_closed");
      }
    } else {
      show("danger", answer.message, answer.code);
      beep(false);
      log("✗ " + answer.message);
      if (answer.code === "tube_full" || answer.code === "tube_other_round") setTube(null);
    }
    showTube();
  }

  var sending = false;

  function flush() {
    if (sending) return;
    var queue = load(QUEUE_KEY, []);
    if (!queue.length) return;
    sending = true;
    var batch = queue.slice(0, 500);
    fetch(root.getAttribute("data-scans-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), "Accept": "application/json" },
      body: JSON.stringify({ scans: batch })
    }).then(function (response) {
      if (response.status >= 500 || response.status === 0) throw new Error("server " + response.status);
      return response.json().then(function (body) {
        var done = {};
        batch.forEach(function (scan) { done[scan.client_id] = true; });
        store(QUEUE_KEY, load(QUEUE_KEY, []).filter(function (scan) { return !done[scan.client_id]; }));
        showWaiting();
        if (response.ok && body.answers) body.answers.forEach(answered);
        else { show("danger", body.message || String(response.status), body.code || "error"); beep(false); }
      });
    }).then(function () {
      sending = false;
      if (load(QUEUE_KEY, []).length) flush();
    }, function () {
      sending = false;
      show("warning", text("queued"), "queued");
      showWaiting();
    });
  }

  function handle(code) {
    code = (code || "").trim();
    if (!code) return;
    if (code.toUpperCase().indexOf("FKP.") === 0) {
      if (!tube) { show("danger", text("scan-tube"), "no_tube"); beep(false); return; }
      enqueue({ tube_code: tube.code, person_code: code, client_id: clientId(), at: new Date().toISOString(), point: point() });
    } else {
      setTube(code.toUpperCase());
      show("secondary", text("tube-set") + " " + tube.code, "tube_set");
    }
  }

  document.getElementById("sampler-form").addEventListener("submit", function (event) {
    event.preventDefault();
    handle(input.value);
    input.value = "";
    input.focus();
  });

  document.getElementById("sampler-new").addEventListener("click", function () {
    setTube(null);
    input.focus();
  });

  document.getElementById("sampler-close").addEventListener("click", function () {
    if (!tube) return;
    var code = tube.code;
    fetch(root.getAttribute("data-close-url"), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ tube_code: code })
    }).catch(function () { /* offline: the next scan of this tube is refused anyway once closed */ });
    setTube(null);
    show("info", text("tube-full"), "tube_closed");
    input.focus();
  });

  document.getElementById("sampler-find").addEventListener("submit", function (event) {
    event.preventDefault();
    var q = document.getElementById("sampler-query").value;
    var found = document.getElementById("sampler-found");
    fetch(root.getAttribute("data-find-url") + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        found.textContent = "";
        if (!body.persons.length) { found.textContent = text("none"); return; }
        body.persons.forEach(function (p) {
          var button = document.createElement("button");
          button.type = "button";
          button.className = "list-group-item list-group-item-action" + (p.sampled ? " disabled" : "");
          button.setAttribute("data-person", p.id);
          button.textContent = p.name + " · " + p.place + " · " + p.id_masked + (p.sampled ? " · " + text("sampled") : "");
          button.addEventListener("click", function () {
            if (!tube) { show("danger", text("scan-tube"), "no_tube"); beep(false); return; }
            enqueue({ tube_code: tube.code, person_id: p.id, client_id: clientId(), at: new Date().toISOString(), point: point() });
            found.textContent = "";
            input.focus();
          });
          found.appendChild(button);
        });
      });
  });

  // The phone's camera, where the browser can read codes itself (BarcodeDetector: Chrome on
  // Android). Elsewhere the button stays hidden and a USB scanner or the keyboard does the work.
  if ("BarcodeDetector" in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    var box = document.getElementById("sampler-camera-box");
    var video = document.getElementById("sampler-video");
    box.classList.remove("d-none");
    document.getElementById("sampler-camera").addEventListener("click", function () {
      if (video.srcObject) return;
      var detector = new window.BarcodeDetector();
      var last = "", lastAt = 0;
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
        video.srcObject = stream;
        video.classList.remove("d-none");
        video.play();
        window.setInterval(function () {
          detector.detect(video).then(function (found) {
            if (!found.length) return;
            var value = found[0].rawValue, now = Date.now();
            // The same code in view for a while is one scan, not ten.
            if (value === last && now - lastAt < 2500) return;
            last = value;
            lastAt = now;
            handle(value);
          }).catch(function () { /* a frame that could not be read */ });
        }, 300);
      }).catch(function (error) { show("warning", String(error), "camera"); });
    });
  }

  window.addEventListener("online", flush);
  window.setInterval(flush, 15000);
  showTube();
  showWaiting();
  flush();
})();
