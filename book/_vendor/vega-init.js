/* Kennzahlen-Handbuch SGB II: renders the Vega-Lite charts of a page, fully offline.
 *
 * The myst-nb plugin (helpers.mystnb_vega) writes each chart as
 *   <div class="vega-chart" id="vl-c3-o0" ...></div>
 *   <script type="application/vnd.vegalite+json" data-target="vl-c3-o0">{spec}</script>
 * This script loads the vendored libraries from the site's own _static/ folder only on pages
 * that hold a chart, sets German number and date formats and embeds every chart as SVG.
 * Data URLs in specs (e.g. "_static/geo/kreise.json") are resolved against the site root,
 * so the same spec works on pages at any depth.
 */
(function () {
  "use strict";

  var PAYLOAD = 'script[type="application/vnd.vegalite+json"]';
  var LIBS = ["vega-locale-de.js", "vega.min.js", "vega-lite.min.js", "vega-embed.min.js"];
  var script = document.currentScript;
  var STATIC = new URL(".", script ? script.src : document.baseURI).href; // .../_static/
  var ROOT = new URL("..", STATIC).href;                                  // site root

  function loadLibs() {
    // async=false keeps execution order while the files download in parallel.
    return Promise.all(LIBS.map(function (name) {
      return new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = STATIC + name;
        s.async = false;
        s.onload = resolve;
        s.onerror = function () { reject(new Error("Bibliothek nicht geladen: " + name)); };
        document.head.appendChild(s);
      });
    }));
  }

  function fail(target, err) {
    target.classList.add("vega-fehler");
    target.textContent = "Das Diagramm konnte nicht angezeigt werden.";
    if (window.console) console.error(err);
  }

  // Maps with a figure picker: the picker goes before the chart (reached by keyboard before the
  // map's shapes), and a live region announces the chosen figure; the text alternative follows.
  function pickerFirst(target, svg, text) {
    var bindings = target.querySelector(".vega-bindings");
    var select = bindings && bindings.querySelector("select");
    if (!select) return;
    target.insertBefore(bindings, target.firstChild);
    var live = document.createElement("p");
    live.className = "hb-visually-hidden";
    live.setAttribute("aria-live", "polite");
    target.insertBefore(live, bindings.nextSibling);
    select.addEventListener("change", function () {
      var label = select.options[select.selectedIndex].text;
      live.textContent = "Karte zeigt jetzt " + label + ".";
      if (svg && text) svg.setAttribute("aria-label", text + " Gewählt: " + label + ".");
    });
  }

  function embedAll(payloads) {
    var locale = window.HANDBUCH_VEGA_LOCALE || {};
    if (locale.format) vega.formatLocale(locale.format);
    if (locale.time) vega.timeFormatLocale(locale.time);
    var loader = vega.loader({ baseURL: ROOT });
    payloads.forEach(function (el) {
      var target = document.getElementById(el.getAttribute("data-target"));
      if (!target) return;
      var spec;
      try { spec = JSON.parse(el.textContent); } catch (err) { fail(target, err); return; }
      vegaEmbed(target, spec, {
        actions: false,
        renderer: "svg",
        loader: loader,
        formatLocale: locale.format,
        timeFormatLocale: locale.time
      }).then(function (result) {
        target.classList.add("vega-fertig");
        var text = spec.description || target.getAttribute("aria-label");
        var svg = result.view.container() && result.view.container().querySelector("svg");
        if (svg && text) {
          svg.setAttribute("role", "img");
          svg.setAttribute("aria-label", text);
        }
        pickerFirst(target, svg, text);
      }).catch(function (err) { fail(target, err); });
    });
  }

  function start() {
    var payloads = Array.prototype.slice.call(document.querySelectorAll(PAYLOAD));
    if (!payloads.length) return;
    loadLibs().then(function () { embedAll(payloads); }).catch(function (err) {
      payloads.forEach(function (el) {
        var target = document.getElementById(el.getAttribute("data-target"));
        if (target) fail(target, err);
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
