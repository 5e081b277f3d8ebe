// kgraph's view: vis-network fed from the JSON block above, plus search, type filters and
// neighbour highlight. Every text from the data is set with textContent or as a vis-network
// string title (shown as text), never as HTML.
(function () {
  "use strict";
  var api = (window.kgraph = {});
  var data = JSON.parse(document.getElementById("kgraph-data").textContent);
  var groups = data.options.groups;
  var faded = { background: "rgba(200,200,200,0.25)", border: "rgba(200,200,200,0.4)" };
  var fadedFont = { color: "rgba(0,0,0,0)" };

  data.nodes.forEach(function (node) {
    node.name = node.name || node.label;
  });
  data.edges.forEach(function (edge) {
    Object.assign(edge, data.edgeStyles[edge.relation]);
  });
  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var container = document.getElementById("kgraph-network");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, data.options);
  var status = document.getElementById("kgraph-status");
  var highlighted = null;

  function ready() {
    if (data.centre !== null) {
      network.selectNodes([data.centre]);
      highlight(data.centre);
    }
    document.body.dataset.ready = "true";
    api.readyAt = performance.now();
  }
  if (data.options.physics.enabled) {
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: { enabled: false } });
      network.once("afterDrawing", ready);
      network.redraw();
    });
  } else {
    network.once("afterDrawing", ready);
  }

  function clearHighlight() {
    if (highlighted === null) return;
    highlighted = null;
    nodes.update(data.nodes.map(function (n) {
      return { id: n.id, color: groups[n.group].color, font: groups[n.group].font || {} };
    }));
    edges.update(data.edges.map(function (e) {
      return { id: e.id, color: data.edgeStyles[e.relation].color };
    }));
  }

  function highlight(id) {
    highlighted = id;
    var near = new Set(network.getConnectedNodes(id));
    near.add(id);
    nodes.update(data.nodes.map(function (n) {
      var on = near.has(n.id);
      return {
        id: n.id,
        color: on ? groups[n.group].color : faded,
        font: on ? groups[n.group].font || {} : fadedFont,
      };
    }));
    edges.update(data.edges.map(function (e) {
      var on = e.from === id || e.to === id;
      return { id: e.id, color: on ? data.edgeStyles[e.relation].color : faded.border };
    }));
  }

  network.on("click", function (params) {
    if (params.nodes.length) highlight(params.nodes[0]);
    else clearHighlight();
  });

  // type filters: the legend's checkboxes
  var hiddenKinds = new Set();
  function showKind(kind, on) {
    if (on) hiddenKinds.delete(kind); else hiddenKinds.add(kind);
    nodes.update(data.nodes.filter(function (n) { return n.group === kind; })
      .map(function (n) { return { id: n.id, hidden: !on }; }));
  }
  var boxes = document.querySelectorAll("#kgraph-legend input[type=checkbox]");
  boxes.forEach(function (box) {
    box.addEventListener("change", function () { showKind(box.value, box.checked); });
  });

  // search: exact name or alias first (case aside, then also hyphens, spaces and dots aside:
  // "gpt4" is GPT-4), then names that start with the query, then any part of a name
  var names = new Map();
  var folded = new Map();
  function fold(text) { return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ""); }
  var byWeight = data.nodes.slice().sort(function (a, b) {
    return (b.papers || 0) - (a.papers || 0) || (a.id < b.id ? -1 : 1);
  });
  byWeight.forEach(function (n) {
    [n.name].concat(n.aliases || []).forEach(function (name) {
      var key = name.toLowerCase();
      if (!names.has(key)) names.set(key, n.id);
      var bare = fold(name);
      if (bare && !folded.has(bare)) folded.set(bare, n.id);
    });
  });
  var list = document.getElementById("kgraph-names");
  byWeight.forEach(function (n) {
    var option = document.createElement("option");
    option.value = n.name;
    list.appendChild(option);
  });

  function find(query) {
    var q = query.trim().toLowerCase();
    if (!q) return null;
    if (names.has(q)) return names.get(q);
    var f = fold(q);
    if (!f) return null;
    if (folded.has(f)) return folded.get(f);
    var keys = Array.from(folded.keys());
    var hit = keys.find(function (k) { return k.startsWith(f); }) ||
      keys.find(function (k) { return k.indexOf(f) >= 0; });
    return hit === undefined ? null : folded.get(hit);
  }

  function focus(id) {
    var node = nodes.get(id);
    if (hiddenKinds.has(node.group)) {
      document.querySelector("#kgraph-legend input[value='" + node.group + "']").checked = true;
      showKind(node.group, true);
    }
    network.selectNodes([id]);
    highlight(id);
    // centre on the node, zoomed so that its neighbours are on screen too
    var positions = network.getPositions([id].concat(network.getConnectedNodes(id)));
    var here = positions[id];
    var dx = 1, dy = 1;
    Object.keys(positions).forEach(function (other) {
      dx = Math.max(dx, Math.abs(positions[other].x - here.x));
      dy = Math.max(dy, Math.abs(positions[other].y - here.y));
    });
    var scale = Math.min(1.5, (0.42 * container.clientWidth) / dx,
      (0.42 * container.clientHeight) / dy);
    network.moveTo({ position: here, scale: scale,
      animation: { duration: 400, easingFunction: "easeInOutQuad" } });
    status.textContent = node.name + " (" + node.group + ")";
  }

  document.getElementById("kgraph-search").addEventListener("submit", function (event) {
    event.preventDefault();
    var query = document.getElementById("kgraph-query").value;
    var id = find(query);
    if (id === null) status.textContent = "no match for \u201c" + query.trim() + "\u201d";
    else focus(id);
  });

  Object.assign(api, { network: network, nodes: nodes, edges: edges, find: find, focus: focus });
})();
