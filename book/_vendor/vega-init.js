/* Kennzahlen-Handbuch SGB II: renders the Vega-Lite charts of a page, fully offline.
 *
 * The myst-nb plugin (helpers.mystnb_vega) writes each chart as
 *   <div class="vega-chart" id="vl-c3-o0" ...></div>
 *   <script type="application/vnd.vegalite+json" data-target="vl-c3-o0">{spec}</script>
 * This script loads the vendored libraries from the site's own _static/ folder only on pages
 * that hold a chart, sets German number and date formats and embeds every chart as SVG.
 * Data URLs in specs (e.g. "_static/geo/kreise.json") are resolved against the site root,
 * so the same spec works on pages at any depth.
 * In the built book a payload is {"vorlage": name, "loecher": [...], "listen": [...]}: the parts
 * every page shares are in _static/diagramme/<name>.js (loaded once, then from the cache), the
 * page's own values fill its {"$loch": i} places; number arrays come packed as
 * {"$zahlen": [decimals, differences of value·10^decimals as text], "-0": [positions of -0]} and
 * repeated arrays as {"$liste": i} (helpers.mystnb_vega.teilen; the same spec as in Python).
 * Values many pages share (the Vergleichstyp's median and quartiles, Bund and Land series, the
 * members' values) come from the edition's _seitendaten/<name>.js files the payload names under
 * "teile": {"$teil": [j, i]} is piece i of the j-th file (helpers.mystnb_vega.teile_einsetzen).
 */
