// The editor's outline: drag a page or question and drop it before another, or at the end.
// Written by hand (no library): it posts the same form the buttons do, with op=moveto, so the
// server checks and keeps the change exactly as for Up and Down; without the script, and from
// the keyboard, those buttons do the same.
(function () {
  "use strict";
  var outline = document.querySelector(".outline");
  var form = document.getElementById("move-to");
  if (!outline || !form) return;
  var dragged = null;
  outline.querySelectorAll("li[data-index]").forEach(function (item) {
    item.setAttribute("draggable", "true");
    item.addEventListener("dragstart", function (event) {
      dragged = item.getAttribute("data-index");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged);
      item.classList.add("dragging");
    });
    item.addEventListener("dragend", function () {
      item.classList.remove("dragging");
    });
  });
  outline.querySelectorAll("li[data-before]").forEach(function (target) {
    target.addEventListener("dragover", function (event) {
      if (dragged === null) return;
      event.preventDefault();
      target.classList.add("drop-here");
    });
    target.addEventListener("dragleave", function () {
      target.classList.remove("drop-here");
    });
    target.addEventListener("drop", function (event) {
      event.preventDefault();
      if (dragged === null) return;
      form.elements.index.value = dragged;
      form.elements.before.value = target.getAttribute("data-before");
      form.submit();
    });
  });
})();
