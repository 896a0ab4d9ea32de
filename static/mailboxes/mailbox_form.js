// Mailbox form: show the fields of the chosen authentication method and purpose, and let the
// administrator reveal what they are typing in a secret field (stored secrets are never sent here).
(function () {
  "use strict";
  function fieldset(cls) { return document.querySelector("fieldset." + cls); }
  function row(name) { var el = document.getElementById("id_" + name); return el && el.closest(".form-row"); }
  function show(el, visible) { if (el) { el.hidden = !visible; } }

  function update() {
    var method = document.getElementById("id_auth_method");
    var purpose = document.getElementById("id_purpose");
    if (!method || !purpose) { return; }
    var oauth = method.value === "ms_oauth";
    var outgoing = purpose.value === "outgoing";
    // "No authentication" (outgoing relays only; the form refuses it for incoming): no login, no password.
    var noAuthentication = method.value === "none";
    show(fieldset("mailbox-oauth"), oauth);
    show(row("new_password"), !oauth && !noAuthentication);
    show(row("login"), !noAuthentication);
    show(fieldset("mailbox-outgoing"), outgoing);
  }

  function addRevealToggles() {
    document.querySelectorAll("input.secret-input").forEach(function (input) {
      var label = document.createElement("label");
      label.className = "reveal-secret";
      var box = document.createElement("input");
      box.type = "checkbox";
      box.addEventListener("change", function () { input.type = box.checked ? "text" : "password"; });
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + (input.dataset.revealLabel || "Show password")));
      input.insertAdjacentElement("afterend", label);
    });
  }

  // Test connection: send the typed values (nothing is saved, the page stays as it is) and show the answer.
  function addConnectionTest() {
    var box = document.querySelector(".connection-test");
    if (!box) { return; }
    var button = box.querySelector(".connection-test-button");
    var result = box.querySelector(".connection-test-result");
    var form = box.closest("form");
    function say(text, state) {
      result.textContent = text;
      result.className = "connection-test-result " + state;
    }
    button.addEventListener("click", function () {
      var data = new FormData(form);
      button.disabled = true;
      say(box.dataset.testingLabel, "testing");
      fetch(box.dataset.url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": data.get("csrfmiddlewaretoken") || "" }
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (report) {
        say(report.message, report.ok ? "passed" : "failed");
      }).catch(function () {
        say(box.dataset.failedLabel, "failed");
      }).then(function () { button.disabled = false; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    addRevealToggles();
    addConnectionTest();
    update();
    ["id_auth_method", "id_purpose"].forEach(function (id) {
      var el = document.getElementById(id);
      if (el) { el.addEventListener("change", update); }
    });
  });
})();
