// Skip logic as answers change: ask the server which questions now apply, show and hide them.
// The page works without this script; the server applies the same rules on every submit.
(function () {
  var form = document.querySelector("form.page");
  if (!form || !window.fetch) return;
  var url = form.getAttribute("data-relevance");
  var pending = null;
  function refresh() {
    var data = new FormData(form);
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
      });
  }
  form.addEventListener("change", function () { clearTimeout(pending); pending = setTimeout(refresh, 60); });
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
