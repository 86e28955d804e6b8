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

  // Time series with a gender choice: the "Daten als Tabelle" rows are built here from the chart's
  // own data (values already rounded to one decimal in Python), once when the page loads – also
  // when a chart cannot be drawn – and again when the radio changes the gender, so the table
  // always lists what is drawn. The page carries the numbers once (in the chart data), not twice.
  var MONATE = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
                "Oktober", "November", "Dezember"];
  // decimals per figure from the catalogue (tp.stellen, Kennzahl.stellen); an undefined value:
  // its sign and reason from Python (text.ohne_wert), else the sign alone
  function prozent(v, stellen, ohne) {
    if (v === null || v === undefined || v !== v) return ohne;
    if (v === 0) v = 0;  // no "-0,0"
    var zahl = new Intl.NumberFormat("de-DE", { minimumFractionDigits: stellen, maximumFractionDigits: stellen });
    return zahl.format(v).replace("-", "\u2212") + "\u00a0%";
  }

  function fillTable(details, spec, tp, g) {
    var tbody = details.querySelector("tbody"), caption = details.querySelector("caption");
    var rows = (spec.datasets || {})[spec.data && spec.data.name] || [];
    var y0 = parseInt(tp.start.slice(0, 4), 10), m0 = parseInt(tp.start.slice(5, 7), 10) - 1;
    var frag = document.createDocumentFragment();
    rows.forEach(function (r) {
      if (r.g !== g) return;
      var n = r[tp.felder[0]].length;
      for (var i = 0; i < n; i++) {
        var vals = tp.felder.map(function (f) { return r[f][i]; });
        if (vals.every(function (v) { return v === null; })) continue;
        var t = m0 + r.o + i, tr = document.createElement("tr"), th = document.createElement("th");
        th.scope = "row";
        th.textContent = r.k + " " + MONATE[t % 12] + " " + (y0 + Math.floor(t / 12));
        tr.appendChild(th);
        var z = (tp.zeichen || {})[r.k + "|" + r.g] || {};
        vals.forEach(function (v, j) {
          var td = document.createElement("td"), f = tp.felder[j];
          td.textContent = prozent(v, (tp.stellen || {})[r.k], (z[f] && z[f][String(i)]) || tp.ohne_wert || ".");
          tr.appendChild(td);
        });
        frag.appendChild(tr);
      }
    });
    tbody.replaceChildren(frag);
    if (caption && tp.titel && tp.titel[g]) caption.textContent = tp.titel[g];
  }

  function tableOf(el) {
    var details = el.nextElementSibling;
    return details && details.classList.contains("hb-daten") ? details : null;
  }

  function tableParam(spec) {
    var tp = spec.usermeta && spec.usermeta.tabelle_param;
    if (!tp) return null;
    var p = (spec.params || []).filter(function (q) { return q.name === tp.param; })[0];
    return { tp: tp, start: p ? p.value : null };
  }

  function embedAll(payloads, specs) {
    var locale = window.HANDBUCH_VEGA_LOCALE || {};
    if (locale.format) vega.formatLocale(locale.format);
    if (locale.time) vega.timeFormatLocale(locale.time);
    var loader = vega.loader({ baseURL: ROOT });
    payloads.forEach(function (el, i) {
      var target = document.getElementById(el.getAttribute("data-target"));
      if (!target) return;
      var spec = specs[i];
      if (spec instanceof Error) { fail(target, spec); return; }
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
        var tab = tableParam(spec), details = tableOf(el);
        if (tab && details) {
          result.view.addSignalListener(tab.tp.param, function (name, g) { fillTable(details, spec, tab.tp, g); });
        }
      }).catch(function (err) { fail(target, err); });
    });
  }

  function start() {
    var payloads = Array.prototype.slice.call(document.querySelectorAll(PAYLOAD));
    if (!payloads.length) return;
    var specs = payloads.map(function (el) {
      var spec;
      try { spec = JSON.parse(el.textContent); } catch (err) { return err; }
      var tab = tableParam(spec), details = tableOf(el);
      if (tab && details && tab.start !== null) fillTable(details, spec, tab.tp, tab.start);
      return spec;
    });
    loadLibs().then(function () { embedAll(payloads, specs); }).catch(function (err) {
      payloads.forEach(function (el) {
        var target = document.getElementById(el.getAttribute("data-target"));
        if (target) fail(target, err);
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
