/* Kennzahlen-Handbuch SGB II: German texts the Sphinx 7.4 catalog leaves empty on the search page. */
(function () {
  "use strict";
  var TEXTS = {
    "Search finished, found ${resultCount} page(s) matching the search query.":
      "Suche abgeschlossen: ${resultCount} passende Seite(n) gefunden.",
    "Search Results": "Suchergebnisse"
  };
  function apply() {
    if (typeof Documentation === "undefined") return;
    Object.keys(TEXTS).forEach(function (key) {
      if (!Documentation.TRANSLATIONS[key]) Documentation.TRANSLATIONS[key] = TEXTS[key];
    });
  }
  if (typeof Documentation !== "undefined") {
    var add = Documentation.addTranslations;
    Documentation.addTranslations = function (catalog) { add(catalog); apply(); };
    apply();
  }
  document.addEventListener("DOMContentLoaded", apply);

  // Snippets end at word boundaries (Sphinx cuts at a fixed character count).
  function wholeWords(p) {
    var t = p.textContent;
    var start = t.indexOf("...") === 0, end = t.slice(-3) === "...";
    if (start) t = t.slice(3).replace(/^\S*\s+/, "");
    if (end) t = t.slice(0, -3).replace(/\s+\S*$/, "");
    p.textContent = (start ? "… " : "") + t + (end ? " …" : "");
    return p;
  }
  function wrapSummary() {
    if (typeof Search === "undefined" || !Search.makeSearchSummary || Search.makeSearchSummary.hb) return;
    var summary = Search.makeSearchSummary;
    Search.makeSearchSummary = function () {
      var p = summary.apply(Search, arguments);
      return p ? wholeWords(p) : p;
    };
    Search.makeSearchSummary.hb = true;
  }
  wrapSummary();
  document.addEventListener("DOMContentLoaded", wrapSummary);
  // The number of results is announced: the summary paragraph is a live region from the start.
  new MutationObserver(function () {
    var status = document.querySelector("#search-results p.search-summary");
    if (status && !status.hasAttribute("role")) status.setAttribute("role", "status");
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
