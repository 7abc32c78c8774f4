// OpenPost dashboard: progressive enhancement only; every page works without it.
(function () {
  "use strict";
  // The browser's time zone, so the server shows and reads times in it.
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf("openpost_tz=" + encodeURIComponent(zone)) === -1) {
      document.cookie = "openpost_tz=" + encodeURIComponent(zone) + "; path=/dashboard; SameSite=Lax; max-age=31536000";
    }
  } catch (ignored) { /* no Intl: times stay in UTC */ }

  // Live per-platform counters, measured by the server's own rules.
  function counters(form) {
    var text = form.querySelector("textarea[name=content]");
    if (!text) { return; }
    var url = form.getAttribute("data-count-url");
    var csrf = form.getAttribute("data-csrf");
    var pending = null;
    var asked = 0;
    function show(counts) {
      [["twitter", counts.twitter, counts.twitter_max], ["bluesky", counts.bluesky, counts.bluesky_max]].forEach(function (row) {
        var box = form.querySelector('.counter[data-platform="' + row[0] + '"]');
        if (!box) { return; }
        box.querySelector("output").textContent = String(row[1]);
        box.classList.toggle("over", row[1] > row[2] || (row[0] === "bluesky" && counts.bluesky_bytes > counts.bluesky_max_bytes));
      });
    }
    function ask() {
      var mine = ++asked;
      fetch(url, { method: "POST", body: text.value, credentials: "same-origin",
                   headers: { "Content-Type": "text/plain; charset=utf-8", "X-CSRF-Token": csrf } })
        .then(function (answer) { return answer.ok ? answer.json() : null; })
        .then(function (counts) { if (counts && mine === asked) { show(counts); } })
        .catch(function () { /* the server still checks on submit */ });
    }
    text.addEventListener("input", function () {
      if (pending) { clearTimeout(pending); }
      pending = setTimeout(ask, 120);
    });
    ask();
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form.composer"), counters);
  });
})();
