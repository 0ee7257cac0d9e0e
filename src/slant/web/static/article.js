// slant article page: tooltips, category toggles, evidence links, actors, actor graph.
// Reads its data from the JSON block the server rendered; builds DOM with textContent only.
(function () {
  "use strict";
  var dataEl = document.getElementById("article-data");
  if (!dataEl) return;
  var data = JSON.parse(dataEl.textContent);
  var text = document.getElementById("article-text");
  var tip = document.getElementById("tip");
  var SVGNS = "http://www.w3.org/2000/svg";

  function el(tag, cls, txt) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (txt != null) e.textContent = txt;
    return e;
  }

  // --- category toggles -------------------------------------------------------------------------
  var hidden = {};
  document.querySelectorAll(".toolbar input[data-cat]").forEach(function (box) {
    box.addEventListener("change", function () {
      var c = box.getAttribute("data-cat");
      hidden[c] = !box.checked;
      document.body.classList.toggle("hide-c" + c, !box.checked);
    });
  });

  // --- tooltip: every technique span covering the piece under the pointer or focus ---------------
  function showTip(piece) {
    if (document.body.classList.contains("pop-open")) return;  // review.js's panel says it all
    var ids = (piece.getAttribute("data-s") || "").split(" ").filter(Boolean);
    tip.textContent = "";
    var shown = 0;
    ids.map(Number).sort(function (a, b) {
      return data.techniques[b].confidence - data.techniques[a].confidence;
    }).forEach(function (i) {
      var t = data.techniques[i];
      var info = data.info[t.technique] || { label: t.technique, category: "", cat: 7, definition: "" };
      if (hidden[info.cat]) return;
      var head = el("div", "t");
      var sw = el("span", "cat swatch c" + info.cat);
      head.appendChild(sw);
      head.appendChild(document.createTextNode(info.label + " · " + (t.confidence * 100).toFixed(0) + "%"));
      tip.appendChild(head);
      tip.appendChild(el("div", "d", (info.category ? info.category + ": " : "") + info.definition));
      if (t.by) {  // an analyst confirmed or changed this span (the corrected article)
        var how = t.by.op === "relabel" ? "relabelled from " + ((data.info[t.by.from] || {}).label || t.by.from)
          : t.by.op === "add" ? "added" : "accepted";
        tip.appendChild(el("div", "d by", how + " by " + t.by.author));
      }
      shown++;
    });
    if (!shown) { hideTip(); return; }
    tip.hidden = false;
    var r = piece.getBoundingClientRect();
    var left = Math.min(window.scrollX + r.left, window.scrollX + document.documentElement.clientWidth - 380);
    tip.style.left = Math.max(4, left) + "px";
    tip.style.top = (window.scrollY + r.bottom + 8) + "px";
  }
  function hideTip() { tip.hidden = true; }
  if (text) {
    text.addEventListener("mouseover", function (ev) {
      var p = ev.target.closest && ev.target.closest(".pc[data-s]");
      if (p) showTip(p);
    });
    text.addEventListener("mouseout", function (ev) {
      var p = ev.target.closest && ev.target.closest(".pc[data-s]");
      if (p && !(ev.relatedTarget && p.contains(ev.relatedTarget))) hideTip();
    });
    text.addEventListener("focusin", function (ev) {
      if (ev.target.matches(".pc[data-s]")) showTip(ev.target);
    });
    text.addEventListener("focusout", hideTip);
  }
  document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") hideTip(); });

  // --- evidence links: scroll to the sentence and flash it ---------------------------------------
  function flash(node) {
    if (!node) return;
    node.scrollIntoView({ behavior: "smooth", block: "center" });
    node.classList.add("flash");
    setTimeout(function () { node.classList.remove("flash"); }, 1800);
  }
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest && ev.target.closest("a.ev");
    if (!a) return;
    var s = document.getElementById("s-" + a.getAttribute("data-sent"));
    if (s) { ev.preventDefault(); history.replaceState(null, "", "#s-" + a.getAttribute("data-sent")); flash(s); }
  });

  // --- actors: opening one marks its mentions in the text ----------------------------------------
  function mentionsOf(i) {
    return Array.prototype.filter.call(document.querySelectorAll(".pc.men"), function (p) {
      return (" " + p.getAttribute("data-a") + " ").indexOf(" " + i + " ") >= 0;
    });
  }
  function markActor(i, on) {
    mentionsOf(i).forEach(function (p) { p.classList.toggle("actor-on", on); });
    var node = document.querySelector('#graph .node[data-id="' + i + '"]');
    if (node) node.classList.toggle("sel", on);
  }
  document.querySelectorAll("details.actor").forEach(function (d) {
    d.addEventListener("toggle", function () { markActor(d.getAttribute("data-actor"), d.open); });
  });
  var cursor = {};
  document.querySelectorAll("button.next-mention").forEach(function (b) {
    b.addEventListener("click", function () {
      var i = b.getAttribute("data-actor");
      var ms = mentionsOf(i);
      if (!ms.length) return;
      cursor[i] = ((cursor[i] == null ? -1 : cursor[i]) + 1) % ms.length;
      ms[cursor[i]].scrollIntoView({ behavior: "smooth", block: "center" });
    });
  });
  function openActor(i) {
    var d = document.getElementById("actor-" + i);
    if (!d) return;
    for (var up = d.parentElement; up; up = up.parentElement) if (up.tagName === "DETAILS") up.open = true;
    d.open = true;
    d.scrollIntoView({ behavior: "smooth", block: "nearest" });
  }
  document.querySelectorAll("a.open-actor").forEach(function (a) {
    a.addEventListener("click", function (ev) { ev.preventDefault(); openActor(a.getAttribute("data-actor")); });
  });

  // Text, highlights and handlers are in place: note when, in ms since navigation started.
  document.body.setAttribute("data-ready", String(Math.round(performance.now())));

  // --- actor graph: a small force layout in plain SVG, draggable --------------------------------
  var svg = document.getElementById("graph");
  if (!svg || !data.graph.nodes.length) return;
  function drawGraph() {
    var W = 560, H = 380;
    var nodes = data.graph.nodes.map(function (n, k) {
      var a = 2 * Math.PI * k / data.graph.nodes.length;
      return { id: n.id, name: n.name, role: n.role, r: 6 + Math.min(10, Math.sqrt(n.mentions || 1) * 2.5),
               x: W / 2 + 120 * Math.cos(a), y: H / 2 + 110 * Math.sin(a), vx: 0, vy: 0 };
    });
    var byId = {};
    nodes.forEach(function (n) { byId[n.id] = n; });
    var edges = data.graph.edges.filter(function (e) { return byId[e.source] && byId[e.target]; });
    function step(alpha) {
      var i, j, a, b, dx, dy, d2, d, f;
      for (i = 0; i < nodes.length; i++) for (j = i + 1; j < nodes.length; j++) {
        a = nodes[i]; b = nodes[j]; dx = b.x - a.x; dy = b.y - a.y; d2 = dx * dx + dy * dy + 0.01;
        f = 9000 * alpha / d2; d = Math.sqrt(d2);
        a.vx -= f * dx / d; a.vy -= f * dy / d; b.vx += f * dx / d; b.vy += f * dy / d;
      }
      edges.forEach(function (e) {
        a = byId[e.source]; b = byId[e.target]; if (a === b) return;
        dx = b.x - a.x; dy = b.y - a.y; d = Math.sqrt(dx * dx + dy * dy) + 0.01;
        f = (d - 150) * 0.03 * alpha;
        a.vx += f * dx / d; a.vy += f * dy / d; b.vx -= f * dx / d; b.vy -= f * dy / d;
      });
      nodes.forEach(function (n) {
        n.vx += (W / 2 - n.x) * 0.01 * alpha; n.vy += (H / 2 - n.y) * 0.01 * alpha;
        if (!n.fixed) { n.x += n.vx; n.y += n.vy; }
        n.vx *= 0.6; n.vy *= 0.6;
        n.x = Math.max(n.r + 4, Math.min(W - n.r - 4, n.x)); n.y = Math.max(n.r + 4, Math.min(H - n.r - 14, n.y));
      });
    }
    for (var k = 0; k < 250; k++) step(1 - k / 260);

    var colours = { Protagonist: "#2a7d3b", Antagonist: "#b3261e", Innocent: "#2451a6" };
    var defs = document.createElementNS(SVGNS, "defs");
    var marker = document.createElementNS(SVGNS, "marker");
    marker.setAttribute("id", "arrow"); marker.setAttribute("viewBox", "0 0 10 10");
    marker.setAttribute("refX", "10"); marker.setAttribute("refY", "5");
    marker.setAttribute("markerWidth", "7"); marker.setAttribute("markerHeight", "7"); marker.setAttribute("orient", "auto");
    var tipPath = document.createElementNS(SVGNS, "path");
    tipPath.setAttribute("d", "M0,0 L10,5 L0,10 z"); tipPath.setAttribute("fill", "#9aa3b0");
    marker.appendChild(tipPath); defs.appendChild(marker); svg.appendChild(defs);

    var edgeEls = edges.map(function (e) {
      var g = document.createElementNS(SVGNS, "g"); g.setAttribute("class", "edge");
      var line = document.createElementNS(SVGNS, "line"); line.setAttribute("marker-end", "url(#arrow)");
      var label = document.createElementNS(SVGNS, "text"); label.textContent = e.predicate;
      label.setAttribute("text-anchor", "middle");
      var title = document.createElementNS(SVGNS, "title");
      title.textContent = byId[e.source].name + " → " + e.predicate + " → " + byId[e.target].name;
      g.appendChild(title); g.appendChild(line); g.appendChild(label); svg.appendChild(g);
      return { e: e, line: line, label: label };
    });
    var nodeEls = nodes.map(function (n) {
      var g = document.createElementNS(SVGNS, "g"); g.setAttribute("class", "node"); g.setAttribute("data-id", n.id);
      g.setAttribute("tabindex", "0");
      var c = document.createElementNS(SVGNS, "circle"); c.setAttribute("r", n.r);
      c.setAttribute("fill", colours[n.role] || "#7f8896");
      var t = document.createElementNS(SVGNS, "text"); t.textContent = n.name; t.setAttribute("text-anchor", "middle");
      var title = document.createElementNS(SVGNS, "title"); title.textContent = n.name + (n.role ? " (" + n.role + ")" : "");
      g.appendChild(title); g.appendChild(c); g.appendChild(t); svg.appendChild(g);
      g.addEventListener("keydown", function (ev) { if (ev.key === "Enter") openActor(n.id); });
      return { n: n, g: g, c: c, t: t };
    });
    function render() {
      edgeEls.forEach(function (x) {
        var a = byId[x.e.source], b = byId[x.e.target];
        var dx = b.x - a.x, dy = b.y - a.y, d = Math.sqrt(dx * dx + dy * dy) || 1;
        // Shifted to the left of the direction of travel: "A accuses B" and "B keeps A" run side
        // by side instead of one over the other, each label on its own side.
        var nx = -dy / d, ny = dx / d;
        x.line.setAttribute("x1", a.x + dx / d * a.r + 3 * nx); x.line.setAttribute("y1", a.y + dy / d * a.r + 3 * ny);
        x.line.setAttribute("x2", b.x - dx / d * (b.r + 2) + 3 * nx); x.line.setAttribute("y2", b.y - dy / d * (b.r + 2) + 3 * ny);
        x.label.setAttribute("x", (a.x + b.x) / 2 + 12 * nx); x.label.setAttribute("y", (a.y + b.y) / 2 + 12 * ny + 3);
      });
      nodeEls.forEach(function (x) {
        x.c.setAttribute("cx", x.n.x); x.c.setAttribute("cy", x.n.y);
        x.t.setAttribute("x", x.n.x); x.t.setAttribute("y", x.n.y + x.n.r + 12);
      });
    }
    render();
    // Zoom to the drawing: the layout rarely fills its 560 x 380 box, and the side panel shows the
    // box at about half size, which left names in 6-pixel type. Names need room on both sides.
    function fit() {
      var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      nodes.forEach(function (n) {
        var half = Math.max(n.r, 3.2 * n.name.length);
        x0 = Math.min(x0, n.x - half); x1 = Math.max(x1, n.x + half);
        y0 = Math.min(y0, n.y - n.r - 4); y1 = Math.max(y1, n.y + n.r + 16);
      });
      var w = Math.max(x1 - x0 + 24, 280), h = Math.max(y1 - y0 + 24, 190);
      var cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
      svg.setAttribute("viewBox", [cx - w / 2, cy - h / 2, w, h].map(Math.round).join(" "));
    }
    fit();
    // Dragging: pointer events in SVG coordinates; a click without movement opens the actor.
    var drag = null;
    function toSvg(ev) {
      var pt = svg.createSVGPoint(); pt.x = ev.clientX; pt.y = ev.clientY;
      return pt.matrixTransform(svg.getScreenCTM().inverse());
    }
    nodeEls.forEach(function (x) {
      x.g.addEventListener("pointerdown", function (ev) {
        drag = { x: x, moved: false }; x.n.fixed = true; x.g.setPointerCapture(ev.pointerId); ev.preventDefault();
      });
      x.g.addEventListener("pointermove", function (ev) {
        if (!drag || drag.x !== x) return;
        var p = toSvg(ev); x.n.x = p.x; x.n.y = p.y; drag.moved = true;
        for (var k = 0; k < 3; k++) step(0.15);
        render();
      });
      x.g.addEventListener("pointerup", function () {
        if (drag && !drag.moved) openActor(x.n.id);
        if (drag && drag.moved) fit();
        drag = null;
      });
    });
    svg.setAttribute("data-drawn", "1");
  }
  // After the text is usable: the layout must not hold up the highlights.
  (window.requestIdleCallback || function (f) { return setTimeout(f, 1); })(drawGraph);
})();
