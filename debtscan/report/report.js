/* debtscan HTML report: the pipeline graph (dagre layout drawn by cytoscape.js) and the findings table's
   filters, sorting and grouping. Everything it needs is in the page; it fetches nothing. */
(function () {
  "use strict";
  var NODE_H = 28;

  // --- the findings table ---------------------------------------------------------------------------
  var table = document.getElementById("findings");
  if (table) {
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    var filters = Array.prototype.slice.call(document.querySelectorAll("[data-filter]"));
    var groupBy = document.getElementById("group-by");
    var count = document.getElementById("finding-count");
    var SEVERITY = {error: 0, warning: 1, info: 2};
    var sortKey = null, sortDir = 1;
    rows.forEach(function (row, i) { row.dataset.order = i; });

    var keyOf = function (row, key) {
      if (key === "severity") return SEVERITY[row.dataset.severity];
      if (key === "location") return row.dataset.path + "\u0000" + ("00000000" + row.dataset.line).slice(-8);
      return row.dataset[key] || "";
    };
    var compare = function (a, b) {
      var keys = [];
      if (groupBy.value) keys.push(groupBy.value);
      if (sortKey) keys.push(sortKey);
      for (var i = 0; i < keys.length; i++) {
        var x = keyOf(a, keys[i]), y = keyOf(b, keys[i]);
        if (x < y) return i === keys.length - 1 ? -sortDir : -1;
        if (x > y) return i === keys.length - 1 ? sortDir : 1;
      }
      return a.dataset.order - b.dataset.order;
    };
    var apply = function () {
      var want = {};
      filters.forEach(function (f) { want[f.dataset.filter] = f.value.trim().toLowerCase(); });
      var shown = 0;
      rows.forEach(function (row) {
        var ok = (!want.rule || row.dataset.rule.toLowerCase() === want.rule) &&
          (!want.category || row.dataset.category.toLowerCase() === want.category) &&
          (!want.severity || row.dataset.severity === want.severity) &&
          (!want.path || row.dataset.path.toLowerCase().indexOf(want.path) >= 0);
        row.hidden = !ok;
        if (ok) shown++;
      });
      Array.prototype.slice.call(tbody.querySelectorAll("tr.group")).forEach(function (g) { g.remove(); });
      var ordered = rows.slice().sort(compare);
      var last = null;
      ordered.forEach(function (row) {
        if (groupBy.value && !row.hidden && keyOf(row, groupBy.value) !== last) {
          last = keyOf(row, groupBy.value);
          var n = ordered.filter(function (r) { return !r.hidden && keyOf(r, groupBy.value) === last; }).length;
          var header = document.createElement("tr");
          header.className = "group";
          var cell = document.createElement("td");
          cell.colSpan = 5;
          cell.textContent = last + " (" + n + ")";
          header.appendChild(cell);
          tbody.appendChild(header);
        }
        tbody.appendChild(row);
      });
      count.textContent = shown + " of " + rows.length + " shown";
    };
    filters.forEach(function (f) { f.addEventListener("input", apply); f.addEventListener("change", apply); });
    groupBy.addEventListener("change", apply);
    Array.prototype.slice.call(table.tHead.querySelectorAll("th[data-sort]")).forEach(function (th) {
      th.addEventListener("click", function () {
        sortDir = sortKey === th.dataset.sort ? -sortDir : 1;
        sortKey = th.dataset.sort;
        Array.prototype.slice.call(table.tHead.querySelectorAll("th")).forEach(function (h) {
          h.removeAttribute("aria-sort");
        });
        th.setAttribute("aria-sort", sortDir > 0 ? "ascending" : "descending");
        apply();
      });
    });
  }

  // --- the pipeline graph ---------------------------------------------------------------------------
  var dataTag = document.getElementById("graph-data");
  var box = document.getElementById("graph");
  if (!dataTag || !box || typeof cytoscape === "undefined" || typeof dagre === "undefined") return;
  var data = JSON.parse(dataTag.textContent);
  var tip = document.getElementById("graph-tip");
  var info = document.getElementById("graph-info");
  var status = document.getElementById("graph-status");
  var search = document.getElementById("graph-search");
  var cy = null;

  // dagre's layered layout: node positions, and for each edge the points it bends at (between the layers
  // it crosses, so it goes around the nodes of those layers instead of through them).
  var layout = function (view) {
    var g = new dagre.graphlib.Graph({multigraph: true});
    // network simplex ranks best; on large views the tight-tree ranker keeps the layout to seconds
    g.setGraph({rankdir: "LR", nodesep: 12, ranksep: 56, edgesep: 6, marginx: 20, marginy: 20,
                ranker: view.edges.length > 300 ? "tight-tree" : "network-simplex"});
    g.setDefaultEdgeLabel(function () { return {}; });
    view.nodes.forEach(function (n) { g.setNode(n.id, {width: n.w, height: NODE_H}); });
    view.edges.forEach(function (e) { g.setEdge(e.source, e.target, {}, e.id); });
    dagre.layout(g);
    return g;
  };

  // cytoscape's segment edges take each bend as (weight along source->target, distance off that line).
  var segments = function (s, t, points) {
    var dx = t.x - s.x, dy = t.y - s.y, len2 = dx * dx + dy * dy;
    if (len2 < 1 || !points.length) return null;
    var len = Math.sqrt(len2), w = [], d = [];
    points.forEach(function (p) {
      var px = p.x - s.x, py = p.y - s.y;
      w.push((px * dx + py * dy) / len2);
      d.push((py * dx - px * dy) / len);
    });
    return {w: w, d: d};
  };

  // Edges drawn orthogonally through dagre's bend points: across a layer at the height dagre kept free for
  // the edge, up or down only in the gap between two layers (clear of every node, whatever its width), so a
  // hand-off never seems to pass through a module it does not touch. Edges sharing a gap are spread over it.
  var route = function (view, g) {
    var half = {};
    view.nodes.forEach(function (n) {
      var k = Math.round(g.node(n.id).x);
      half[k] = Math.max(half[k] || 0, n.w / 2);
    });
    var halfAt = function (x) { return half[Math.round(x)] || 0; };
    var paths = {}, gaps = {};
    view.edges.forEach(function (e) {
      var s = g.node(e.source), t = g.node(e.target);
      var pts = [s].concat((g.edge({v: e.source, w: e.target, name: e.id}).points || []).slice(1, -1)).concat([t]);
      var legs = [];
      for (var i = 0; i + 1 < pts.length; i++) {
        var a = pts[i], b = pts[i + 1];
        if (Math.abs(a.y - b.y) < 0.5 || Math.abs(a.x - b.x) < 0.5) { legs.push({a: a, b: b}); continue; }
        var dir = b.x > a.x ? 1 : -1;
        var xa = a.x + dir * halfAt(a.x), xb = b.x - dir * halfAt(b.x);
        if ((xb - xa) * dir <= 0) { xa = a.x; xb = b.x; }
        var key = Math.round(Math.min(xa, xb)) + ":" + Math.round(Math.max(xa, xb));
        (gaps[key] = gaps[key] || []).push(b.y);
        legs.push({a: a, b: b, xa: xa, xb: xb, key: key});
      }
      paths[e.id] = legs;
    });
    Object.keys(gaps).forEach(function (key) {  // one vertical lane per distinct destination height
      var ys = gaps[key].slice().sort(function (x, y) { return x - y; }).filter(function (y, i, all) {
        return i === 0 || y !== all[i - 1];
      });
      gaps[key] = ys;
    });
    var out = {};
    view.edges.forEach(function (e) {
      var bends = [];
      paths[e.id].forEach(function (leg, i) {
        if (i > 0) bends.push(leg.a);
        if (leg.key === undefined) return;
        var ys = gaps[leg.key], slot = ys.length > 1 ? ys.indexOf(leg.b.y) / (ys.length - 1) : 0.5;
        var xm = leg.xa + (leg.xb - leg.xa) * (0.2 + 0.6 * slot);
        bends.push({x: xm, y: leg.a.y}, {x: xm, y: leg.b.y});
      });
      out[e.id] = bends;
    });
    return out;
  };

  var elements = function (view, g) {
    var out = [], bends = route(view, g);
    view.nodes.forEach(function (n) {
      var p = g.node(n.id);
      out.push({group: "nodes", data: {id: n.id, label: n.label, kind: n.kind, w: n.w, key: n.key,
                                       more_in: n.more_in || [], more_out: n.more_out || []},
                position: {x: p.x, y: p.y}, classes: n.kind + (n.jungle ? " jungle" : "")});
    });
    view.edges.forEach(function (e) {
      var s = g.node(e.source), t = g.node(e.target);
      var seg = segments(s, t, bends[e.id]);
      var item = {group: "edges", data: {id: e.id, source: e.source, target: e.target, kind: e.kind,
                                         title: e.title, files: e.files || []}, classes: e.kind.replace(" ", "-")};
      if (seg) {
        item.data.sw = seg.w;
        item.data.sd = seg.d;
        item.classes += " routed";
      }
      out.push(item);
    });
    return out;
  };

  var STYLE = [
    {selector: "node", style: {"shape": "round-rectangle", "width": "data(w)", "height": NODE_H,
      "label": "data(label)", "font-family": "ui-monospace,Menlo,Consolas,monospace", "font-size": 12,
      "text-valign": "center", "text-halign": "center", "background-color": "#e8f0fe", "border-width": 1,
      "min-zoomed-font-size": 5,
      "border-color": "#3b6fd6", "color": "#1f2328"}},
    {selector: "node.artifact", style: {"shape": "barrel", "background-color": "#fff4dd", "border-color": "#c98a00"}},
    {selector: "node.jungle", style: {"background-color": "#ffd6d6", "border-color": "#c00000"}},
    {selector: "edge", style: {"width": 1, "line-color": "#aab1b9", "target-arrow-color": "#8c959f",
      "target-arrow-shape": "triangle", "arrow-scale": 0.8, "curve-style": "straight"}},
    {selector: "edge.routed", style: {"curve-style": "round-segments", "segment-weights": "data(sw)",
      "segment-distances": "data(sd)", "segment-radii": 6, "edge-distances": "node-position"}},
    {selector: "edge.matches", style: {"line-style": "dashed", "line-color": "#c9ced4"}},
    {selector: ".faded", style: {"opacity": 0.12}},
    {selector: "node.focus", style: {"border-width": 3, "border-color": "#1f2328"}},
    {selector: "node.found", style: {"border-width": 3, "border-color": "#0969da", "background-color": "#ddf4ff"}},
    {selector: "edge.in", style: {"line-color": "#0969da", "target-arrow-color": "#0969da", "width": 2.2}},
    {selector: "edge.out", style: {"line-color": "#c00000", "target-arrow-color": "#c00000", "width": 2.2}}
  ];

  var listOf = function (title, items) {
    if (!items.length) return "";
    var ul = "<ul>" + items.map(function (t) {
      var li = document.createElement("li");
      li.textContent = t;
      return li.outerHTML;
    }).join("") + "</ul>";
    return "<b>" + title + "</b>" + ul;
  };

  var focus = function (node) {
    cy.elements().removeClass("faded focus in out");
    if (!node) {
      info.textContent = "Click a module or file to highlight what it reads and writes.";
      return;
    }
    var incoming = node.incomers("edge"), outgoing = node.outgoers("edge");
    cy.elements().addClass("faded");
    node.closedNeighborhood().removeClass("faded");
    node.addClass("focus");
    incoming.addClass("in");
    outgoing.addClass("out");
    var titles = function (edges) { return edges.map(function (e) { return e.data("title"); }).sort(); };
    var name = document.createElement("code");
    name.textContent = node.data("label");
    info.innerHTML = name.outerHTML + " (" + node.data("kind") + "): " + incoming.length + " in, " +
      outgoing.length + " out. " + listOf("In (blue):", titles(incoming)) + listOf("Out (red):", titles(outgoing)) +
      listOf("Also in, not drawn (a longer path already connects them):", node.data("more_in") || []) +
      listOf("Also out, not drawn (a longer path already connects them):", node.data("more_out") || []);
  };

  var show = function (name) {
    var view = data.views[name];
    if (!view) return;
    var started = Date.now();
    var g = layout(view);
    if (cy) cy.destroy();
    cy = cytoscape({container: box, elements: elements(view, g), style: STYLE, layout: {name: "preset"},
                    minZoom: 0.05, maxZoom: 3, wheelSensitivity: 0.3, boxSelectionEnabled: false,
                    autoungrabify: true});
    place();
    window.debtscanGraph = {cy: cy, view: name, layoutMs: Date.now() - started};
    status.textContent = view.nodes.length + " nodes, " + view.edges.length + " edges";
    box.dataset.view = name;
    box.dataset.nodes = String(cy.nodes().length);
    cy.on("tap", function (evt) { focus(evt.target === cy ? null : (evt.target.isNode() ? evt.target : null)); });
    cy.on("mouseover", "node, edge", function (evt) {
      var ele = evt.target;
      tip.textContent = ele.isNode() ? ele.data("kind") + ": " + ele.data("label") : ele.data("title");
      tip.hidden = false;
    });
    cy.on("mousemove", function (evt) {
      tip.style.left = (evt.renderedPosition.x + 14) + "px";
      tip.style.top = (evt.renderedPosition.y + 14) + "px";
    });
    cy.on("mouseout", "node, edge", function () { tip.hidden = true; });
    if (search.value) find();
  };

  // Size the drawing to the layout: the whole graph when its labels stay readable, else readable labels
  // from the start of the pipeline (the left), with the rest a drag or a scroll away ("fit" shows it all).
  var MAX_H = 720, MIN_H = 180, MIN_ZOOM = 0.6, PAD = 20;
  var place = function () {
    var bb = cy.elements().boundingBox();
    var width = box.clientWidth - 2 * PAD;
    var zoom = Math.min(1, width / bb.w, (MAX_H - 2 * PAD) / bb.h);
    zoom = Math.max(zoom, Math.min(1, MIN_ZOOM));
    box.style.height = Math.round(Math.max(MIN_H, Math.min(MAX_H, bb.h * zoom + 2 * PAD))) + "px";
    cy.resize();
    cy.zoom(zoom);
    var nodes = cy.nodes().boundingBox();
    var x = bb.w * zoom <= width ? (box.clientWidth - bb.w * zoom) / 2 - bb.x1 * zoom : PAD - nodes.x1 * zoom;
    var y;
    if (bb.h * zoom <= box.clientHeight - 2 * PAD) {
      y = (box.clientHeight - bb.h * zoom) / 2 - bb.y1 * zoom;
    } else {  // taller than the box: centre on the first layers, where the pipeline starts
      var first = cy.nodes().filter(function (n) { return n.position("x") < nodes.x1 + 0.15 * nodes.w; })
        .map(function (n) { return n.position("y"); }).sort(function (a, b) { return a - b; });
      y = box.clientHeight / 2 - first[Math.floor(first.length / 2)] * zoom;
      y = Math.min(PAD - bb.y1 * zoom, Math.max(box.clientHeight - PAD - bb.y2 * zoom, y));  // no empty band
    }
    cy.pan({x: x, y: y});
  };

  var find = function () {
    if (!cy) return;
    var q = search.value.trim().toLowerCase();
    cy.nodes().removeClass("found");
    if (!q) { status.textContent = cy.nodes().length + " nodes, " + cy.edges().length + " edges"; return; }
    var hits = cy.nodes().filter(function (n) { return n.data("label").toLowerCase().indexOf(q) >= 0; });
    hits.addClass("found");
    status.textContent = hits.length + " match(es)";
    if (hits.length) cy.animate({fit: {eles: hits, padding: 60}, duration: 250});
  };

  search.addEventListener("input", find);
  document.getElementById("graph-fit").addEventListener("click", function () { focus(null); cy.fit(undefined, PAD); });
  Array.prototype.slice.call(document.querySelectorAll("input[name=graph-view]")).forEach(function (radio) {
    radio.addEventListener("change", function () { if (radio.checked) show(radio.value); });
  });
  // Lay out once the page has loaded, so the findings are usable at once even while a large graph is laid out.
  status.textContent = "laying out the graph...";
  var start = function () { setTimeout(function () { show(data["default"]); }, 0); };
  if (document.readyState === "complete") start(); else window.addEventListener("load", start);
})();
