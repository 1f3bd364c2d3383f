// Refresh the figures as answers arrive; without JavaScript, reload the page.
// One request at a time (the next is asked for only after the last has answered, so a slow
// server is never sent a queue of them), none while the tab is hidden, and the body is replaced
// only when the figures changed (the server answers 304 to the ETag of what is shown), keeping
// the sections the organiser opened. Only a short line is announced to screen readers.
(function () {
  var body = document.getElementById("dashboard-body");
  if (!body || !window.fetch) return;
  var every = 1000 * Number(body.getAttribute("data-every") || 15);
  var stamp = document.getElementById("refreshed");
  var status = document.getElementById("refresh-status");
  var etag = body.getAttribute("data-etag");
  function replace(html) {
    var open = Array.prototype.map.call(body.querySelectorAll("details[open][id]"), function (d) { return d.id; });
    var active = document.activeElement && document.activeElement.closest && document.activeElement.closest("details[id]");
    body.innerHTML = html;
    open.forEach(function (id) { var d = document.getElementById(id); if (d) d.open = true; });
    if (active) { var again = document.getElementById(active.id); if (again) again.querySelector("summary").focus(); }
    var count = document.getElementById("n-complete");
    if (count) status.textContent = status.getAttribute("data-announce").replace("%s", count.textContent);
  }
  function check() {
    if (document.hidden) { setTimeout(check, every); return; }
    var headers = etag ? { "If-None-Match": etag } : {};
    fetch(body.getAttribute("data-refresh"), { credentials: "same-origin", cache: "no-store", headers: headers })
      .then(function (r) {
        if (r.status === 304 || r.ok) stamp.textContent = new Date().toLocaleTimeString(document.documentElement.lang || undefined, { hour12: false });
        if (!r.ok) return null;
        etag = r.headers.get("ETag");
        return r.text();
      })
      .then(function (html) { if (html !== null && html !== undefined) replace(html); })
      .catch(function () {})
      .then(function () { setTimeout(check, every); });
  }
  setTimeout(check, every);
})();
