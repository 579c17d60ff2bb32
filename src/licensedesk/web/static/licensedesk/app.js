// licensedesk: the small behaviour the server-rendered pages need (the Content-Security-Policy allows
// scripts from this site only, so nothing is inline). Without JavaScript every page still works: the
// navigation stays open and forms post normally.
(function () {
  "use strict";

  // The navigation collapses behind a menu button on narrow screens.
  function setUpNavigation() {
    var button = document.querySelector("[data-nav-toggle]");
    var nav = document.getElementById("site-nav");
    if (!button || !nav) return;
    document.documentElement.classList.add("has-nav-toggle");
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") === "true";
      button.setAttribute("aria-expanded", String(!open));
      nav.classList.toggle("is-open", !open);
    });
  }

  // After htmx replaces a region, a notice or error inside it gets the focus, so keyboard and screen
  // reader users learn what happened.
  function focusOutcome() {
    var outcome = document.querySelector("main [data-outcome]");
    if (outcome) outcome.focus();
  }

  // A refused upload keeps the files the user chose: htmx replaces the form with the answer (which
  // shows the refusal at the form), and a browser never sends a chosen file back, so the files are put
  // back into the new form of the same material and named in the refusal ([data-upload-files]).
  var keptFiles = null;

  function keepFiles(event) {
    var elt = event.detail && event.detail.elt;
    var form = elt && elt.closest ? elt.closest("form[data-keeps-files]") : null;
    var input = form ? form.querySelector('input[type="file"]') : null;
    keptFiles = input && input.files && input.files.length
      ? { action: form.getAttribute("action"), files: input.files }
      : null;
  }

  function restoreFiles() {
    var kept = keptFiles;
    keptFiles = null;
    var refusal = kept && document.querySelector("main [data-upload-error]");
    if (!refusal) return;
    var forms = document.querySelectorAll("form[data-keeps-files]");
    for (var i = 0; i < forms.length; i++) {
      if (forms[i].getAttribute("action") !== kept.action) continue;
      var input = forms[i].querySelector('input[type="file"]');
      if (input) input.files = kept.files;
    }
    var names = refusal.querySelector("[data-upload-files]");
    if (!names) return;
    var list = [];
    for (var j = 0; j < kept.files.length; j++) list.push(kept.files[j].name);
    names.querySelector("span").textContent = list.join(names.getAttribute("data-separator") || ", ");
    names.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", setUpNavigation);
  document.addEventListener("htmx:beforeRequest", keepFiles);
  document.addEventListener("htmx:afterSettle", restoreFiles);
  document.addEventListener("htmx:afterSettle", focusOutcome);
})();
