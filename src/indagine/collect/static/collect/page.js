// Skip logic as answers change: ask the server which questions now apply, show and hide them.
// The page works without this script; the server applies the same rules on every submit.
(function () {
  var form = document.querySelector("form.page");
  if (!form || !window.fetch) return;
  var url = form.getAttribute("data-relevance");
  var pending = null;
  function refresh() {
    var data = new FormData(form);
    // never the files chosen: what applies depends on answers, not on a file's bytes
    form.querySelectorAll("input[type=file]").forEach(function (box) { data.delete(box.name); });
    fetch(url, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (reply) {
        if (!reply) return;
        var visible = {};
        reply.visible.forEach(function (n) { visible[n] = true; });
        var shown = [];
        form.querySelectorAll(".question[data-name]").forEach(function (el) {
          var name = el.getAttribute("data-name");
          el.hidden = !visible[name];
          if (visible[name]) shown.push(name);
        });
        form.querySelector("input[name=_shown]").value = shown.join(" ");
        // a choice_filter's choices: show the rows that now apply, let go of the others (by
        // position: a list may hold one name on two rows, a 'King' county in two states)
        Object.keys(reply.rows || {}).forEach(function (name) {
          var allowed = reply.rows[name];
          var el = form.querySelector('.question[data-name="' + name + '"]');
          if (!el) return;
          // a randomized question's choices carry their row where they are shown elsewhere
          el.querySelectorAll(".option input").forEach(function (input, index) {
            var row = input.parentNode.getAttribute("data-row");
            var ok = allowed.indexOf(row === null ? index : +row) >= 0;
            input.parentNode.hidden = !ok;
            if (!ok) input.checked = false;
          });
          el.querySelectorAll("select option").forEach(function (option, index) {
            if (index === 0) return; // "Choose…"
            var row = option.getAttribute("data-row");
            var ok = allowed.indexOf(row === null ? index - 1 : +row) >= 0;
            option.hidden = option.disabled = !ok;
            if (!ok && option.selected) option.parentNode.value = "";
          });
        });
      });
  }
  form.addEventListener("change", function () { clearTimeout(pending); pending = setTimeout(refresh, 60); });
  // The language link sends the page as it is (the server keeps what was typed and shows it
  // in the other language) rather than leaving it. Without this script it is a plain link.
  document.querySelectorAll("nav.lang a[hreflang]").forEach(function (switcher) {
    switcher.addEventListener("click", function (event) {
      event.preventDefault();
      var wanted = document.createElement("input");
      wanted.type = "hidden";
      wanted.name = "_switch";
      wanted.value = switcher.getAttribute("hreflang");
      form.appendChild(wanted);
      form.submit();
    });
  });
  // A ranking: buttons move an item up or down (the keyboard's way), dragging moves it (the
  // mouse's); either sets every item's menu to its place, which is what the page sends.
  form.querySelectorAll("fieldset.rank").forEach(function (set) {
    var list = set.querySelector("ol");
    var dragged = null;
    function renumber() {
      list.querySelectorAll("select").forEach(function (menu, i) { menu.selectedIndex = i + 1; });
    }
    list.querySelectorAll("li").forEach(function (item) {
      var name = item.querySelector("label").textContent;
      [["up", -1, "\u2191"], ["down", 1, "\u2193"]].forEach(function (way) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "move";
        button.textContent = way[2];
        button.setAttribute("aria-label", set.getAttribute("data-" + way[0]) + ": " + name);
        button.addEventListener("click", function () {
          var other = way[1] < 0 ? item.previousElementSibling : item.nextElementSibling;
          if (!other) return;
          list.insertBefore(way[1] < 0 ? item : other, way[1] < 0 ? other : item);
          renumber();
          button.focus();
        });
        item.appendChild(button);
      });
      item.draggable = true;
      item.addEventListener("dragstart", function () { dragged = item; });
      item.addEventListener("dragover", function (event) { event.preventDefault(); });
      item.addEventListener("drop", function (event) {
        event.preventDefault();
        if (!dragged || dragged === item) return;
        var after = dragged.compareDocumentPosition(item) & Node.DOCUMENT_POSITION_FOLLOWING;
        list.insertBefore(dragged, after ? item.nextElementSibling : item);
        renumber();
      });
    });
  });
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
