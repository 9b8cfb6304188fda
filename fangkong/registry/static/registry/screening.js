/* Knock rounds (摸排) on a phone held in one hand.
 *
 * Every tap gets a client id made here, on the phone, plus the time of the tap. The server records
 * a client id once, so sending the same tap again is harmless. When the network is gone the tap is
 * kept in localStorage and sent, with the same id and time, when the network comes back.
 * No inline script: the page only carries data-* attributes (strict CSP).
 */
(function () {
  "use strict";

  var QUEUE_KEY = "fangkong.screening.queue";
  var taps = new WeakMap();

  function clientId() {
    var c = window.crypto;
    // randomUUID needs a secure context; command posts often serve plain http on their own network.
    if (c && typeof c.randomUUID === "function" && window.isSecureContext) {
      return c.randomUUID();
    }
    var bytes = new Uint8Array(16);
    if (c && typeof c.getRandomValues === "function") {
      c.getRandomValues(bytes);
    } else {
      for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = "";
    for (var j = 0; j < 16; j++) hex += (bytes[j] + 0x100).toString(16).slice(1);
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function page() {
    return document.getElementById("fk-knock");
  }

  function text(name) {
    var el = page();
    return (el && el.getAttribute("data-" + name + "-text")) || "";
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function loadQueue() {
    try {
      return JSON.parse(window.localStorage.getItem(QUEUE_KEY) || "[]");
    } catch (e) {
      return [];
    }
  }

  function saveQueue(queue) {
    try {
      window.localStorage.setItem(QUEUE_KEY, JSON.stringify(queue));
    } catch (e) {
      /* storage full or disabled: the tap is lost, the row says so */
    }
  }

  function note(row, message, kind) {
    if (!row) return;
    var old = row.querySelector(".fk-tap-note");
    if (old) old.remove();
    var div = document.createElement("div");
    div.className = "fk-tap-note alert py-1 px-2 my-1 small alert-" + kind;
    div.setAttribute("role", "status");
    div.textContent = message;
    row.insertBefore(div, row.children[1] || null);
  }

  function rowOf(elt) {
    return elt && elt.closest ? elt.closest(".fk-knock-row") : null;
  }

  // Each tap: a new client id and the phone's time, kept with the request in case it must be queued.
  document.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    var form = elt && elt.closest ? elt.closest("[data-fk-tap]") : null;
    if (!form) return;
    event.detail.parameters["client_id"] = clientId();
    event.detail.parameters["at"] = new Date().toISOString();
    var body = new URLSearchParams();
    event.detail.formData.forEach(function (value, key) {
      if (typeof value === "string") body.append(key, value);
    });
    var row = rowOf(form);
    taps.set(elt, { path: event.detail.path, body: body.toString(), row: row ? row.id : "" });
  });

  // No network: keep the tap and send it later, with the same client id.
  document.addEventListener("htmx:sendError", function (event) {
    var tap = taps.get(event.detail.elt);
    if (!tap) return;
    var queue = loadQueue();
    queue.push(tap);
    saveQueue(queue);
    var row = document.getElementById(tap.row);
    if (row) row.classList.add("opacity-75");
    note(row, text("queued"), "warning");
  });

  // Refused by the server (bad request, lost session): say so on the row.
  document.addEventListener("htmx:responseError", function (event) {
    if (!taps.get(event.detail.elt)) return;
    note(rowOf(event.detail.elt), text("error") + " (" + event.detail.xhr.status + ")", "danger");
  });

  var flushing = false;

  function flush() {
    if (flushing || navigator.onLine === false) return;
    var queue = loadQueue();
    if (!queue.length) return;
    flushing = true;
    var tap = queue[0];
    fetch(tap.path, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-CSRFToken": csrfToken(),
        "HX-Request": "true"
      },
      body: tap.body
    }).then(function (response) {
      // Sent (or refused for good): either way it leaves the queue. A 5xx stays for the next try.
      if (response.status >= 500) throw new Error("server " + response.status);
      var rest = loadQueue();
      rest.shift();
      saveQueue(rest);
      var row = document.getElementById(tap.row);
      if (!response.ok) {
        note(row, text("error") + " (" + response.status + ")", "danger");
        return null;
      }
      return response.text().then(function (html) {
        var target = document.getElementById(tap.row);
        if (target && window.htmx) window.htmx.swap(target, html, { swapStyle: "outerHTML" });
      });
    }).then(function () {
      flushing = false;
      flush();
    }, function () {
      flushing = false;
    });
  }

  window.addEventListener("online", flush);
  document.addEventListener("DOMContentLoaded", flush);
  window.setInterval(flush, 30000);
})();
