/* Kennzahlen-Handbuch SGB II: print. The download links of a page carry their full address
 * (data-url), which the print stylesheet writes after the link text, so a printed Steckbrief
 * names where the files are. Links to data: URLs (the page's own CSV) are not printed. */
(function () {
  "use strict";
  function mark() {
    document.querySelectorAll(".downloads a[href]").forEach(function (a) {
      if (a.protocol === "http:" || a.protocol === "https:" || a.protocol === "file:") a.setAttribute("data-url", a.href);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mark);
  else mark();
})();
