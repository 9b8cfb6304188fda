/* One outbox for every write made in the field (knock taps, scans, temperatures, seal checks,
 * antigen results, and whatever the next apps write from a phone).
 *
 * A write gets its client id and the phone's time when it is made, goes into IndexedDB first, and
 * leaves only on a definite answer from the server: accepted, or refused with a machine code (then
 * it is listed for the user to act on). A network error, a 5xx, a 401 or a CSRF 403 (an ended
 * sign-in) or a login page in place of an answer keep it, to be sent again with the same client id,
 * which the server records once. One tab sends at a time (Web Locks, or a lease in localStorage
 * where the page is not a secure context), so two open tabs never race each other.
 *
 * Pages use it in two ways, with no inline script (strict CSP):
 *   <form data-fk-outbox="seal" data-fk-label="..." [data-fk-confirm="..."] [data-fk-reload]>
 *   Fangkong.outbox.add({kind, url, body, json, batch, label}) and Fangkong.outbox.on(kind, fn)
 * A base.html bar (#fk-outbox) shows what is waiting, the last send, the last failure, "send now",
 * the refusals, and a sign-in form when the session has ended.
 *
 * A shared phone: each write carries who made it (the page's user). It is sent only from a page
 * of that same user, with the header X-Fangkong-Made-By, and the server refuses (409 other_user)
 * a write whose maker is not the signed-in user; the outbox then keeps it. So what A queued waits
 * for A to sign in again on this phone and is never recorded as B's.
 */
