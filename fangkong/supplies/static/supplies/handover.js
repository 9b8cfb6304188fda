// The one sender of the volunteer's hand-overs. The shared offline outbox
// (fangkong/static/fangkong/outbox.js) replaces this file: keep its signature.
// fkSend(url, payload) -> Promise of {ok, code, message, ...} from the server;
// a network error rejects, so the caller leaves the door as "not sent".
window.fkSend = function (url, payload) {
  var token = document.querySelector("[name=csrfmiddlewaretoken]");
  return fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: {"Content-Type": "application/json", "X-CSRFToken": token ? token.value : ""},
    body: JSON.stringify(payload),
  }).then(function (response) {
    return response.json().catch(function () { return {ok: false, code: "http_" + response.status}; });
  });
};
