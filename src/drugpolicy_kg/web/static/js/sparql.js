// The query page: YASGUI on the endpoint "query" (relative to this page), with the project's
// prefixes and the catalogue's questions as ready examples.
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("sparql-config").textContent);
  var endpoint = new URL(cfg.endpoint, window.location.href).href;
  var byName = {};
  cfg.examples.forEach(function (e) { byName[e.name] = e; });
  var first = cfg.examples.filter(function (e) { return e.name === "eu-systems-ranked"; })[0] || cfg.examples[0];
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: null,
    yasqe: { value: first ? first.query : "SELECT * WHERE { ?s ?p ?o } LIMIT 10", autocompleters: ["variables"], prefixCcApi: "" },
    yasr: { prefixes: cfg.prefixes }
  });
  var tab = yasgui.getTab();
  if (tab && tab.getYasqe) {
    var yasqe = tab.getYasqe();
    if (yasqe && yasqe.addPrefixes) yasqe.addPrefixes(cfg.prefixes);
  }
  document.querySelectorAll("button.example").forEach(function (b) {
    b.addEventListener("click", function () {
      var e = byName[b.getAttribute("data-name")];
      var t = yasgui.getTab();
      t.setQuery(e.query);
      t.setName(e.title.slice(0, 40));
    });
  });
})();