(function () {
  "use strict";

  var F = (window.Fangkong = window.Fangkong || {});
  var DB_NAME = "fangkong-outbox", DB_VERSION = 1;
  var STATE_KEY = "fangkong.outbox.state";  // last send / failure, shared by the tabs
  var LEASE_KEY = "fangkong.outbox.lease";
  var handlers = {};
  var dbPromise = null;
  var sending = null;
  var channel = "BroadcastChannel" in window ? new BroadcastChannel("fangkong-outbox") : null;

  // --- storage -------------------------------------------------------------------------------

  function db() {
    if (dbPromise) return dbPromise;
    dbPromise = new Promise(function (resolve, reject) {
      var request = window.indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = function () {
        var d = request.result;
        if (!d.objectStoreNames.contains("writes")) d.createObjectStore("writes", { keyPath: "seq", autoIncrement: true });
        if (!d.objectStoreNames.contains("refused")) d.createObjectStore("refused", { keyPath: "seq", autoIncrement: true });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
    return dbPromise;
  }

  function tx(store, mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(store, mode), result;
        var s = t.objectStore(store);
        result = work(s);
        t.oncomplete = function () { resolve(result && "result" in result ? result.result : result); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error); };
      });
    });
  }

  function all(store) { return tx(store, "readonly", function (s) { return s.getAll(); }); }
  function put(store, value) { return tx(store, "readwrite", function (s) { return s.put(value); }); }
  function del(store, seq) { return tx(store, "readwrite", function (s) { return s.delete(seq); }); }

  function state() {
    try { return JSON.parse(window.localStorage.getItem(STATE_KEY) || "{}"); } catch (e) { return {}; }
  }

  function setState(changes) {
    var s = state();
    Object.keys(changes).forEach(function (k) { s[k] = changes[k]; });
    try { window.localStorage.setItem(STATE_KEY, JSON.stringify(s)); } catch (e) { /* private mode */ }
    return s;
  }

  // --- helpers -------------------------------------------------------------------------------

  function clientId() {
    var c = window.crypto;
    // randomUUID needs a secure context; command posts often serve plain http on their own network.
    if (c && typeof c.randomUUID === "function" && window.isSecureContext) return c.randomUUID();
    var bytes = new Uint8Array(16), hex = "";
    if (c && c.getRandomValues) c.getRandomValues(bytes);
    else for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    for (var j = 0; j < 16; j++) hex += (bytes[j] + 0x100).toString(16).slice(1);
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function csrfToken() {
    // The cookie first: signing in again (here or in another tab) rotates the token, and a page
    // opened before that (or served from the offline cache) still carries the old one.
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }

  function bar() { return document.getElementById("fk-outbox"); }

  // Who this page is for (base.html); a write made here is theirs.
  function me() { return document.body.getAttribute("data-fk-user") || ""; }
  function mine(write) { return !write.user || write.user === me(); }

  function text(name) {
    var el = bar();
    return (el && el.getAttribute("data-text-" + name)) || name;
  }

  function hhmm(iso) {
    if (!iso) return "–";
    var d = new Date(iso);
    if (isNaN(d.getTime())) return "–";
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  function encodeForm(body) {
    var params = new URLSearchParams();
    Object.keys(body).forEach(function (key) {
      var value = body[key];
      (Array.isArray(value) ? value : [value]).forEach(function (v) { params.append(key, v == null ? "" : String(v)); });
    });
    return params.toString();
  }

  // --- adding --------------------------------------------------------------------------------

  /* write: {kind, url, body: {field: value|[values]}, json: bool, batch: "scans" (optional: writes
   * of one url with the same batch name go together as {scans: [...]}, answered in order),
   * label: what the user sees in the list, meta: anything the page's handler needs}. */
  function add(write) {
    var body = write.body || {};
    if (!body.client_id) body.client_id = clientId();
    if (!body.at) body.at = new Date().toISOString();
    var record = {
      kind: write.kind || "write", url: write.url, body: body, json: !!write.json, batch: write.batch || "",
      label: write.label || "", meta: write.meta || {}, page: window.location.pathname + window.location.search,
      made_at: body.at, tries: 0,
      user: me(), user_name: document.body.getAttribute("data-fk-user-name") || ""
    };
    return put("writes", record).then(function (seq) {
      record.seq = seq;
      changed();
      send();
      return record;
    });
  }

  function on(kind, handler) { handlers[kind] = handler; }

  // --- sending -------------------------------------------------------------------------------

  function withLock(work) {
    if (navigator.locks && navigator.locks.request) {
      return navigator.locks.request("fangkong-outbox", { ifAvailable: true }, function (lock) {
        return lock ? work() : null;  // another tab is sending: it empties the same queue
      });
    }
    var now = Date.now(), lease = parseInt(window.localStorage.getItem(LEASE_KEY) || "0", 10);
    if (lease > now) return Promise.resolve(null);
    window.localStorage.setItem(LEASE_KEY, String(now + 30000));
    return Promise.resolve().then(work).then(function (v) {
      window.localStorage.removeItem(LEASE_KEY);
      return v;
    }, function (e) {
      window.localStorage.removeItem(LEASE_KEY);
      throw e;
    });
  }

  function looksLikeLogin(response, body) {
    return /\/accounts\/login\//.test(response.url || "") || (typeof body === "string" && body.indexOf("data-fk-login") !== -1);
  }

  /* POST one write (or one batch) and say what the answer means:
   * {keep: "offline"|"session"|"server"} or {answers: [{ok, code, message, data}] one per write}. */
  function post(group) {
    var first = group[0];
    var headers = {
      "X-Requested-With": "XMLHttpRequest", "X-Fangkong-Outbox": "1", "X-CSRFToken": csrfToken(),
      "Accept": "application/json, text/html;q=0.5"
    };
    if (first.user) headers["X-Fangkong-Made-By"] = first.user;
    var payload;
    if (first.batch) {
      var wrapped = {};
      wrapped[first.batch] = group.map(function (w) { return w.body; });
      payload = JSON.stringify(wrapped);
      headers["Content-Type"] = "application/json";
    } else if (first.json) {
      payload = JSON.stringify(first.body);
      headers["Content-Type"] = "application/json";
    } else {
      payload = encodeForm(first.body);
      headers["Content-Type"] = "application/x-www-form-urlencoded";
    }
    return fetch(first.url, { method: "POST", credentials: "same-origin", headers: headers, body: payload })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        var read = type.indexOf("json") !== -1 ? response.json().catch(function () { return null; }) : response.text();
        return read.then(function (data) {
          var s = response.status;
          if (s === 401 || looksLikeLogin(response, data)) return { keep: "session" };
          // Another user is signed in on this phone now: the write waits for the one who made it.
          if (s === 409 && data && data.code === "other_user") return { keep: "user" };
          if (s === 403 && data && (data.code === "csrf" || /csrf/i.test(String(data.detail || "")))) return { keep: "session" };
          if (s >= 500 || s === 408 || s === 429 || s === 0) return { keep: "server", status: s };
          if (response.ok && first.batch) {
            var answers = (data && data.answers) || [];
            return {
              answers: group.map(function (w, i) {
                var a = answers[i] || {};
                return { ok: !!a.ok, code: a.code || (a.ok ? "accepted" : "no_answer"), message: a.message || "", data: a };
              })
            };
          }
          var code = data && typeof data === "object" ? data.code : "";
          var message = data && typeof data === "object" ? (data.message || data.detail || "") : "";
          var answer = response.ok
            ? { ok: true, code: code || "accepted", message: message, data: data }
            : { ok: false, code: code || "http_" + s, message: message || text("refused") + " (" + s + ")", data: data };
          return { answers: group.map(function () { return answer; }) };
        });
      }, function () { return { keep: "offline" }; });
  }

  function nextGroup(writes) {
    var first = writes[0];
    if (!first.batch) return [first];
    var group = [];
    for (var i = 0; i < writes.length && group.length < 200; i++) {
      if (writes[i].batch === first.batch && writes[i].url === first.url && writes[i].user === first.user) group.push(writes[i]);
      else break;
    }
    return group;
  }

  function answered(write, answer) {
    var handler = handlers[write.kind];
    var shown = false;
    if (handler) {
      try { shown = handler(write, answer) === true; } catch (e) { shown = false; }
    }
    // A refusal nobody saw (the write waited, or no page of its kind is open) is kept in a list
    // for the user to act on: a swab already in its tube must not vanish into a count.
    var waited = write.tries > 0 || Date.now() - new Date(write.made_at).getTime() > 15000;
    if (!answer.ok && (!shown || waited)) {
      return put("refused", {
        kind: write.kind, label: write.label, code: answer.code, message: answer.message,
        made_at: write.made_at, answered_at: new Date().toISOString(), page: write.page
      });
    }
    return null;
  }

  function sendOnce() {
    return all("writes").then(function (writes) {
      writes = writes.filter(mine);  // another user's writes wait for them
      if (!writes.length) return "empty";
      writes.sort(function (a, b) { return a.seq - b.seq; });
      var group = nextGroup(writes);
      return post(group).then(function (result) {
        if (result.keep) {
          setState({ failed_at: new Date().toISOString(), failure: result.keep, status: result.status || 0 });
          document.dispatchEvent(new CustomEvent("fangkong:outbox-kept", { detail: { why: result.keep, kind: group[0].kind } }));
          return Promise.all(group.map(function (w) { w.tries += 1; return put("writes", w); }))
            .then(function () { return "kept"; });
        }
        var steps = group.map(function (w, i) {
          return del("writes", w.seq).then(function () { return answered(w, result.answers[i]); }).then(function () {
            if (channel) channel.postMessage({ type: "answered", write: w, answer: result.answers[i] });
          });
        });
        return Promise.all(steps).then(function () {
          setState({ sent_at: new Date().toISOString(), failure: "" });
          return "sent";
        });
      });
    });
  }

  function send() {
    if (sending) return sending;
    sending = withLock(function () {
      function loop() {
        return sendOnce().then(function (outcome) {
          changed();
          return outcome === "sent" ? loop() : outcome;
        });
      }
      return loop();
    }).catch(function () { return "error"; }).then(function (outcome) {
      sending = null;
      changed();
      return outcome;
    });
    return sending;
  }

  // --- signing in again without leaving the page ---------------------------------------------

  function signIn(username, password) {
    var loginUrl = (bar() && bar().getAttribute("data-login-url")) || "/accounts/login/";
    // A fresh login page first: it sets the CSRF cookie the sign-in form needs.
    return fetch(loginUrl, { credentials: "same-origin" }).then(function (page) { return page.text(); }).then(function (html) {
      var token = (html.match(/name="csrfmiddlewaretoken" value="([^"]+)"/) || [])[1] || csrfToken();
      return fetch(loginUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": token },
        body: encodeForm({ username: username, password: password, csrfmiddlewaretoken: token })
      });
    }).then(function (response) {
      return response.text().then(function (html) {
        if (looksLikeLogin(response, html)) throw new Error("login");
        setState({ failure: "" });
        // Someone else signed in on this page: it is shown again as theirs (it may hold what they
        // may not read), and the first user's writes keep waiting for them.
        var was = document.body.getAttribute("data-fk-username") || "";
        if (was && username.trim() !== was) { window.location.reload(); return "reloaded"; }
        return send();
      });
    });
  }

  // --- the bar -------------------------------------------------------------------------------

  function render() {
    var el = bar();
    if (!el) return Promise.resolve();
    return Promise.all([all("writes"), all("refused")]).then(function (lists) {
      var waiting = lists[0], refused = lists[1], s = state();
      var field = document.body.hasAttribute("data-fk-field");
      el.classList.toggle("d-none", !field && !waiting.length && !refused.length);
      el.querySelector("[data-fk-waiting]").textContent = String(waiting.length);
      el.querySelector("[data-fk-sent]").textContent = hhmm(s.sent_at);
      var failure = el.querySelector("[data-fk-failure]");
      failure.textContent = s.failed_at && s.failure ? hhmm(s.failed_at) + " " + text("failure-" + s.failure) : "–";
      el.setAttribute("data-waiting", String(waiting.length));
      el.classList.toggle("fk-outbox-waiting", waiting.length > 0);
      var session = el.querySelector("[data-fk-session]");
      var own = waiting.filter(mine);
      if (session) session.classList.toggle("d-none", !(s.failure === "session" && own.length));
      var held = el.querySelector("[data-fk-held]");
      if (held) {
        var names = {};
        waiting.forEach(function (w) { if (!mine(w)) names[w.user_name || w.user] = (names[w.user_name || w.user] || 0) + 1; });
        var parts = Object.keys(names).map(function (n) { return n + " (" + names[n] + ")"; });
        held.textContent = parts.length ? text("held") + " " + parts.join(", ") : "";
        held.classList.toggle("d-none", !parts.length);
        el.setAttribute("data-held", String(waiting.length - own.length));
      }
      var list = el.querySelector("[data-fk-refused]");
      list.textContent = "";
      refused.forEach(function (r) {
        var li = document.createElement("li");
        li.className = "list-group-item list-group-item-danger d-flex justify-content-between align-items-center gap-2";
        li.setAttribute("data-code", r.code);
        var span = document.createElement("span");
        span.textContent = (r.label ? r.label + ": " : "") + (r.message || r.code) + " · " + hhmm(r.made_at);
        var ok = document.createElement("button");
        ok.type = "button";
        ok.className = "btn btn-outline-dark";
        ok.textContent = text("dismiss");
        ok.addEventListener("click", function () { del("refused", r.seq).then(changed); });
        li.appendChild(span);
        li.appendChild(ok);
        list.appendChild(li);
      });
    }).catch(function () { /* IndexedDB unavailable: the bar stays as rendered */ });
  }

  var renderTimer = null;
  function changed() {
    if (renderTimer) return;
    renderTimer = window.setTimeout(function () { renderTimer = null; render(); }, 30);
    try { window.localStorage.setItem("fangkong.outbox.changed", String(Date.now())); } catch (e) { /* ignore */ }
  }

  // --- forms marked data-fk-outbox -----------------------------------------------------------

  function formBody(form, submitter) {
    var body = {};
    var data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    data.forEach(function (value, key) {
      if (typeof value !== "string" || key === "csrfmiddlewaretoken") return;
      if (key in body) body[key] = [].concat(body[key], value);
      else body[key] = value;
    });
    return body;
  }

  function formStatus(form, message, kind) {
    var box = form.querySelector("[data-fk-status]");
    if (!box) return;
    box.className = "small mt-1 text-" + kind;
    box.textContent = message;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.matches || !form.matches("form[data-fk-outbox]")) return;
    event.preventDefault();
    var submitter = event.submitter || null;
    var question = (submitter && submitter.getAttribute("data-fk-confirm")) || form.getAttribute("data-fk-confirm");
    if (question && !window.confirm(question)) return;
    var body = formBody(form, submitter);
    // A fresh client id per tap: the same form tapped twice is two writes (the server keeps the
    // last of the day for sheets); a write sent twice is one.
    delete body.client_id;
    var label = form.getAttribute("data-fk-label") || "";
    if (submitter && submitter.getAttribute("data-fk-label")) label += " " + submitter.getAttribute("data-fk-label");
    formStatus(form, text("queued"), "warning");
    form.setAttribute("data-fk-state", "waiting");
    add({
      kind: form.getAttribute("data-fk-outbox"), url: form.getAttribute("action") || window.location.href, body: body,
      label: label.trim(), meta: { form: form.id || "", reload: form.hasAttribute("data-fk-reload") }
    });
  });

  // The default answer to a form's write: say so on the form, then show the server's page again
  // once nothing of this page is waiting (so a queue of taps does not reload the page ten times).
  function formAnswered(write, answer) {
    var form = write.meta && write.meta.form ? document.getElementById(write.meta.form) : null;
    if (write.page !== window.location.pathname + window.location.search) return false;
    if (form) {
      form.setAttribute("data-fk-state", answer.ok ? "sent" : "refused");
      formStatus(form, answer.ok ? (answer.message || text("sent")) : (answer.message || answer.code), answer.ok ? "success" : "danger");
    }
    if (answer.ok && write.meta && write.meta.reload) {
      all("writes").then(function (rest) {
        if (!rest.some(function (w) { return w.page === write.page; })) window.location.reload();
      });
    }
    return !!form;
  }

  F.outbox = {
    add: add, on: on, send: send, signIn: signIn, clientId: clientId, csrfToken: csrfToken,
    waiting: function () { return all("writes"); }, refused: function () { return all("refused"); },
    formAnswered: formAnswered
  };

  ["seal", "report", "antigen", "reception", "five"].forEach(function (kind) { on(kind, formAnswered); });

  // --- wiring --------------------------------------------------------------------------------

  function start() {
    var el = bar();
    if (el) {
      var now = el.querySelector("[data-fk-send-now]");
      if (now) now.addEventListener("click", function () { send(); });
      var form = el.querySelector("[data-fk-signin]");
      if (form) {
        form.addEventListener("submit", function (event) {
          event.preventDefault();
          var note = form.querySelector("[data-fk-signin-note]");
          note.textContent = "";
          signIn(form.querySelector("[name=username]").value, form.querySelector("[name=password]").value)
            .then(function () { form.querySelector("[name=password]").value = ""; },
                  function () { note.textContent = text("signin-failed"); });
        });
      }
    }
    // A page served from the offline copy says how old it is.
    var body = document.body;
    if (body.hasAttribute("data-fk-offline-copy")) {
      var note = document.getElementById("fk-offline-copy");
      if (note) {
        note.textContent = note.getAttribute("data-text") + " " + hhmm(body.getAttribute("data-fk-rendered"));
        note.classList.remove("d-none");
      }
    }
    render();
    send();
  }

  window.addEventListener("online", function () { send(); });
  window.addEventListener("focus", function () { send(); });
  window.addEventListener("storage", function (event) {
    if (event.key === "fangkong.outbox.changed" || event.key === STATE_KEY) render();
  });
  if (channel) {
    channel.onmessage = function (event) {
      var m = event.data || {};
      if (m.type === "answered" && handlers[m.write.kind]) {
        try { handlers[m.write.kind](m.write, m.answer); } catch (e) { /* the page moved on */ }
      }
      render();
    };
  }
  window.setInterval(function () { send(); }, 15000);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();

  // The service worker: the app shell and the field pages, for moving and reloading offline.
  // Links marked data-fk-offline (the start page's items) are fetched into its cache ahead.
  if ("serviceWorker" in navigator && document.body.getAttribute("data-fk-sw")) {
    var body = document.body;
    navigator.serviceWorker.addEventListener("message", function (event) {
      var m = event.data || {};
      // Said on the page (data-fk-kept) once this page can be reloaded without a network.
      if (m.type === "kept" && m.url === window.location.href.split("#")[0]) body.setAttribute("data-fk-kept", m.kept ? "1" : "0");
    });
    navigator.serviceWorker.register(document.body.getAttribute("data-fk-sw"), { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      var urls = Array.prototype.map.call(document.querySelectorAll("a[data-fk-offline]"), function (a) { return a.href; });
      // This page too: opened before the worker controlled the tab (the first page after signing
      // in), it was never kept, and a reload without a network would find nothing.
      var current = body.hasAttribute("data-fk-offline-copy") ? "" : window.location.href.split("#")[0];
      if ((urls.length || current) && registration.active) {
        // And its own scripts and styles (a page's script is not in the app shell).
        var assets = Array.prototype.map.call(document.querySelectorAll("script[src], link[rel=stylesheet][href]"),
                                              function (e) { return e.src || e.href; });
        registration.active.postMessage({ type: "keep", urls: urls, current: current, assets: assets });
      }
    }).catch(function () { /* plain http on a LAN: no offline pages, the outbox still works */ });
    document.addEventListener("submit", function (event) {
      if (event.target && event.target.hasAttribute && event.target.hasAttribute("data-fk-logout") && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage({ type: "forget" });
      }
    });
  }
})();