(function () {
  "use strict";

  var PAYLOAD = 'script[type="application/vnd.vegalite+json"]';
  var LIBS = ["vega-locale-de.js", "vega.min.js", "vega-lite.min.js", "vega-embed.min.js"];
  var script = document.currentScript;
  var STATIC = new URL(".", script ? script.src : document.baseURI).href; // .../_static/
  var ROOT = new URL("..", STATIC).href;                                  // site root
  // the specs as drawn, by container id (read by the tests: the same spec as the notebook's)
  var DIAGRAMME = window.HANDBUCH_DIAGRAMME = {};

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

  // ---- a split payload put together again (helpers.mystnb_vega.spec_aus_payload)
  var VORLAGEN = {};
  var ZEHNER = [1, 10, 100, 1000, 10000, 100000, 1000000];

  // the edition's root (Sphinx writes it into every page): its own shared data, also when the
  // theme assets (and this script) live in the site's shared _statik/ folder
  var WURZEL = new URL(document.documentElement.getAttribute("data-content_root") || "./", document.baseURI).href;

  // a script (not fetch), so a copy of the site opened from disk draws too; it sets
  // window.HANDBUCH_VORLAGEN[name] (names are content hashes: no file can stand for another)
  function skript(basis, name, was) {
    if (!/^[0-9a-f]+$/.test(name)) return Promise.reject(new Error(was + " ungültig: " + name));
    var url = basis + name + ".js";
    if (!VORLAGEN[url]) {
      VORLAGEN[url] = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = url;
        s.onload = function () {
          var v = (window.HANDBUCH_VORLAGEN || {})[name];
          if (v) resolve(v); else reject(new Error(was + " leer: " + name));
        };
        s.onerror = function () { reject(new Error(was + " nicht geladen: " + name)); };
        document.head.appendChild(s);
      });
    }
    return VORLAGEN[url];
  }

  function vorlage(name) { return skript(STATIC + "diagramme/", name, "Diagrammvorlage"); }
  function seitendaten(name) { return skript(WURZEL + "_seitendaten/", name, "Seitendaten"); }

  // helpers.mystnb_vega._kodieren: one character per difference -31..30, "~" none, "(n)" others
  var ZEICHEN = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", VERSATZ = 31;

  function zahlen(z) {
    var s = z["$zahlen"][0], code = z["$zahlen"][1], p = ZEHNER[s], summe = 0, out = [], i = 0;
    while (i < code.length) {
      var c = code.charAt(i), d;
      if (c === "~") { out.push(null); i++; continue; }
      if (c === "(") {
        var j = code.indexOf(")", i);
        d = parseInt(code.slice(i + 1, j), 10);
        i = j + 1;
      } else {
        d = ZEICHEN.indexOf(c) - VERSATZ;
        i++;
      }
      summe += d;
      out.push(s ? summe / p : summe);
    }
    (z["-0"] || []).forEach(function (k) { out[k] = -0; });
    return out;
  }

  // {"$aria": 1}: the description is the container's aria-label (not sent twice);
  // {"$teil": [j, i]}: piece i of the j-th shared data file
  function entpacken(x, listen, aria, teile) {
    if (Array.isArray(x)) return x.map(function (v) { return entpacken(v, listen, aria, teile); });
    if (x === null || typeof x !== "object") return x;
    if ("$zahlen" in x) return zahlen(x);
    if ("$liste" in x) return entpacken(listen[x["$liste"]], listen, aria, teile);
    if ("$aria" in x) return aria;
    if ("$teil" in x) return entpacken(teile[x["$teil"][0]][x["$teil"][1]], listen, aria, teile);
    var out = {};
    Object.keys(x).forEach(function (k) { out[k] = entpacken(x[k], listen, aria, teile); });
    return out;
  }

  function einsetzen(v, loecher) {
    if (Array.isArray(v)) return v.map(function (e) { return einsetzen(e, loecher); });
    if (v === null || typeof v !== "object") return v;
    var keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === "$loch") return loecher[v["$loch"]];
    var out = {};
    keys.forEach(function (k) { out[k] = einsetzen(v[k], loecher); });
    return out;
  }

  function specOf(payload, target) {
    if (!payload || typeof payload.vorlage !== "string" || !Array.isArray(payload.loecher)) {
      return Promise.resolve(payload);
    }
    var aria = target ? target.getAttribute("aria-label") : null;
    var dateien = [vorlage(payload.vorlage)].concat((payload.teile || []).map(seitendaten));
    return Promise.all(dateien).then(function (d) {
      return einsetzen(d[0], entpacken(payload.loecher, payload.listen || [], aria, d.slice(1)));
    });
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

  // Map legend and attribution as HTML under the map (usermeta.legende, helpers.maps): the lines
  // of the chosen figure from the spec's dataset, redrawn when the picker changes the figure.
  // HTML text wraps in the box and keeps the page's font size when the map is drawn narrower.
  function karteLegende(target, spec, view) {
    var lg = spec.usermeta && spec.usermeta.legende;
    if (!lg) return;
    var zeilen = (spec.datasets || {})[lg.daten] || [];
    var box = document.createElement("div");
    box.className = "hb-karte-legende";
    var quelle = document.createElement("p");
    quelle.className = "hb-karte-quelle";
    quelle.textContent = lg.quelle || "";
    function zeichnen(k) {
      var eigene = zeilen.filter(function (r) { return r.k === k; }).sort(function (a, b) { return a.i - b.i; });
      var kopf = document.createElement("p"), liste = document.createElement("ul");
      eigene.forEach(function (r) {
        if (r.f === undefined || r.f === null) {
          var teil = document.createElement(r.i === 0 ? "strong" : "span");
          teil.textContent = r.t;
          if (kopf.childNodes.length) kopf.appendChild(document.createElement("br"));
          kopf.appendChild(teil);
          return;
        }
        var li = document.createElement("li"), feld = document.createElement("span");
        feld.className = "hb-karte-farbe";
        feld.setAttribute("aria-hidden", "true");
        feld.style.background = lg.farben[r.f];
        li.appendChild(feld);
        li.appendChild(document.createTextNode(r.t));
        liste.appendChild(li);
      });
      box.replaceChildren(kopf, liste);
    }
    zeichnen(view.signal(lg.param));
    view.addSignalListener(lg.param, function (name, k) { zeichnen(k); });
    target.appendChild(box);
    if (lg.quelle) target.appendChild(quelle);
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

  // Chart text is never smaller than 11 px. The specs leave axis, legend and header text at
  // Vega-Lite's 10 px default; a chart's own settings win where they are set.
  var SCHRIFT = {
    axis: { labelFontSize: 11, titleFontSize: 11 },
    legend: { labelFontSize: 11, titleFontSize: 11 },
    header: { labelFontSize: 11, titleFontSize: 11 },
    title: { fontSize: 13, subtitleFontSize: 11 }
  };

  function mitSchrift(config) {
    var out = Object.assign({}, config || {});
    Object.keys(SCHRIFT).forEach(function (k) { out[k] = Object.assign({}, SCHRIFT[k], out[k] || {}); });
    return out;
  }

  // Fit a chart to its box. Vega-Lite sizes compound charts (facets, concatenations) only by
  // their cells ("width": "container" does not apply to them), and a chart wider than its box is
  // shrunk by the browser together with its text (to about 4 px on a 390 px phone). So the spec
  // is adapted before it is drawn: facet cells get narrower, then fewer columns (down to one
  // below the other); a row facet puts its labels above the cells; a map gets the box's width
  // (height in proportion); side-by-side charts go one below the other; legends list their
  // entries one per line. `extra` is the width a first
  // drawing overflowed by (second pass).
  var ACHSE = 62, ABSTAND = 20, ZELLE_MIN = 150;

  function legendsVertical(o, breite) {
    if (!o || typeof o !== "object") return;
    Object.keys(o).forEach(function (k) {
      var l = o[k];
      if (k === "legend" && l && typeof l === "object") {
        l.direction = "vertical";
        l.labelLimit = Math.min(l.labelLimit || 160, breite - 120);   // long Jobcenter names end in "…"
      } else legendsVertical(l, breite);
    });
  }

  // Title and subtitle lines longer than the box are broken at spaces (Vega draws an array of
  // strings as lines); about 0.6 em per character.
  function umbrechen(text, px, breite) {
    var max = Math.max(12, Math.floor((breite - 10) / (px * 0.6)));
    var zeilen = [];
    [].concat(text).forEach(function (zeile) {
      var rest = String(zeile);
      while (rest.length > max) {
        var cut = rest.lastIndexOf(" ", max);
        if (cut <= 0) cut = max;
        zeilen.push(rest.slice(0, cut));
        rest = rest.slice(cut).replace(/^ /, "");
      }
      zeilen.push(rest);
    });
    return zeilen;
  }

  function titelUmbrechen(spec, breite) {
    if (!spec.title) return;
    var t = typeof spec.title === "object" && !Array.isArray(spec.title) ? spec.title : { text: spec.title };
    t.text = umbrechen(t.text, SCHRIFT.title.fontSize, breite);
    if (t.subtitle) t.subtitle = umbrechen(t.subtitle, SCHRIFT.title.subtitleFontSize, breite);
    spec.title = t;
  }

  function fit(spec, breite, extra) {
    var b = breite - (extra || 0);
    var inner = spec.spec;
    titelUmbrechen(spec, b);
    if (spec.facet && spec.columns && inner && typeof inner.width === "number") {
      var w0 = inner.width, n = spec.columns;
      var w = Math.floor((b - n * ACHSE - (n - 1) * ABSTAND) / n);
      while (n > 1 && w < ZELLE_MIN) {
        n -= 1;
        w = Math.floor((b - n * ACHSE - (n - 1) * ABSTAND) / n);
      }
      spec.columns = n;
      inner.width = Math.max(100, n === 1 ? w : Math.min(w, w0));
      var h = spec.facet.header;
      if (h && h.labelLimit) h.labelLimit = inner.width + 20;
    } else if (spec.facet && spec.facet.row && inner && typeof inner.width === "number") {
      var row = spec.facet.row, kopf = Object.assign({}, row.header || {});
      var links = (kopf.labelLimit || 200) + 30;
      if (b - links >= 250) {
        inner.width = Math.min(inner.width, b - links);
      } else {   // labels above the cells, one cell per row
        delete kopf.labelAngle;
        delete kopf.labelAlign;
        kopf.labelAnchor = "start";
        kopf.labelLimit = b - 10;
        spec.facet = Object.assign({}, row, { header: kopf });
        spec.columns = 1;
        inner.width = Math.max(100, b - 30);
      }
    } else if (spec.projection && typeof spec.width === "number" && typeof spec.height === "number") {
      // a map: drawn for its box (keeping its aspect), never wider than drawn on a large screen
      var mb = Math.max(150, b - 10);
      if (spec.width > mb) {
        spec.height = Math.round(spec.height * mb / spec.width);
        spec.width = mb;
      }
    } else if (spec.hconcat) {
      var summe = spec.hconcat.reduce(function (s, c) { return s + (c.width || 200) + ACHSE + ABSTAND; }, 0);
      if (summe > b) {
        spec.hconcat.forEach(function (c) { if (typeof c.width === "number") c.width = Math.min(c.width, b - ACHSE); });
        spec.vconcat = spec.hconcat;
        delete spec.hconcat;
      }
    }
    if (breite < 600) legendsVertical(spec, b);
    return spec;
  }

  function svgBreite(target) {
    var svg = target.querySelector("svg");
    return svg ? parseFloat(svg.getAttribute("width")) || 0 : 0;
  }

  // The chart's text alternative names the container and the svg (role img, below). Vega's own
  // ARIA would add an English-labelled graphics-symbol per shape, point and axis (thousands on a
  // map), nameless ones for empty layers: Vega-Lite's config.aria hides the axes and legends,
  // mark.aria the marks (aria-hidden on their groups). A spec's own config takes precedence.
  var ARIA = { aria: false, mark: { aria: false } };

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
      spec = Object.assign({}, spec, { config: mitSchrift(spec.config) });   // the stored spec stays as built
      var breite = target.clientWidth;
      var embed = function (extra) {
        return vegaEmbed(target, fit(JSON.parse(JSON.stringify(spec)), breite, extra), {
          actions: false,
          renderer: "svg",
          config: ARIA,
          loader: loader,
          formatLocale: locale.format,
          timeFormatLocale: locale.time
        });
      };
      embed(0).then(function (result) {
        // the estimate of axis widths was short: draw once more, narrower by the overflow
        var zuBreit = breite ? Math.ceil(svgBreite(target) - breite) : 0;
        if (zuBreit <= 0) return result;
        result.finalize();
        return embed(zuBreit + 4);
      }).then(function (result) {
        target.classList.add("vega-fertig");
        var text = spec.description || target.getAttribute("aria-label");
        var svg = result.view.container() && result.view.container().querySelector("svg");
        if (svg && text) {
          svg.setAttribute("role", "img");
          svg.setAttribute("aria-label", text);
        }
        pickerFirst(target, svg, text);
        karteLegende(target, spec, result.view);
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
    var libs = loadLibs();
    var fertig = payloads.map(function (el) {
      var payload;
      try { payload = JSON.parse(el.textContent); } catch (err) { return Promise.resolve(err); }
      return specOf(payload, document.getElementById(el.getAttribute("data-target"))).then(function (spec) {
        var tab = tableParam(spec), details = tableOf(el);
        if (tab && details && tab.start !== null) fillTable(details, spec, tab.tp, tab.start);
        DIAGRAMME[el.getAttribute("data-target")] = spec;
        return spec;
      }, function (err) { return err; });
    });
    Promise.all(fertig).then(function (specs) {
      return libs.then(function () { embedAll(payloads, specs); });
    }).catch(function (err) {
      payloads.forEach(function (el) {
        var target = document.getElementById(el.getAttribute("data-target"));
        if (target) fail(target, err);
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
