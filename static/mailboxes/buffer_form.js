// Buffer form: offer only the folders of the chosen mailbox (its option group).
(function () {
  "use strict";
  function update(keepValue) {
    var mailbox = document.getElementById("id_mailbox");
    var folder = document.getElementById("id_folder");
    if (!mailbox || !folder) { return; }
    var firstVisible = null;
    folder.querySelectorAll("optgroup").forEach(function (group) {
      var chosen = mailbox.options[mailbox.selectedIndex];
      var mine = Boolean(chosen) && group.label === chosen.text;
      group.hidden = !mine;
      group.disabled = !mine;
      if (mine && !firstVisible && group.querySelector("option")) { firstVisible = group.querySelector("option"); }
    });
    var selected = folder.options[folder.selectedIndex];
    if (!keepValue || !selected || selected.parentElement.hidden) {
      if (firstVisible) { firstVisible.selected = true; }
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var mailbox = document.getElementById("id_mailbox");
    if (mailbox) { mailbox.addEventListener("change", function () { update(false); }); update(true); }
  });
})();
