// slant article page, review mode: an analyst accepts, rejects, relabels and adds technique spans,
// recasts, merges and splits actors, gives quotes their speakers and sets document labels.
//
// Every change is one POST of corrections made on the page's version (slant.corrections). 201: an
// accept or reject is shown in place (the keyboard flow of annotation tools: a, r, next), anything
// else reloads the page, which the server renders corrected. 409 (another analyst corrected the
// article meanwhile): the page reloads at the current state, says who changed what, and offers to
// send the analyst's correction again. DOM is built with textContent only; no inline script or style.
(function () {
  "use strict";
  var dataEl = document.getElementById("article-data");
  if (!dataEl) return;
  var data = JSON.parse(dataEl.textContent);
  var R = data.review;
  var bar = document.getElementById("review-bar");
  var text = document.getElementById("article-text");
  if (!R || !bar || !text) return;
  var tools = document.getElementById("review-tools");
  var toggle = document.getElementById("review-toggle");
  var msg = document.getElementById("review-msg");
  var tip = document.getElementById("tip");
  var ON = "slant.review", NAME = "slant.author", NOTE = "slant.review.note:" + R.article;
  var URL_ = "/api/articles/" + encodeURIComponent(R.article) + "/corrections";
  var st = { version: R.version, author: null, namedBy: "name", on: false, cur: -1, busy: false, built: false,
             queued: null };

  // --- small helpers ------------------------------------------------------------------------------
  function el(tag, cls, txt) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (txt != null) e.textContent = txt;
    return e;
  }
  function button(label, cls, onclick, key) {
    var b = el("button", cls);
    b.type = "button";
    b.appendChild(document.createTextNode(label));
    if (key) { b.appendChild(document.createTextNode(" ")); b.appendChild(el("kbd", null, key)); }
    if (onclick) b.addEventListener("click", onclick);
    return b;
  }
  function option(value, label, selected) {
    var o = el("option", null, label);
    o.value = value;
    if (selected) o.selected = true;
    return o;
  }
  function store(kind, key, value) {
    try {
      var s = kind === "local" ? window.localStorage : window.sessionStorage;
      if (value === undefined) return s.getItem(key);
      if (value === null) s.removeItem(key); else s.setItem(key, value);
    } catch (e) { /* storage refused (private mode): the page works without remembering */ }
    return null;
  }
  function short(s, n) { s = String(s).split(/\s+/).join(" ").trim(); return s.length <= n ? s : s.slice(0, n - 1) + "\u2026"; }
  function infoOf(name) { return data.info[name] || { label: name, category: "", cat: 7, definition: "" }; }
  function key(t) { return { start: t.start, end: t.end, technique: t.technique }; }
  function byText(by) {
    if (!by) return "";
    var what = by.op === "accept" ? "accepted" : by.op === "add" ? "added" :
      by.op === "relabel" ? "relabelled from " + infoOf(by.from).label : by.op;
    return what + (by.author ? " by " + by.author : "");
  }

  // --- messages -----------------------------------------------------------------------------------
  function say(content, kind) {
    msg.textContent = "";
    msg.className = "review-msg" + (kind ? " " + kind : "");
    msg.setAttribute("aria-live", kind === "error" || kind === "conflict" ? "assertive" : "polite");
    if (content == null) return;
    if (typeof content === "string") msg.textContent = content; else msg.appendChild(content);
  }

  // --- offsets: the article text is cut into pieces inside each paragraph (data-o: its offset) ------
  function paraOf(node) {
    var e = node && (node.nodeType === 1 ? node : node.parentNode);
    return e && e.closest ? e.closest("#article-text .para[data-o]") : null;
  }
  function countable(node) { return !node.parentNode.closest(".sscore, .claim-mark, .badges"); }
  function textNodes(para) {
    var p = para.querySelector("p"), out = [], n;
    if (!p) return out;
    var w = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
    while ((n = w.nextNode())) if (countable(n)) out.push(n);
    return out;
  }
  // The character offset of a DOM point (a selection's end) inside a paragraph.
  function offsetIn(para, node, off) {
    var p = para.querySelector("p"), base = +para.getAttribute("data-o"), nodes = textNodes(para), total = 0, k;
    if (!p.contains(node)) {
      if (p.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_PRECEDING) return base;
      for (k = 0; k < nodes.length; k++) total += nodes[k].length;
      return base + total;
    }
    var r = document.createRange();
    r.setStart(p, 0);
    r.setEnd(node, off);
    for (k = 0; k < nodes.length; k++) {
      var n = nodes[k];
      if (n === node) { total += off; break; }
      if (r.comparePoint(n, n.length) <= 0) total += n.length; else break;
    }
    return base + total;
  }
  // The article's text between two offsets, read off the page (what lies between paragraphs, which
  // the page does not draw, reads as spaces: the string keeps the offsets' length).
  function textAt(s, e) {
    var out = "", pos = s;
    document.querySelectorAll("#article-text .para[data-o]").forEach(function (para) {
      var o = +para.getAttribute("data-o");
      textNodes(para).forEach(function (n) {
        var a = o, b = o + n.length;
        o = b;
        if (b <= s || a >= e) return;
        var from = Math.max(a, s), to = Math.min(b, e);
        if (from > pos) out += new Array(from - pos + 1).join(" ");
        out += n.nodeValue.slice(from - a, to - a);
        pos = to;
      });
    });
    if (e > pos) out += new Array(e - pos + 1).join(" ");
    return out;
  }
  function selectionSpan() {
    var sel = window.getSelection();
    if (!sel || sel.isCollapsed || !sel.rangeCount) return null;
    var r = sel.getRangeAt(0), a = paraOf(r.startContainer), b = paraOf(r.endContainer);
    if (!a || !b) return null;
    var s = offsetIn(a, r.startContainer, r.startOffset), e = offsetIn(b, r.endContainer, r.endOffset);
    var str = textAt(s, e);
    var lead = str.length - str.replace(/^\s+/, "").length, trail = str.length - str.replace(/\s+$/, "").length;
    s += lead; e -= trail;
    if (e <= s) return null;
    return { start: s, end: e, text: str.slice(lead, str.length - trail), rect: r.getBoundingClientRect() };
  }

  // --- technique spans: the pieces that draw each, in reading order ---------------------------------
  function ids(p) { return (p.getAttribute("data-s") || "").split(" ").filter(Boolean).map(Number); }
  var piecesOf = data.techniques.map(function () { return []; });
  text.querySelectorAll(".pc[data-s]").forEach(function (p) {
    ids(p).forEach(function (i) { if (piecesOf[i]) piecesOf[i].push(p); });
  });
  var order = data.techniques.map(function (t, i) { return i; }).sort(function (a, b) {
    var x = data.techniques[a], y = data.techniques[b];
    return x.start - y.start || y.end - x.end || a - b;
  });
  function shown(i) {
    return piecesOf[i].length > 0 && !document.body.classList.contains("hide-c" + infoOf(data.techniques[i].technique).cat);
  }
  function setCur(i) {
    document.querySelectorAll("#article-text .pc.cur").forEach(function (p) { p.classList.remove("cur"); });
    st.cur = i;
    if (i >= 0) piecesOf[i].forEach(function (p) { p.classList.add("cur"); });
  }
  // An accepted or rejected span, drawn in place: a category's underline on a piece turns dotted
  // grey when every span of that category there is rejected, double when one is confirmed.
  function paint(i) {
    var cat = infoOf(data.techniques[i].technique).cat;
    piecesOf[i].forEach(function (p) {
      var mark = p.querySelector("mark.hl.c" + cat);
      var live = ids(p).filter(function (j) {
        return infoOf(data.techniques[j].technique).cat === cat && data.techniques[j].state !== "rejected";
      });
      if (mark) {
        mark.classList.toggle("rej", !live.length);
        mark.classList.toggle("ok", live.some(function (j) {
          return data.techniques[j].state === "accepted" || (data.techniques[j].by && !data.techniques[j].state);
        }));
      }
    });
  }

  // --- the panel: one span (accept, reject, change), or a selection (mark a new span) ---------------
  var pop = el("div", "review-pop");
  pop.id = "review-pop";
  pop.setAttribute("role", "dialog");
  pop.setAttribute("aria-labelledby", "pop-title");
  pop.hidden = true;
  document.body.appendChild(pop);

  function place(rect) {
    var width = Math.min(400, document.documentElement.clientWidth - 16);
    var left = Math.min(window.scrollX + rect.left, window.scrollX + document.documentElement.clientWidth - width - 8);
    pop.style.left = Math.max(8, left) + "px";
    pop.style.top = (window.scrollY + rect.bottom + 10) + "px";
  }
  function openPop(mode) {
    pop.textContent = "";
    pop.setAttribute("data-mode", mode);
    pop.hidden = false;
    document.body.classList.add("pop-open");
    if (tip) tip.hidden = true;
  }
  function closePop(refocus) {
    if (pop.hidden) return;
    var mode = pop.getAttribute("data-mode");
    pop.hidden = true;
    document.body.classList.remove("pop-open");
    if (refocus && mode === "span" && st.cur >= 0 && piecesOf[st.cur][0]) piecesOf[st.cur][0].focus({ preventScroll: true });
  }
  function techniqueSelect(current) {
    var sel = el("select", "technique-select"), groups = {};
    if (!current) sel.appendChild(option("", "choose a technique\u2026", true));
    R.techniques.forEach(function (name) {
      var info = infoOf(name), g = groups[info.category];
      if (!g) { g = groups[info.category] = el("optgroup"); g.label = info.category || "other"; sel.appendChild(g); }
      g.appendChild(option(name, info.label, name === current));
    });
    return sel;
  }
  function title(label) {
    var h = el("h3", "pop-title", label);
    h.id = "pop-title";
    h.tabIndex = -1;
    return h;
  }

  function openSpan(i) {
    var t = data.techniques[i], info = infoOf(t.technique), first = piecesOf[i][0];
    if (!first) return;
    setCur(i);
    first.scrollIntoView({ block: "nearest" });
    openPop("span");
    pop.setAttribute("data-span", String(i));
    var h = title("");
    h.appendChild(el("span", "swatch c" + info.cat));
    h.appendChild(document.createTextNode(info.label + " \u00b7 " + Math.round(t.confidence * 100) + "%"));
    pop.appendChild(h);
    pop.appendChild(el("p", "pop-text", "\u201c" + short(textAt(t.start, t.end), 160) + "\u201d"));
    var state = t.state === "rejected" ? "You rejected this span (accept brings it back)." :
      t.state === "accepted" ? "You accepted this span." : t.by ? byText(t.by) + "." : "";
    if (state) pop.appendChild(el("p", "pop-state", state));
    var acts = el("div", "pop-actions");
    acts.appendChild(button("Accept", "act-accept", function () { judge(i, "accept"); }, "a"));
    acts.appendChild(button("Reject", "act-reject danger", function () { judge(i, "reject"); }, "r"));
    pop.appendChild(acts);
    var row = el("div", "pop-relabel"), lab = el("label", null, "Technique "), sel = techniqueSelect(t.technique);
    sel.id = "pop-technique";
    lab.appendChild(sel);
    row.appendChild(lab);
    row.appendChild(button("Change", "act-relabel", function () {
      if (sel.value === t.technique) { say("Choose another technique to change it to.", "error"); return; }
      send([{ layer: "techniques", op: "relabel", target: key(t), after: { technique: sel.value } }],
           { reload: true, saved: info.label + " \u2192 " + infoOf(sel.value).label + ": saved." });
    }));
    pop.appendChild(row);
    var others = [];
    piecesOf[i].forEach(function (p) {
      ids(p).forEach(function (j) { if (j !== i && others.indexOf(j) < 0 && shown(j)) others.push(j); });
    });
    if (others.length) {
      var also = el("p", "pop-others", "Also on these words: ");
      others.forEach(function (j) {
        also.appendChild(button(infoOf(data.techniques[j].technique).label, "link", function () { openSpan(j); }));
        also.appendChild(document.createTextNode(" "));
      });
      pop.appendChild(also);
    }
    pop.appendChild(el("p", "pop-keys", "n next \u00b7 p previous \u00b7 Esc close"));
    place(first.getBoundingClientRect());
    pop.scrollIntoView({ block: "nearest" });
    h.focus({ preventScroll: true });
  }

  function openAdd(span) {
    setCur(-1);
    openPop("add");
    pop.appendChild(title("Mark a span the model missed"));
    pop.appendChild(el("p", "pop-text", "\u201c" + short(span.text, 160) + "\u201d"));
    var row = el("div", "pop-relabel"), lab = el("label", null, "Technique "), sel = techniqueSelect(null);
    sel.id = "pop-technique";
    lab.appendChild(sel);
    row.appendChild(lab);
    var add = button("Add", "act-add", function () {
      if (!sel.value) { say("Choose the technique of the new span.", "error"); sel.focus(); return; }
      send([{ layer: "techniques", op: "add", after: { start: span.start, end: span.end, technique: sel.value } }],
           { reload: true, saved: "Added " + infoOf(sel.value).label + " \u201c" + short(span.text, 60) + "\u201d." });
    });
    pop.appendChild(row);
    var acts = el("div", "pop-actions");
    acts.appendChild(add);
    acts.appendChild(button("Cancel", "secondary", function () { closePop(); }));
    pop.appendChild(acts);
    place(span.rect);
    pop.scrollIntoView({ block: "nearest" });
    sel.focus({ preventScroll: true });
  }

  function step(dir) {
    var k = st.cur >= 0 ? order.indexOf(st.cur) : (dir > 0 ? -1 : order.length);
    for (k += dir; k >= 0 && k < order.length; k += dir) {
      if (shown(order[k])) { openSpan(order[k]); return true; }
    }
    say(dir > 0 ? "That was the last span." : "That was the first span.");
    return false;
  }

  function judge(i, op) {
    var t = data.techniques[i];
    send([{ layer: "techniques", op: op, target: key(t) }], {
      done: function () {
        t.state = op === "accept" ? "accepted" : "rejected";
        paint(i);
        var done = (op === "accept" ? "Accepted " : "Rejected ") + infoOf(t.technique).label + " \u201c" +
          short(textAt(t.start, t.end), 50) + "\u201d.";
        if (!step(1)) { closePop(true); done += " That was the last span."; }
        say(done, "ok");
      }
    });
  }

  // --- sending corrections --------------------------------------------------------------------------
  function setVersion(v) {
    st.version = v;
    var out = document.getElementById("review-version");
    if (out) out.textContent = String(v);
  }
  function detailOf(body, status) {
    var d = body && body.detail;
    if (typeof d === "string") return d;
    if (d) return JSON.stringify(d);
    return "the server answered " + status;
  }
  function send(list, opts) {
    opts = opts || {};
    if (st.busy) return;
    if (st.namedBy !== "token" && !st.author) {
      st.queued = { list: list, opts: opts };
      say("Give your name first: it is recorded with your corrections.", "error");
      showAuthor();
      return;
    }
    st.busy = true;
    document.body.classList.add("saving");
    say("Saving\u2026");
    var body = { base_version: st.version, corrections: list };
    if (st.namedBy !== "token") body.author = st.author;
    fetch(URL_, { method: "POST", credentials: "same-origin", headers: { "content-type": "application/json" },
                  body: JSON.stringify(body) })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) { return { status: r.status, body: j }; });
      })
      .then(function (res) {
        st.busy = false;
        document.body.classList.remove("saving");
        if (res.status === 201) {
          setVersion(res.body.version);
          var count = document.getElementById("review-count");
          if (count) {
            var n = parseInt(count.textContent, 10) + list.length;
            count.textContent = n + " correction" + (n === 1 ? "" : "s");
          }
          if (opts.reload) reload({ kind: "saved", text: opts.saved || "Saved." });
          else if (opts.done) opts.done(res.body);
        } else if (res.status === 409) {
          conflict(res.body, list);
        } else {
          say("Not saved: " + detailOf(res.body, res.status), "error");
        }
      }, function (err) {
        st.busy = false;
        document.body.classList.remove("saving");
        say("Not saved: the server did not answer (" + err + ").", "error");
      });
  }
  function reload(note) {
    note.y = window.scrollY;
    store("session", NOTE, JSON.stringify(note));
    location.reload();
  }
  // 409: another analyst stored corrections since this page was loaded. Nothing of ours was stored;
  // reload at the current state and say what changed (the page's history marks it "new").
  function conflict(body, mine) {
    var authors = [];
    (body.corrections || []).forEach(function (c) { if (authors.indexOf(c.author) < 0) authors.push(c.author); });
    var n = (body.corrections || []).length;
    reload({ kind: "conflict", since: body.base_version, version: body.version, pending: mine,
             text: "Not saved: " + (authors.join(" and ") || "another analyst") + " corrected this article while you " +
                   "had it open (" + n + " correction" + (n === 1 ? "" : "s") + ", now version " + body.version +
                   "). The page now shows the article as it is now; what changed:" });
  }
  function restore() {
    var raw = store("session", NOTE);
    if (!raw) return;
    store("session", NOTE, null);
    var note;
    try { note = JSON.parse(raw); } catch (e) { return; }
    if (typeof note.y === "number") window.scrollTo(0, note.y);
    if (note.kind !== "conflict") { say(note.text, "ok"); return; }
    var box = el("div");
    box.appendChild(el("p", null, note.text));
    var list = el("ul", "changed");
    document.querySelectorAll("#history tr[data-seq]").forEach(function (row) {
      if (+row.getAttribute("data-seq") <= note.since) return;
      row.classList.add("new");
      var cells = row.querySelectorAll("td");
      list.appendChild(el("li", null, cells[1].textContent + ": " + cells[4].textContent));
    });
    box.appendChild(list);
    if (note.pending && note.pending.length) {
      box.appendChild(button("Send my correction again", "again", function () {
        send(note.pending, { reload: true, saved: "Your correction was made on version " + st.version + "." });
      }));
      box.appendChild(document.createTextNode(" if it still applies."));
    }
    say(box, "conflict");
  }

  // --- who corrects: the token's analyst, or a name asked once and remembered -----------------------
  function showAuthor() {
    var box = document.getElementById("review-author");
    box.textContent = "";
    if (!st.on) return;
    if (st.namedBy === "token") {
      box.appendChild(document.createTextNode("correcting as "));
      box.appendChild(el("strong", null, st.author));
      return;
    }
    if (st.author) {
      box.appendChild(document.createTextNode("correcting as "));
      box.appendChild(el("strong", null, st.author));
      box.appendChild(document.createTextNode(" "));
      box.appendChild(button("change", "link", function () {
        st.author = null;
        store("local", NAME, null);
        showAuthor();
      }));
      return;
    }
    var form = el("form", "name-form");
    form.id = "name-form";
    var lab = el("label", null, "Your name, recorded with your corrections ");
    var input = el("input");
    input.type = "text";
    input.id = "author-name";
    input.maxLength = 64;
    input.required = true;
    input.autocomplete = "name";
    lab.appendChild(input);
    form.appendChild(lab);
    var ok = el("button", null, "Save name");
    ok.type = "submit";
    form.appendChild(ok);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var v = input.value.split(/\s+/).join(" ").trim();
      if (!v) return;
      st.author = v;
      store("local", NAME, v);
      showAuthor();
      if (st.queued) { var q = st.queued; st.queued = null; send(q.list, q.opts); } else say(null);
    });
    box.appendChild(form);
    input.focus();
  }
  function whoami() {
    return fetch("/api/whoami", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { author: null, named_by: "name" }; })
      .catch(function () { return { author: null, named_by: "name" }; })
      .then(function (w) {
        st.namedBy = w.named_by === "token" && w.author ? "token" : "name";
        st.author = st.namedBy === "token" ? w.author : store("local", NAME);
        showAuthor();
      });
  }

  // --- actors: role and fine roles, merge, split ----------------------------------------------------
  function actorTarget(a) { return { actor: a.index, name: a.name }; }
  function buildActor(d) {
    var a = R.actors[+d.getAttribute("data-actor")];
    if (!a) return;
    var box = el("fieldset", "fix fix-ui");
    box.appendChild(el("legend", null, "Correct " + a.name));
    var row = el("div", "fix-row"), lab = el("label", null, "Role "), role = el("select", "fix-role");
    role.appendChild(option("", "no role (not cast)", !a.role));
    Object.keys(R.roles).forEach(function (r) { role.appendChild(option(r, r, r === a.role)); });
    lab.appendChild(role);
    row.appendChild(lab);
    box.appendChild(row);
    var fines = el("div", "fix-fines");
    fines.setAttribute("role", "group");
    fines.setAttribute("aria-label", "fine roles of " + a.name);
    function checked(container) {
      return Array.prototype.map.call(container.querySelectorAll("input:checked"), function (x) { return x.value; });
    }
    function drawFines(keep) {
      fines.textContent = "";
      (R.roles[role.value] || []).forEach(function (f) {
        var l = el("label", "check"), c = el("input");
        c.type = "checkbox";
        c.value = f;
        c.checked = keep.indexOf(f) >= 0;
        l.appendChild(c);
        l.appendChild(document.createTextNode(" " + f));
        fines.appendChild(l);
      });
      if (!role.value) fines.appendChild(el("span", "hint", "An actor with no role has no fine roles."));
    }
    drawFines(a.fine_roles || []);
    role.addEventListener("change", function () { drawFines(checked(fines)); });
    box.appendChild(fines);
    box.appendChild(button("Save role", "fix-save-role", function () {
      var r = role.value || null;
      send([{ layer: "actors", op: "role", target: actorTarget(a), after: { role: r, fine_roles: r ? checked(fines) : [] } }],
           { reload: true, saved: a.name + ": " + (r || "no role") + " saved." });
    }));
    if (R.actors.length > 1) {
      var m = el("div", "fix-row"), ml = el("label", null, "Same actor as "), into = el("select", "fix-merge");
      into.appendChild(option("", "choose an actor\u2026", true));
      R.actors.forEach(function (b) { if (b.index !== a.index) into.appendChild(option(String(b.index), b.name)); });
      ml.appendChild(into);
      m.appendChild(ml);
      m.appendChild(button("Merge", "fix-merge-button", function () {
        if (!into.value) { say("Choose the actor " + a.name + " is the same as.", "error"); into.focus(); return; }
        var b = R.actors[+into.value];
        send([{ layer: "actors", op: "merge", target: actorTarget(a), after: actorTarget(b) }],
             { reload: true, saved: a.name + " merged into " + b.name + "." });
      }));
      box.appendChild(m);
    }
    if (a.mentions.length > 1) {
      var sp = el("details", "fix-split");
      sp.appendChild(el("summary", null, "Split off mentions that are another actor"));
      var group = el("div", "fix-mentions");
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "mentions of " + a.name);
      a.mentions.forEach(function (x, k) {
        var l = el("label", "check mention"), c = el("input");
        c.type = "checkbox";
        c.value = String(k);
        l.appendChild(c);
        l.appendChild(document.createTextNode(" " + x.context));
        group.appendChild(l);
      });
      sp.appendChild(group);
      var nl = el("label", null, "The other actor's name "), name = el("input", "fix-split-name");
      name.type = "text";
      name.maxLength = 300;
      nl.appendChild(name);
      sp.appendChild(nl);
      sp.appendChild(button("Split off", "fix-split-button", function () {
        var chosen = checked(group).map(function (k) { return a.mentions[+k]; });
        if (!chosen.length) { say("Tick the mentions that are another actor.", "error"); return; }
        if (chosen.length === a.mentions.length) { say("Leave " + a.name + " at least one mention.", "error"); return; }
        var newName = name.value.split(/\s+/).join(" ").trim() || chosen[0].text;
        send([{ layer: "actors", op: "split", target: actorTarget(a),
                after: { name: newName, mentions: chosen.map(function (x) { return { start: x.start, end: x.end }; }) } }],
             { reload: true, saved: newName + " split off " + a.name + "." });
      }));
      box.appendChild(sp);
    }
    d.appendChild(box);
  }

  // --- quotes: the speaker ----------------------------------------------------------------------------
  function buildQuotes() {
    var table = document.querySelector("#quotes table");
    if (!table) return;
    var head = table.querySelector("thead tr");
    head.appendChild(el("th", "fix-ui", "Correct the speaker"));
    table.querySelectorAll("tbody tr[data-q]").forEach(function (row) {
      var q = R.quotes[+row.getAttribute("data-q")];
      if (!q) return;
      var cell = el("td", "fix-ui"), sel = el("select", "fix-speaker");
      sel.setAttribute("aria-label", "speaker of the quote");
      sel.appendChild(option("", "no speaker", q.speaker < 0));
      R.actors.forEach(function (a) { sel.appendChild(option(String(a.index), a.name, a.index === q.speaker)); });
      cell.appendChild(sel);
      cell.appendChild(document.createTextNode(" "));
      cell.appendChild(button("Set", "fix-speaker-button", function () {
        var v = sel.value, after = v === "" ? { actor: null } : actorTarget(R.actors[+v]);
        send([{ layer: "quotes", op: "speaker", target: { start: q.start, end: q.end }, after: after }],
             { reload: true, saved: "Speaker saved: " + (v === "" ? "no speaker" : R.actors[+v].name) + "." });
      }));
      row.appendChild(cell);
    });
  }

  // --- labels: genre, frames, narratives, subnarratives -------------------------------------------------
  function buildLabels() {
    var panel = document.getElementById("labels");
    if (!panel) return;
    R.tasks.forEach(function (task) {
      var ul = panel.querySelector('ul.label-list[data-task="' + task + '"]');
      if (!ul) {
        var h = el("h3", "fix-ui", task);
        h.setAttribute("data-task", task);
        ul = el("ul", "label-list fix-ui");
        ul.setAttribute("data-task", task);
        panel.appendChild(h);
        panel.appendChild(ul);
      }
      var present = [];
      ul.querySelectorAll("li[data-label]").forEach(function (li) {
        var name = li.getAttribute("data-label");
        present.push(name);
        var rm = button("\u00d7", "fix-ui remove", function () {
          send([{ layer: "labels", op: "remove", target: { task: task, label: name } }],
               { reload: true, saved: task + ": removed " + li.querySelector(".label-name").textContent + "." });
        });
        rm.setAttribute("aria-label", "remove the " + task + " label " + li.querySelector(".label-name").textContent);
        rm.title = "remove";
        li.insertBefore(rm, li.querySelector("ul"));
      });
      var vocab = (R.vocab[task] || []).filter(function (x) { return present.indexOf(x.name) < 0; });
      if (!vocab.length) return;
      var row = el("div", "fix-row fix-ui label-add"), sel = el("select", "fix-label");
      sel.setAttribute("data-task", task);
      sel.setAttribute("aria-label", (task === "genre" ? "genre" : "add a " + task.replace(/s$/, "") + " label"));
      sel.appendChild(option("", task === "genre" ? "another genre\u2026" : "add a label\u2026", true));
      vocab.forEach(function (x) { sel.appendChild(option(x.name, x.label)); });
      row.appendChild(sel);
      row.appendChild(document.createTextNode(" "));
      row.appendChild(button(task === "genre" ? "Set" : "Add", "fix-label-button", function () {
        if (!sel.value) { say("Choose a " + task + " label.", "error"); sel.focus(); return; }
        var label = sel.options[sel.selectedIndex].textContent;
        send([{ layer: "labels", op: "set", target: { task: task }, after: { label: sel.value } }],
             { reload: true, saved: task + ": " + label + " saved." });
      }));
      ul.parentNode.insertBefore(row, ul.nextSibling);
    });
    var none = document.getElementById("no-labels");
    if (none) none.classList.add("fix-hide");
  }

  // --- a layer that needs no change ----------------------------------------------------------------
  function buildReviewed() {
    var row = el("span", "fix-ui review-nothing"), sel = el("select");
    sel.id = "review-layer";
    sel.setAttribute("aria-label", "layer reviewed");
    ["techniques", "actors", "quotes", "labels"].forEach(function (l) { sel.appendChild(option(l, l)); });
    row.appendChild(sel);
    row.appendChild(document.createTextNode(" "));
    row.appendChild(button("Nothing to change", "secondary", function () {
      send([{ layer: sel.value, op: "review", target: {} }],
           { reload: true, saved: "Marked " + sel.value + " reviewed: nothing to change." });
    }));
    tools.appendChild(row);
  }

  function build() {
    if (st.built) return;
    st.built = true;
    document.querySelectorAll("details.actor").forEach(buildActor);
    buildQuotes();
    buildLabels();
    buildReviewed();
  }

  function setOn(on) {
    st.on = on;
    document.body.classList.toggle("reviewing", on);
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
    toggle.textContent = on ? "Stop reviewing" : "Review and correct";
    store("local", ON, on ? "1" : null);
    if (on) build(); else { closePop(); setCur(-1); }
    showAuthor();
  }

  // --- events -------------------------------------------------------------------------------------
  toggle.addEventListener("click", function () { setOn(!st.on); });
  text.addEventListener("click", function (ev) {
    if (!st.on) return;
    var sel = window.getSelection();
    if (sel && !sel.isCollapsed) return;  // a selection: mouseup offers to mark it
    var p = ev.target.closest && ev.target.closest(".pc[data-s]");
    if (p) openAt(p);
  });
  function openAt(p) {
    var list = ids(p).filter(shown).sort(function (a, b) {
      return data.techniques[b].confidence - data.techniques[a].confidence;
    });
    if (list.length) openSpan(list[0]);
  }
  text.addEventListener("mouseup", function () {
    if (!st.on) return;
    setTimeout(function () { var span = selectionSpan(); if (span) openAdd(span); }, 0);
  });
  document.addEventListener("mousedown", function (ev) {
    if (!pop.hidden && !pop.contains(ev.target)) closePop();
  });
  document.addEventListener("keydown", function (ev) {
    if (!st.on || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var t = ev.target;
    if (t.closest && t.closest("input, select, textarea, [contenteditable]")) {
      if (ev.key === "Escape" && pop.contains(t)) { closePop(true); ev.preventDefault(); }
      return;
    }
    var k = ev.key;
    if (k === "Escape") {
      if (!pop.hidden) { closePop(true); ev.preventDefault(); }
      return;
    }
    if (k === "Enter" && t.matches && t.matches(".pc[data-s]")) { openAt(t); ev.preventDefault(); return; }
    if (k === "n" || k === "j") step(1);
    else if (k === "p" || k === "k") step(-1);
    else if (k === "a" || k === "r") {
      if (!pop.hidden && pop.getAttribute("data-mode") === "span" && st.cur >= 0) judge(st.cur, k === "a" ? "accept" : "reject");
      else say("Choose a span first: n goes to the next one.");
    } else if (k === "l") {
      var span = selectionSpan();
      if (span) openAdd(span); else say("Select the words of the new span first, then press l.");
    } else return;
    ev.preventDefault();
  });

  tools.hidden = false;
  whoami().then(function () {
    if (store("local", ON) === "1") setOn(true);
    restore();
    document.body.setAttribute("data-review-ready", "1");
  });
})();
