/* drugpolicy-kg interactive view. Vanilla JavaScript, no library, no network.
 *
 * Reads the graph from the <script id="graph-data"> JSON island (positions are computed in
 * Python with a fixed seed, so the picture is reproducible), draws it as SVG, and adds pan,
 * zoom, node dragging, search and a details panel with each link's evidence.
 * URL hook: "#search=III.3" (or "#node=<IRI>") selects a node on load and on hash change,
 * which also lets tests drive the page without a mouse.
 * Licence: Apache-2.0, as the rest of drugpolicy-kg.
 */
(function () {
  "use strict";
  var SVG_NS = "http://www.w3.org/2000/svg";
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var svg = document.getElementById("view");
  var details = document.getElementById("details");
  var statusEl = document.getElementById("status");
  var colours = {};
  data.kinds.forEach(function (k) { colours[k.kind] = k.colour; });

  var nodes = data.nodes;
  var edges = data.edges;
  var adjacency = nodes.map(function () { return []; });
  edges.forEach(function (e, i) {
    adjacency[e.s].push({ edge: i, other: e.t, forward: true });
    adjacency[e.t].push({ edge: i, other: e.s, forward: false });
  });

  function el(name, attrs, parent) {
    var x = document.createElementNS(SVG_NS, name);
    Object.keys(attrs || {}).forEach(function (k) { x.setAttribute(k, attrs[k]); });
    if (parent) { parent.appendChild(x); }
    return x;
  }
  function html(tag, text, cls) {
    var x = document.createElement(tag);
    if (text !== undefined && text !== null) { x.textContent = text; }
    if (cls) { x.className = cls; }
    return x;
  }

  // --- drawing ---------------------------------------------------------------------------------
  var world = el("g", { id: "world" }, svg);
  var edgeLayer = el("g", { "class": "edges" }, world);
  var nodeLayer = el("g", { "class": "nodes" }, world);
  var edgeEls = edges.map(function (e) {
    return el("line", { "class": "edge", "data-rel": e.rel }, edgeLayer);
  });
  var nodeEls = nodes.map(function (n, i) {
    var g = el("g", { "class": "node kind-" + n.kind, "data-id": n.id, "data-index": String(i), tabindex: "0" }, nodeLayer);
    var c = el("circle", { r: String(n.r), fill: colours[n.kind] || "#fff" }, g);
    var t = el("title", {}, c);
    t.textContent = n.label + (n.name && n.name !== n.label ? " \u2014 " + n.name : "");
    var label = el("text", { x: String(n.r + 2), y: "3" }, g);
    label.textContent = n.short;
    return g;
  });
  function place() {
    edges.forEach(function (e, i) {
      var a = nodes[e.s], b = nodes[e.t];
      var line = edgeEls[i];
      line.setAttribute("x1", a.x); line.setAttribute("y1", a.y);
      line.setAttribute("x2", b.x); line.setAttribute("y2", b.y);
    });
    nodes.forEach(function (n, i) {
      nodeEls[i].setAttribute("transform", "translate(" + n.x + "," + n.y + ")");
    });
  }
  place();

  // --- legend ----------------------------------------------------------------------------------
  var legend = document.getElementById("legend");
  var ul = html("ul");
  data.kinds.forEach(function (k) {
    var li = html("li");
    var sw = html("span", null, "swatch");
    sw.style.background = k.colour;
    li.appendChild(sw);
    li.appendChild(document.createTextNode(k.name + " (" + k.count + ")"));
    ul.appendChild(li);
  });
  legend.appendChild(ul);

  // --- pan, zoom, drag -------------------------------------------------------------------------
  var view = { x: data.bounds[0], y: data.bounds[1], w: data.bounds[2], h: data.bounds[3] };
  function applyView() {
    svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" "));
  }
  applyView();
  function toWorld(evt) {
    var r = svg.getBoundingClientRect();
    var scale = Math.max(view.w / r.width, view.h / r.height);
    var ox = view.x + (view.w - r.width * scale) / 2;
    var oy = view.y + (view.h - r.height * scale) / 2;
    return { x: ox + (evt.clientX - r.left) * scale, y: oy + (evt.clientY - r.top) * scale, scale: scale };
  }
  var drag = null;
  svg.addEventListener("pointerdown", function (evt) {
    var target = evt.target.closest ? evt.target.closest(".node") : null;
    drag = {
      node: target ? Number(target.getAttribute("data-index")) : -1,
      cx: evt.clientX, cy: evt.clientY, vx: view.x, vy: view.y,
      scale: toWorld(evt).scale, moved: false
    };
    svg.classList.add("dragging");
    if (svg.setPointerCapture) { try { svg.setPointerCapture(evt.pointerId); } catch (e) { /* synthetic events */ } }
  });
  svg.addEventListener("pointermove", function (evt) {
    if (!drag) { return; }
    var dx = evt.clientX - drag.cx, dy = evt.clientY - drag.cy;
    if (Math.abs(dx) + Math.abs(dy) > 3) { drag.moved = true; }
    if (!drag.moved) { return; }
    if (drag.node >= 0) {
      var p = toWorld(evt);
      nodes[drag.node].x = p.x; nodes[drag.node].y = p.y; place();
    } else {
      view.x = drag.vx - dx * drag.scale; view.y = drag.vy - dy * drag.scale; applyView();
    }
  });
  function endDrag() {
    if (!drag) { return; }
    var d = drag;
    drag = null;
    svg.classList.remove("dragging");
    if (!d.moved) {
      if (d.node >= 0) { select(d.node); } else { select(-1); }
    }
  }
  svg.addEventListener("pointerup", endDrag);
  svg.addEventListener("pointercancel", function () { drag = null; svg.classList.remove("dragging"); });
  svg.addEventListener("wheel", function (evt) {
    evt.preventDefault();
    var p = toWorld(evt);
    var f = evt.deltaY > 0 ? 1.15 : 1 / 1.15;
    view.x = p.x - (p.x - view.x) * f; view.y = p.y - (p.y - view.y) * f;
    view.w *= f; view.h *= f;
    applyView();
  }, { passive: false });
  nodeEls.forEach(function (g, i) {
    g.addEventListener("keydown", function (evt) {
      if (evt.key === "Enter" || evt.key === " ") { evt.preventDefault(); select(i); }
    });
  });

  // --- selection and details ---------------------------------------------------------------------
  var selected = -1;
  function select(i) {
    selected = i;
    nodeEls.forEach(function (g) { g.classList.remove("selected"); g.classList.remove("dim"); });
    edgeEls.forEach(function (l) { l.classList.remove("hl"); l.classList.remove("dim"); });
    details.textContent = "";
    if (i < 0) {
      details.appendChild(html("p", "Click a node, or search, to see its text and links.", "hint"));
      document.documentElement.removeAttribute("data-selected");
      return;
    }
    var near = {}; near[i] = true;
    adjacency[i].forEach(function (a) { near[a.other] = true; edgeEls[a.edge].classList.add("hl"); });
    nodeEls.forEach(function (g, j) { if (!near[j]) { g.classList.add("dim"); } });
    edgeEls.forEach(function (l) { if (!l.classList.contains("hl")) { l.classList.add("dim"); } });
    nodeEls[i].classList.add("selected");
    showDetails(nodes[i], i);
    document.documentElement.setAttribute("data-selected", nodes[i].id);
  }
  function showDetails(n, i) {
    details.appendChild(html("div", n.kindName, "kind"));
    details.appendChild(html("h2", n.label + (n.name && n.name !== n.label ? " \u2014 " + n.name : "")));
    if (n.text) {
      var q = html("blockquote", n.text);
      q.id = "node-text";
      details.appendChild(q);
    }
    details.appendChild(html("div", n.id, "iri"));
    var links = adjacency[i].slice().sort(function (a, b) { return a.other - b.other; });
    if (links.length) {
      details.appendChild(html("h3", "Links (" + links.length + ")"));
      var list = html("ul", null, "links");
      links.forEach(function (a) {
        var e = edges[a.edge], o = nodes[a.other];
        var li = html("li");
        li.appendChild(document.createTextNode((a.forward ? e.phrase : e.inverse) + " "));
        var link = html("a", o.label);
        link.setAttribute("role", "button");
        link.addEventListener("click", function () { select(a.other); });
        li.appendChild(link);
        if (e.evidence) {
          li.appendChild(html("div", "\u201c" + e.evidence + "\u201d", "evidence"));
        }
        if (e.justification) {
          li.appendChild(html("div", e.justification, "evidence"));
        }
        list.appendChild(li);
      });
      details.appendChild(list);
    }
  }

  // --- search ------------------------------------------------------------------------------------
  var datalist = document.getElementById("names");
  nodes.forEach(function (n) {
    var o = document.createElement("option");
    o.value = n.label;
    if (n.name && n.name !== n.label) { o.label = n.name; }
    datalist.appendChild(o);
  });
  function find(query) {
    var q = query.trim().toLowerCase();
    if (!q) { return -1; }
    var tests = [
      function (n) { return n.id.toLowerCase() === q; },
      function (n) { return n.code.toLowerCase() === q || n.label.toLowerCase() === q; },
      function (n) { return (n.name || "").toLowerCase() === q || n.aliases.some(function (a) { return a.toLowerCase() === q; }); },
      function (n) { return n.label.toLowerCase().indexOf(q) >= 0 || (n.name || "").toLowerCase().indexOf(q) >= 0; },
      function (n) { return (n.text || "").toLowerCase().indexOf(q) >= 0; }
    ];
    for (var t = 0; t < tests.length; t++) {
      for (var i = 0; i < nodes.length; i++) { if (tests[t](nodes[i])) { return i; } }
    }
    return -1;
  }
  function search(query) {
    var i = find(query);
    statusEl.textContent = i < 0 ? "Nothing is called \u201c" + query + "\u201d." : "";
    if (i >= 0) { select(i); }
    return i;
  }
  document.getElementById("search-form").addEventListener("submit", function (evt) {
    evt.preventDefault();
    search(document.getElementById("search").value);
  });
  function fromHash() {
    var h = decodeURIComponent((location.hash || "").replace(/^#/, ""));
    var m = /^(search|node)=(.*)$/.exec(h);
    if (m) {
      document.getElementById("search").value = m[2];
      search(m[2]);
    }
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();
  document.documentElement.setAttribute("data-ready", String(nodes.length));
})();
