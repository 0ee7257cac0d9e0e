// slant corpus page: bar charts in plain SVG from the statistics the server rendered, and the
// review panel's chart of the techniques analysts most often reject.
(function () {
  "use strict";
  var el = document.getElementById("stats-data");
  var stats = el ? JSON.parse(el.textContent) : {};
  var NS = "http://www.w3.org/2000/svg";
  var FILTER = { source: "source", technique: "technique", frame: "frame", narrative: "narrative" };

  function node(tag, attrs, text) {
    var n = document.createElementNS(NS, tag);
    for (var k in attrs) n.setAttribute(k, attrs[k]);
    if (text != null) n.textContent = text;
    return n;
  }
  // Long names keep both ends, cut at word boundaries: a narrative and its sub-narratives share
  // their beginning (the same rule as slant.display.shorten_middle).
  var TRAILING = " ,;:\u2013\u2014-([{\u201c\u2018\"'";
  function rstrip(s) { while (s && TRAILING.indexOf(s[s.length - 1]) >= 0) s = s.slice(0, -1); return s; }
  function lstrip(s) { while (s && TRAILING.indexOf(s[0]) >= 0) s = s.slice(1); return s; }
  function short(s, n) {
    s = String(s).split(/\s+/).join(" ");
    if (s.length <= n) return s;
    var room = n - 1, headRoom = Math.ceil(room / 2), head = s.slice(0, headRoom);
    if (s[headRoom] !== " " && head.lastIndexOf(" ") > 0) head = head.slice(0, head.lastIndexOf(" "));
    head = rstrip(head);
    var tailRoom = room - head.length, tail = s.slice(s.length - tailRoom);
    var sp = tail.indexOf(" ");
    if (s[s.length - tailRoom - 1] !== " " && sp >= 0 && sp < tail.length - 1) tail = tail.slice(sp + 1);
    return head + "…" + lstrip(tail);
  }
  // The label shortened until its drawn width fits ``room`` pixels (measured, not guessed from
  // the number of characters: "WWW" is three times as wide as "iii").
  function fit(text, full, room) {
    text.textContent = full;
    for (var n = full.length - 1; n > 4 && text.getComputedTextLength() > room; n--) {
      text.textContent = short(full, n);
    }
  }
  function filterLink(by, key) {
    if (!FILTER[by]) return null;
    var params = new URLSearchParams(location.search);
    params.set(FILTER[by], key); params.delete("offset");
    return "/corpus?" + params.toString();
  }

  // Horizontal bars: one row per key, longest first (as the server ordered them). The label column
  // is as wide as the widest label needs, up to 45% of the chart; a longer label is shortened to
  // fit it, so that none is clipped at the chart's left edge. ``notes`` (optional): a few words
  // after each bar's number; ``titles``: each bar's tooltip.
  function hbars(svg, table) {
    var rows = table.rows.slice(0, 20), W = 520, rowH = 20, top = 6, pad = 6;
    var names = rows.map(function (r, i) { return String((table.labels || [])[i] || r[0]); });
    var H = top + rows.length * rowH + 24;
    var max = Math.max.apply(null, rows.map(function (r) { return r[1]; }).concat([1]));
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    var probe = node("text", { x: 0, y: -10 }), widest = 0;
    svg.appendChild(probe);
    names.forEach(function (n) { probe.textContent = n; widest = Math.max(widest, probe.getComputedTextLength()); });
    svg.removeChild(probe);
    var left = Math.ceil(Math.min(W * 0.45, Math.max(60, widest + 2 * pad)));
    rows.forEach(function (r, i) {
      var y = top + i * rowH, w = (W - left - (table.notes ? 80 : 50)) * r[1] / max;
      var label = node("text", { x: left - pad, y: y + 14, "text-anchor": "end" });
      svg.appendChild(label);
      fit(label, names[i], left - 2 * pad);
      label.appendChild(node("title", {}, names[i]));
      var bar = node("rect", { "class": "bar", x: left, y: y + 3, width: Math.max(1, w), height: rowH - 6, rx: 2 });
      bar.appendChild(node("title", {}, table.titles ? table.titles[i] : names[i] + ": " + r[1] + " " + table.columns[1]));
      var link = filterLink(table.by, r[0]);
      var holder = svg;
      if (link) { holder = node("a", { href: link }); svg.appendChild(holder); }
      holder.appendChild(label); holder.appendChild(bar);
      svg.appendChild(node("text", { x: left + w + 4, y: y + 14 }, String(r[1]) + (table.notes ? " (" + table.notes[i] + ")" : "")));
    });
    svg.appendChild(node("line", { "class": "axis", x1: left, y1: top, x2: left, y2: top + rows.length * rowH }));
  }

  // Vertical bars over time: one column per month, in order.
  function timeline(svg, table) {
    var rows = table.rows, W = 520, H = 220, left = 34, bottom = 40, top = 10;
    var max = Math.max.apply(null, rows.map(function (r) { return r[1]; }).concat([1]));
    var bw = Math.max(4, Math.min(40, (W - left - 10) / Math.max(1, rows.length)));
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    svg.appendChild(node("line", { "class": "axis", x1: left, y1: H - bottom, x2: W - 4, y2: H - bottom }));
    svg.appendChild(node("line", { "class": "axis", x1: left, y1: top, x2: left, y2: H - bottom }));
    svg.appendChild(node("text", { x: left - 4, y: top + 8, "text-anchor": "end" }, String(max)));
    svg.appendChild(node("text", { x: left - 4, y: H - bottom, "text-anchor": "end" }, "0"));
    var every = Math.ceil(rows.length / 12);
    rows.forEach(function (r, i) {
      var h = (H - bottom - top) * r[1] / max, x = left + 4 + i * bw;
      var bar = node("rect", { "class": "bar", x: x, y: H - bottom - h, width: bw - 3, height: Math.max(1, h), rx: 2 });
      bar.appendChild(node("title", {}, r[0] + ": " + r[1] + " " + table.columns[1]));
      svg.appendChild(bar);
      if (i % every === 0) {
        svg.appendChild(node("text", { x: x + bw / 2, y: H - bottom + 14, "text-anchor": "end",
                                       transform: "rotate(-35 " + (x + bw / 2) + " " + (H - bottom + 14) + ")" }, r[0]));
      }
    });
  }

  // The review panel: techniques by spans rejected or relabelled (/api/corrections/summary).
  function rejected(svg, summary) {
    var rows = summary.techniques.filter(function (t) { return t.rejected + t.relabelled > 0; }).slice(0, 15);
    hbars(svg, {
      by: "rejected", columns: ["technique", "rejected or relabelled"],
      rows: rows.map(function (t) { return [t.technique, t.rejected + t.relabelled]; }),
      labels: rows.map(function (t) { return t.label; }),
      notes: rows.map(function (t) { return Math.round(100 * t.reject_rate) + "%"; }),
      titles: rows.map(function (t) {
        return t.label + ": " + t.rejected + " rejected, " + t.relabelled + " relabelled, " + t.accepted +
          " accepted (" + Math.round(100 * t.reject_rate) + "% of the spans judged); " + t.added + " added";
      })
    });
    svg.setAttribute("data-drawn", "1");
  }
  var reviewEl = document.getElementById("review-data"), reviewSvg = document.getElementById("rejected-chart");
  if (reviewEl && reviewSvg) rejected(reviewSvg, JSON.parse(reviewEl.textContent));

  document.querySelectorAll("figure.chart").forEach(function (fig) {
    var by = fig.getAttribute("data-by"), table = stats[by], svg = fig.querySelector("svg");
    if (!table || !table.rows.length) return;
    if (by === "month") timeline(svg, table); else hbars(svg, table);
    svg.setAttribute("data-drawn", "1");
  });
  document.body.setAttribute("data-ready", "1");
})();
