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

  document.addEventListener("DOMContentLoaded", function () {
    addRevealToggles();
    update();
    ["id_auth_method", "id_purpose"].forEach(function (id) {
      var el = document.getElementById(id);
      if (el) { el.addEventListener("change", update); }
    });
  });
})();
