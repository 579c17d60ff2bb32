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

  document.addEventListener("DOMContentLoaded", setUpNavigation);
  document.addEventListener("htmx:afterSettle", focusOutcome);
})();
