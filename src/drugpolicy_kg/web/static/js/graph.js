// The graph views: the overview (/graph) and the neighbourhood on tool, actor, act and practice
// pages. Data comes from a JSON island next to each container; Cytoscape.js with the fcose
// layout draws it. Node boxes are sized to their labels, so boxes apart means labels apart.
(function () {
  "use strict";
  if (typeof cytoscape === "undefined") return;
  if (typeof cytoscapeFcose !== "undefined") cytoscape.use(cytoscapeFcose);
  var root = document.documentElement.getAttribute("data-root") || "";
  var ext = document.documentElement.getAttribute("data-ext") || "";
  var COLORS = { practice: "#1f5fbf", tool: "#0f8a6c", actor: "#b25d00", legal: "#7a3fb0" };

  function href(path) { return root + path + ext; }

  function build(container) {
    var data = JSON.parse(document.getElementById(container.getAttribute("data-graph")).textContent);
    var els = [];
    data.blocks.forEach(function (b) { els.push({ group: "nodes", data: { id: b.id, label: b.label, compound: true, href: b.href } }); });
    data.nodes.forEach(function (n) { els.push({ group: "nodes", data: n }); });
    data.edges.forEach(function (e) { els.push({ group: "edges", data: e }); });
    var cy = cytoscape({
      container: container,
      elements: els,
      wheelSensitivity: 0.3,
      minZoom: 0.2,
      maxZoom: 3,
      style: [
        { selector: "node", style: {
          "shape": "round-rectangle", "width": "data(w)", "height": "data(h)",
          "label": "data(label)", "font-size": 13, "font-family": "system-ui, sans-serif",
          "text-valign": "center", "text-halign": "center", "color": "#fff",
          "background-color": function (n) { return COLORS[n.data("kind")] || "#475569"; },
          "border-width": 0 } },
        { selector: "node[?compound]", style: {
          "shape": "round-rectangle", "background-color": "#eef2f7", "background-opacity": 0.7,
          "border-width": 1, "border-color": "#cbd5e1", "label": "data(label)", "color": "#334155",
          "font-size": 13, "font-weight": 600, "text-valign": "top", "text-halign": "center",
          "text-margin-y": -4, "padding": 14 } },
        { selector: "edge", style: {
          "width": 1, "line-color": "#c3ccd8", "curve-style": "straight", "opacity": 0.7,
          "target-arrow-shape": "triangle", "target-arrow-color": "#c3ccd8", "arrow-scale": 0.6 } },
        { selector: ".faded", style: { "opacity": 0.12 } },
        { selector: ".hidden", style: { "display": "none" } },
        { selector: "node.focus", style: { "border-width": 3, "border-color": "#f59e0b" } },
        { selector: "edge.hl", style: { "line-color": "#f59e0b", "target-arrow-color": "#f59e0b", "width": 2, "opacity": 1 } }
      ],
      layout: { name: "preset" }
    });
    var small = data.nodes.length < 30;
    var layout = cy.layout({
      name: typeof cytoscapeFcose !== "undefined" ? "fcose" : "cose",
      quality: "proof", randomize: true, animate: false, fit: true, padding: 16,
      nodeDimensionsIncludeLabels: true, nodeSeparation: 14, nodeRepulsion: small ? 9000 : 2600,
      idealEdgeLength: small ? 90 : 48, edgeElasticity: 0.45, nestingFactor: 0.4, gravity: 0.9,
      gravityCompound: 2.5, gravityRangeCompound: 1.2, gravityRange: 2.5, tile: true,
      tilingPaddingVertical: 6, tilingPaddingHorizontal: 6, packComponents: true,
      numIter: 5000, uniformNodeDimensions: false
    });
    // fcose places nodes by spectral layout first; seed its randomness for a stable picture.
    var seed = 7;
    var random = Math.random;
    Math.random = function () { seed = (seed * 16807) % 2147483647; return (seed - 1) / 2147483646; };
    try { layout.run(); } finally { Math.random = random; }
    separate(cy);
    cy.fit(undefined, 20);
    if (cy.zoom() > 1.1) { cy.zoom(1.1); cy.center(); }
    // Readable labels first: never start below 80 % (13 px labels stay >= 10 px); pan for more.
    if (cy.zoom() < 0.8) { cy.zoom(0.8); topLeft(cy, cy.elements()); }
    container._cy = cy;
    container.setAttribute("data-ready", "1");
    return cy;
  }

  // Show the top of ``eles`` (block titles first), centred across when it fits the width.
  function topLeft(cy, eles) {
    var bb = eles.boundingBox(), z = cy.zoom(), w = cy.width();
    var x = bb.w * z < w ? (w - bb.w * z) / 2 - bb.x1 * z : 20 - bb.x1 * z;
    cy.pan({ x: x, y: 20 - bb.y1 * z });
  }

  // A last pass that pushes apart any two node boxes the force layout left overlapping.
  function separate(cy) {
    var nodes = cy.nodes().filter(function (n) { return !n.data("compound"); });
    // Sizes as drawn, label included (the box estimate of the data may be a little short).
    var size = {};
    nodes.forEach(function (n) {
      var b = n.boundingBox({ includeLabels: true });
      size[n.id()] = { w: Math.max(b.w, n.data("w")), h: Math.max(b.h, n.data("h")) };
    });
    for (var pass = 0; pass < 100; pass++) {
      var moved = false;
      for (var i = 0; i < nodes.length; i++) {
        for (var j = i + 1; j < nodes.length; j++) {
          var a = nodes[i], b = nodes[j];
          var pa = a.position(), pb = b.position();
          var dx = pb.x - pa.x, dy = pb.y - pa.y;
          var sa = size[a.id()], sb = size[b.id()];
          var ox = (sa.w + sb.w) / 2 + 6 - Math.abs(dx);
          var oy = (sa.h + sb.h) / 2 + 6 - Math.abs(dy);
          if (ox > 0 && oy > 0) {
            moved = true;
            if (ox < oy) {
              var sx = (dx >= 0 ? 1 : -1) * ox / 2;
              a.position({ x: pa.x - sx, y: pa.y }); b.position({ x: pb.x + sx, y: pb.y });
            } else {
              var sy = (dy >= 0 ? 1 : -1) * oy / 2;
              a.position({ x: pa.x, y: pa.y - sy }); b.position({ x: pb.x, y: pb.y + sy });
            }
          }
        }
      }
      if (!moved) break;
    }
  }

  function focus(cy, node) {
    cy.elements().removeClass("faded focus hl");
    if (!node) return;
    var hood = node.closedNeighborhood();
    cy.elements().not(hood).not(hood.parents()).addClass("faded");
    node.addClass("focus");
    node.connectedEdges().addClass("hl");
  }

  function panel(node) {
    var p = document.getElementById("g-panel");
    if (!p) return;
    p.textContent = "";
    if (!node) { p.hidden = true; return; }
    p.hidden = false;
    var h = document.createElement("h3");
    h.textContent = node.data("label");
    var k = document.createElement("div");
    k.className = "muted small";
    k.textContent = node.data("kindName") || "building block";
    var name = document.createElement("p");
    name.textContent = node.data("name") || "";
    var a = document.createElement("a");
    a.href = href(node.data("href"));
    a.textContent = "Open its page →";
    a.id = "g-open";
    p.appendChild(h); p.appendChild(k); p.appendChild(name); p.appendChild(a);
    var ul = document.createElement("ul");
    ul.className = "refs";
    node.neighborhood("node").forEach(function (m) {
      var li = document.createElement("li");
      var l = document.createElement("a");
      l.href = href(m.data("href"));
      l.textContent = m.data("label") + (m.data("name") && m.data("name") !== m.data("label") ? " · " + m.data("name") : "");
      li.appendChild(l); ul.appendChild(li);
    });
    p.appendChild(ul);
  }

  document.querySelectorAll(".cy[data-graph]").forEach(function (container) {
    var cy = build(container);
    var main = container.id === "cy-main";
    var focusId = JSON.parse(document.getElementById(container.getAttribute("data-graph")).textContent).focus;
    if (focusId) focus(cy, cy.getElementById(focusId));
    cy.on("tap", "node", function (ev) {
      var n = ev.target;
      if (!main) { if (n.data("href") && n.id() !== focusId) window.location.href = href(n.data("href")); return; }
      focus(cy, n); panel(n);
    });
    cy.on("dbltap", "node", function (ev) { if (ev.target.data("href")) window.location.href = href(ev.target.data("href")); });
    cy.on("tap", function (ev) { if (ev.target === cy && main) { focus(cy, null); panel(null); } });
    if (!main) return;
    var kinds = {};
    document.querySelectorAll("input[data-kind]").forEach(function (c) { kinds[c.getAttribute("data-kind")] = c; });
    var block = document.getElementById("g-block"), theme = document.getElementById("g-theme");
    function apply() {
      cy.nodes().forEach(function (n) {
        if (n.data("compound")) {
          n.toggleClass("hidden", !!block.value && n.data("id") !== "block:" + block.value);
          return;
        }
        var k = n.data("kind");
        var show = !kinds[k] || kinds[k].checked;
        if (k === "practice") {
          if (block.value && n.data("block") !== block.value) show = false;
          if (theme.value && n.data("theme") !== theme.value) show = false;
        }
        n.toggleClass("hidden", !show);
      });
      if (block.value || theme.value) {
        cy.nodes().forEach(function (n) {
          if (n.data("kind") && n.data("kind") !== "practice" && !n.hasClass("hidden")) {
            var used = n.neighborhood("node").some(function (m) { return m.data("kind") === "practice" && !m.hasClass("hidden"); });
            n.toggleClass("hidden", !used);
          }
        });
      }
      cy.stop(true, false);
      focus(cy, null);
      panel(null);
      var shown = cy.nodes().filter(function (n) { return !n.hasClass("hidden") && !n.data("compound"); });
      if (shown.length) {
        cy.fit(shown, 60);
        if (cy.zoom() > 1.1) { cy.zoom(1.1); cy.center(shown); }
        if (cy.zoom() < 0.8) { cy.zoom(0.8); topLeft(cy, shown); }
      }
    }
    Object.keys(kinds).forEach(function (k) { kinds[k].addEventListener("change", apply); });
    block.addEventListener("change", apply);
    theme.addEventListener("change", apply);
    document.getElementById("g-reset").addEventListener("click", function () {
      Object.keys(kinds).forEach(function (k) { kinds[k].checked = true; });
      block.value = ""; theme.value = ""; apply(); focus(cy, null); cy.fit(undefined, 20);
    });
    var find = document.getElementById("g-find");
    find.addEventListener("change", function () {
      var q = find.value.trim().toLowerCase();
      if (!q) return;
      var nodes = cy.nodes().filter(function (n) { return !n.data("compound"); });
      var exact = nodes.filter(function (n) { return (n.data("label") || "").toLowerCase() === q; });
      var hit = exact.length ? exact[0] : nodes.filter(function (n) {
        return (n.data("name") || "").toLowerCase().indexOf(q) >= 0;
      })[0];
      if (hit) { focus(cy, hit); panel(hit); cy.animate({ center: { eles: hit }, zoom: 1.4 }, { duration: 300 }); }
    });
  });
})();
