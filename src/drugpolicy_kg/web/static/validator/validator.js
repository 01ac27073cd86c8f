// Progressive enhancement of the validation page: drag and drop, and a report without a
// reload. Without this script the form posts as plain HTML and everything still works.
"use strict";
(function () {
  var form = document.getElementById("validate-form");
  if (!form || !window.fetch || !window.FormData) return;
  document.documentElement.classList.add("js");
  var drop = document.getElementById("drop-zone");
  var input = document.getElementById("file");
  var chosen = document.getElementById("file-chosen");
  var busy = document.getElementById("busy");
  var result = document.getElementById("result");
  var button = document.getElementById("submit");

  function showChosen() {
    chosen.textContent = input.files && input.files.length ? "Chosen: " + input.files[0].name : "";
  }
  input.addEventListener("change", showChosen);
  ["dragenter", "dragover"].forEach(function (name) {
    drop.addEventListener(name, function (event) {
      event.preventDefault();
      drop.classList.add("over");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    drop.addEventListener(name, function () { drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      showChosen();
    }
  });

  form.addEventListener("submit", function (event) {
    var format = document.getElementById("format").value;
    if (format !== "html") return; // downloads: the browser's own form post
    event.preventDefault();
    var old = document.getElementById("error");
    if (old) old.remove();
    button.disabled = true;
    busy.textContent = "Validating…";
    fetch(form.getAttribute("action") + "?partial=1", {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "text/html" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.text().then(function (text) { return { response: response, text: text }; });
    }).then(function (reply) {
      var doc = new DOMParser().parseFromString(reply.text, "text/html");
      var part = reply.response.ok ? doc.getElementById("report") : doc.getElementById("error");
      result.replaceChildren();
      if (part) {
        result.appendChild(document.importNode(part, true));
      } else {
        var p = document.createElement("p");
        p.className = "error";
        p.setAttribute("role", "alert");
        p.textContent = "The service answered " + reply.response.status + ". Please try again.";
        result.appendChild(p);
      }
      busy.textContent = reply.response.ok ? "Done." : "";
      document.title = (reply.response.ok ? "Report" : "Error") + " | Validate an action plan | drugpolicy-kg";
      result.focus();
    }).catch(function () {
      busy.textContent = "";
      result.replaceChildren();
      var p = document.createElement("p");
      p.className = "error";
      p.setAttribute("role", "alert");
      p.textContent = "The service could not be reached. Please try again.";
      result.appendChild(p);
    }).finally(function () {
      button.disabled = false;
    });
  });
})();
