/* The sampler's page (全员核酸 采样): a phone or a USB barcode scanner, which types the code and
 * presses Enter. Scan a tube, then the people who go into it; the tube closes at the pool size (or
 * by hand) and the next scan must be a new tube. A person code starts with "FKP."; anything else
 * is a tube barcode.
 *
 * Every scan gets a client id made here and goes into the field outbox (IndexedDB) first; what
 * waits is sent as one batch to the REST API, so the live scan and the offline queue are one path.
 * The server records a client id once, so a batch sent twice is harmless. Green / red and a short beep
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

  function outbox() { return window.Fangkong && window.Fangkong.outbox; }

  function showWaiting() {
    if (!outbox()) return;
    outbox().waiting().then(function (writes) {
      var n = writes.filter(function (w) { return w.kind === "scan" && w.url === root.getAttribute("data-scans-url"); }).length;
      document.getElementById("sampler-waiting").textContent = String(n);
      document.getElementById("sampler-waiting-box").className = "small" + (n ? " text-warning fw-bold" : "");
    });
  }

  function point() {
    var select = document.getElementById("sampler-point");
    return select ? select.value : "";
  }

  // Every scan goes through the field outbox: a batch of what is waiting is sent as one request,
  // each scan stays in IndexedDB until the server has answered it for good (a network error, a
  // 5xx or an ended sign-in keep it), and the server records a client id once.
  function enqueue(scan, label) {
    outbox().add({ kind: "scan", url: root.getAttribute("data-scans-url"), batch: "scans", body: scan, label: label })
      .then(function () {
        showWaiting();
        window.setTimeout(function () {
          if (answerBox.getAttribute("data-code") === "sending") show("warning", text("queued"), "queued");
        }, 4000);
      });
    show("secondary", text("sending"), "sending");
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

  document.addEventListener("fangkong:outbox-kept", function (event) {
    if (event.detail.kind !== "scan") return;
    show("warning", event.detail.why === "session" ? text("session") : text("queued"), "queued");
    showWaiting();
  });

  if (outbox()) {
    outbox().on("scan", function (write, answer) {
      showWaiting();
      if (write.url !== root.getAttribute("data-scans-url")) return false;
      answered(answer.data && typeof answer.data === "object" ? answer.data : { ok: answer.ok, code: answer.code, message: answer.message });
      return true;
    });
    outbox().on("close_tube", function (write, answer) {
      if (!answer.ok) show("danger", answer.message || answer.code, answer.code);
      return write.url === root.getAttribute("data-close-url");
    });
  }

  function handle(code) {
    code = (code || "").trim();
    if (!code) return;
    if (code.toUpperCase().indexOf("FKP.") === 0) {
      if (!tube) { show("danger", text("scan-tube"), "no_tube"); beep(false); return; }
      enqueue({ tube_code: tube.code, person_code: code, client_id: clientId(), at: new Date().toISOString(), point: point() },
              tube.code + " ← " + code.slice(0, 12));
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

  // Closing a tube by hand is for good: asked first, and the button sits at the top, away from
  // where the thumb taps between scans.
  document.getElementById("sampler-close").addEventListener("click", function () {
    if (!tube) return;
    var code = tube.code;
    if (!window.confirm(text("close-confirm").replace("%s", code))) return;
    outbox().add({ kind: "close_tube", url: root.getAttribute("data-close-url"), json: true, body: { tube_code: code },
                   label: text("tube-set") + " " + code });
    setTube(null);
    show("info", text("tube-full"), "tube_closed");
    input.focus();
  });

  document.getElementById("sampler-keys").addEventListener("click", function () {
    // Tube labels are digits: the phone's number pad; a damaged label with letters: the keyboard.
    var numeric = input.getAttribute("inputmode") !== "text";
    input.setAttribute("inputmode", numeric ? "text" : "numeric");
    this.textContent = numeric ? "123" : "ABC";
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
        if (!body.persons.length && !(body.tubes || []).length) { found.textContent = text("none"); return; }
        (body.tubes || []).forEach(function (t) {
          var button = document.createElement("button");
          button.type = "button";
          button.className = "list-group-item list-group-item-action fk-row" + (t.closed ? " disabled" : "");
          button.setAttribute("data-tube", t.code);
          button.textContent = text("tube-set") + " " + t.code + " (" + t.n + "/" + t.pool_size + ")" + (t.closed ? " · " + text("closed") : "");
          button.addEventListener("click", function () {
            setTube(t.code);
            tube.n = t.n;
            store(TUBE_KEY, tube);
            showTube();
            show("secondary", text("tube-set") + " " + t.code, "tube_set");
            found.textContent = "";
            input.focus();
          });
          found.appendChild(button);
        });
        body.persons.forEach(function (p) {
          var button = document.createElement("button");
          button.type = "button";
          button.className = "list-group-item list-group-item-action fk-row" + (p.sampled ? " disabled" : "");
          button.setAttribute("data-person", p.id);
          button.textContent = p.name + " · " + p.place + " · " + p.id_masked + (p.sampled ? " · " + text("sampled") : "");
          button.addEventListener("click", function () {
            if (!tube) { show("danger", text("scan-tube"), "no_tube"); beep(false); return; }
            enqueue({ tube_code: tube.code, person_id: p.id, client_id: clientId(), at: new Date().toISOString(), point: point() },
                    tube.code + " ← " + p.name);
            found.textContent = "";
            input.focus();
          });
          found.appendChild(button);
        });
      });
  });

  // The phone's camera, on any phone: BarcodeDetector where the browser has it, the vendored
  // zxing decoder elsewhere (fangkong/scan.js).
  if (window.Fangkong && window.Fangkong.scan && window.Fangkong.scan.hasCamera()) {
    var box = document.getElementById("sampler-camera-box");
    var video = document.getElementById("sampler-video");
    var stopCamera = null;
    box.classList.remove("d-none");
    document.getElementById("sampler-camera").addEventListener("click", function () {
      if (stopCamera) { stopCamera(); stopCamera = null; video.classList.add("d-none"); return; }
      video.classList.remove("d-none");
      window.Fangkong.scan.camera(video, handle).then(function (stop) { stopCamera = stop; },
        function (error) { video.classList.add("d-none"); show("warning", String(error), "camera"); });
    });
  }

  // Scans queued by the page's earlier version (localStorage) move into the outbox, ids unchanged.
  var old = load(QUEUE_KEY, []);
  if (old.length && outbox()) {
    window.localStorage.removeItem(QUEUE_KEY);
    old.forEach(function (scan) { outbox().add({ kind: "scan", url: root.getAttribute("data-scans-url"), batch: "scans", body: scan }); });
  }
  window.setInterval(showWaiting, 5000);
  showTube();
  showWaiting();
})();
