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
})();
