// Search over labels, alternative labels, notations and texts (the index is on the page).
(function () {
  "use strict";
  var box = document.getElementById("search-box");
  var list = document.getElementById("search-results");
  var island = document.getElementById("search-index");
  if (!box || !list || !island) return;
  var index = JSON.parse(island.textContent);
  var ext = document.documentElement.getAttribute("data-ext") || "";
  var prefix = document.documentElement.getAttribute("data-root") || "";
  function norm(s) { return s.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, ""); }
  index.forEach(function (e) { e._n = norm(e.names); e._t = norm(e.text); e._l = norm(e.label); });
  function score(e, q) {
    var names = e._n.split(" | ");
    if (names.indexOf(q) >= 0) return 100;
    if (e._l.indexOf(q) === 0) return 80;
    if (e._n.indexOf(q) >= 0) return 60;
    if (e._t.indexOf(q) >= 0) return 20;
    return 0;
  }
  function show(q) {
    list.textContent = "";
    q = norm(q.trim());
    if (q.length < 2) return;
    var hits = index.map(function (e) { return [score(e, q), e]; })
      .filter(function (x) { return x[0] > 0; })
      .sort(function (a, b) { return b[0] - a[0] || a[1].label.localeCompare(b[1].label); })
      .slice(0, 12);
    hits.forEach(function (x) {
      var e = x[1];
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = prefix + e.path + ext;
      a.textContent = e.label;
      a.className = "hit";
      var k = document.createElement("span");
      k.className = "k";
      k.textContent = e.kind;
      li.appendChild(a);
      li.appendChild(k);
      if (x[0] <= 20) {
        var s = document.createElement("span");
        s.className = "snip";
        var at = e._t.indexOf(q);
        s.textContent = "…" + e.text.slice(Math.max(0, at - 50), at + 90) + "…";
        li.appendChild(s);
      }
      list.appendChild(li);
    });
    if (!hits.length) {
      var none = document.createElement("li");
      none.textContent = "No match.";
      list.appendChild(none);
    }
  }
  box.addEventListener("input", function () { show(box.value); });
  box.form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var first = list.querySelector("a.hit");
    if (first) window.location.href = first.href;
  });
  var q = new URLSearchParams(window.location.search).get("q");
  if (q) { box.value = q; show(q); }
})();
