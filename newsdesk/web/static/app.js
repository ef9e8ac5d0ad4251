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
  var armed = false;  // approve by key takes two keys: "a" names the draft, "y" confirms
  function show(id, focus) {
    var details = document.getElementById(id);
    if (!details) { return false; }
    details.open = true;
    var field = document.getElementById(focus);
    if (field) { field.focus(); }
    return true;
  }
  function confirmBar() { return document.getElementById("approve-confirm"); }
  function disarm() { armed = false; var bar = confirmBar(); if (bar) { bar.hidden = true; } }
  function approve() {
    var button = document.getElementById("approve");
    if (button.form.requestSubmit) { button.form.requestSubmit(button); } else { button.click(); }
  }
  function select(delta) {
    var list = rows();
    if (!list.length) { return false; }
    if (selected >= 0) { list[selected].classList.remove("selected"); }
    selected = Math.max(0, Math.min(list.length - 1, selected + delta));
    list[selected].classList.add("selected");
    list[selected].scrollIntoView({ block: "nearest" });
    return true;
  }
  var ready = false;  // keys pressed while the page loads were meant for the page before
  window.addEventListener("load", function () { ready = true; });
  document.addEventListener("keydown", function (event) {
    if (!ready || typing(event) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var key = event.key;
    if (armed) {
      event.preventDefault();
      if (key === "y") { armed = false; approve(); } else { disarm(); }
      return;
    }
    if (key === "j") { if (!select(1)) { go("next"); } }
    else if (key === "k") { if (!select(-1)) { go("prev"); } }
    else if (key === "Enter" && selected >= 0) { window.location.href = rows()[selected].dataset.href; }
    else if (key === "a") {
      var bar = confirmBar();
      var note = document.querySelector("#approve-form input[name=note][required]");
      if (note) { event.preventDefault(); note.focus(); }  // a flagged draft needs a reason first
      else if (bar) { event.preventDefault(); armed = true; bar.hidden = false; }
    }
    else if (key === "r") { if (show("reject-details", "reject-note")) { event.preventDefault(); } }
    else if (key === "e") { if (show("edit-details", "edit-text")) { event.preventDefault(); } }
  });
}());
