// The mail list for high-volume work: the focused row drives the preview pane beside the list, and keys
// work the list (j/↓ next, k/↑ previous, x/Space select, Enter/o open, g generate, ? help). No framework,
// no inline script: the page loads this file only.
(function () {
  "use strict";

  const table = document.querySelector("table[data-keyboard-list]");
  if (!table) {
    return;
  }
  const rows = Array.from(table.querySelectorAll("tbody tr[data-mail]"));
  const form = document.getElementById("mail-actions");
  const pane = document.querySelector("iframe.mail-pane");
  const help = document.getElementById("shortcut-help");
  const PANE_DELAY_MS = 120; // holding j loads the mail the operator stops on, not every one passed
  let current = null;
  let paneTimer = 0;

  function boxOf(row) {
    return row.querySelector("input[name=mail]");
  }

  function showInPane(row) {
    if (!pane || !row.dataset.pane) {
      return;
    }
    window.clearTimeout(paneTimer);
    paneTimer = window.setTimeout(function () {
      const target = new URL(row.dataset.pane, window.location.href).href;
      if (pane.dataset.shown === target) {
        return;
      }
      pane.dataset.shown = target;
      try {
        pane.contentWindow.location.replace(target); // no history entry per focused row
      } catch (error) {
        pane.src = target; // the frame holds an error page of another origin: load it anew
      }
    }, PANE_DELAY_MS);
  }

  function focusRow(row, options) {
    if (!row) {
      return;
    }
    if (current && current !== row) {
      current.classList.remove("is-current");
      current.removeAttribute("aria-current");
      current.tabIndex = -1;
    }
    current = row;
    row.classList.add("is-current");
    row.setAttribute("aria-current", "true");
    row.tabIndex = 0;
    if (options.focus) {
      row.focus({ preventScroll: true });
      row.scrollIntoView({ block: "nearest" });
    }
    showInPane(row);
  }

  function pagerLink(rel) {
    return document.querySelector(".pager a[rel=" + rel + "]");
  }

  function move(step) {
    const index = rows.indexOf(current);
    const next = rows[index + step];
    if (next) {
      focusRow(next, { focus: true });
      return;
    }
    // Past the end of the page: the older page starts at its first row, the newer one at its last.
    const link = pagerLink(step > 0 ? "next" : "prev");
    if (link) {
      window.location.href = link.href + (step > 0 ? "#first" : "#last");
    }
  }

  function toggle(row) {
    const box = row && boxOf(row);
    if (box) {
      box.checked = !box.checked;
      box.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  function open(row) {
    if (row && row.dataset.open) {
      window.location.href = row.dataset.open;
    }
  }

  function generate() {
    const button = form && form.querySelector("button[name=action][value=generate]");
    if (!button) {
      return;
    }
    const boxes = rows.map(boxOf).filter(Boolean);
    if (!boxes.some(function (box) { return box.checked; }) && current && boxOf(current)) {
      boxOf(current).checked = true; // nothing selected: the focused mail
    }
    if (boxes.some(function (box) { return box.checked; })) {
      form.requestSubmit(button);
    }
  }

  function toggleHelp() {
    if (!help) {
      return;
    }
    if (help.open) {
      help.close();
    } else {
      help.showModal();
    }
  }

  function typing(target) {
    if (target.isContentEditable) {
      return true;
    }
    if (target.tagName === "TEXTAREA" || target.tagName === "SELECT") {
      return true;
    }
    return target.tagName === "INPUT" && !["checkbox", "radio", "button", "submit", "reset"].includes(target.type);
  }

  function native(target, key) {
    // Space and Enter keep their own meaning on checkboxes, buttons and links.
    const own = target.tagName === "BUTTON" || target.tagName === "A" || target.tagName === "INPUT";
    return own && (key === " " || key === "Enter");
  }

  const KEYS = {
    j: function () { move(1); },
    ArrowDown: function () { move(1); },
    k: function () { move(-1); },
    ArrowUp: function () { move(-1); },
    x: function () { toggle(current); },
    " ": function () { toggle(current); },
    o: function () { open(current); },
    Enter: function () { open(current); },
    g: generate,
    "?": toggleHelp,
  };

  function onKey(event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) {
      return;
    }
    const key = event.key === "/" && event.shiftKey ? "?" : event.key;
    if (event.shiftKey && key !== "?") {
      return;
    }
    if (help && help.open) {
      if (key === "?") {
        event.preventDefault();
        help.close();
      }
      return; // the dialog has the keyboard (Escape closes it)
    }
    const action = KEYS[key];
    if (!action || typing(event.target) || native(event.target, key)) {
      return;
    }
    event.preventDefault();
    action();
  }

  document.addEventListener("keydown", onKey);
  if (pane) {
    // Keys pressed while the pane has the focus (after a click into it) work the list as well.
    const listen = function () {
      try {
        pane.contentDocument.addEventListener("keydown", onKey);
      } catch (error) {
        // an error page of another origin: nothing to listen to
      }
    };
    pane.addEventListener("load", listen);
    listen(); // the first mail may have loaded before this script ran
    // A PDF viewer loading inside the pane takes the keyboard focus: give it back to the list, unless
    // the operator is pointing at the pane (clicked into it to read or scroll).
    window.addEventListener("blur", function () {
      window.setTimeout(function () {
        const back = help && help.open ? help.querySelector("button") : current;
        if (document.activeElement === pane && !pane.matches(":hover") && back) {
          back.focus({ preventScroll: true });
        }
      }, 0);
    });
  }

  rows.forEach(function (row) {
    row.tabIndex = -1;
    row.addEventListener("click", function (event) {
      if (event.target.closest("a")) {
        return; // the subject opens the full page
      }
      focusRow(row, { focus: event.target === row || !event.target.closest("input, button") });
    });
    const box = boxOf(row);
    if (box) {
      box.addEventListener("focus", function () { focusRow(row, { focus: false }); });
    }
  });

  const selectAll = document.getElementById("select-all");
  if (selectAll) {
    selectAll.addEventListener("change", function () {
      rows.map(boxOf).filter(Boolean).forEach(function (box) { box.checked = selectAll.checked; });
    });
    table.addEventListener("change", function (event) {
      if (event.target.name === "mail") {
        const boxes = rows.map(boxOf).filter(Boolean);
        selectAll.checked = boxes.length > 0 && boxes.every(function (box) { return box.checked; });
      }
    });
  }

  document.querySelectorAll("[data-shortcut-help]").forEach(function (button) {
    button.addEventListener("click", toggleHelp);
  });

  // Arriving from the previous page by keyboard (#first / #last): that row has the keyboard focus.
  const arrived = window.location.hash === "#first" || window.location.hash === "#last";
  const start = window.location.hash === "#last" ? rows[rows.length - 1] : rows[0];
  if (pane && start) {
    // The pane already shows the first row (its src is in the page).
    pane.dataset.shown = new URL(rows[0].dataset.pane || "", window.location.href).href;
  }
  focusRow(start, { focus: arrived });
})();
