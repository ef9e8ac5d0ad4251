// Keyboard shortcuts for the review queue. Progressive: every action works without this file.
(function () {
  "use strict";
  function typing(event) {
    var tag = (event.target.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || event.target.isContentEditable;
  }
  function go(id) { var link = document.getElementById(id); if (link) { window.location.href = link.href; } }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll(".draft-row")); }
  var selected = -1;
  function select(delta) {
    var list = rows();
    if (!list.length) { return false; }
    if (selected >= 0) { list[selected].classList.remove("selected"); }
    selected = Math.max(0, Math.min(list.length - 1, selected + delta));
    list[selected].classList.add("selected");
    list[selected].scrollIntoView({ block: "nearest" });
    return true;
  }
  document.addEventListener("keydown", function (event) {
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var key = event.key;
    if (key === "j") { if (!select(1)) { go("next"); } }
    else if (key === "k") { if (!select(-1)) { go("prev"); } }
    else if (key === "Enter" && selected >= 0) { window.location.href = rows()[selected].dataset.href; }
    else if (key === "a") { var approve = document.getElementById("approve"); if (approve) { approve.form.requestSubmit ? approve.form.requestSubmit(approve) : approve.click(); } }
    else if (key === "r") { var note = document.getElementById("reject-note"); if (note) { event.preventDefault(); note.focus(); } }
    else if (key === "e") { var text = document.getElementById("edit-text"); if (text) { event.preventDefault(); text.focus(); } }
  });
}());
