// lifecircle report map: draws the layers embedded in the page's JSON data block (id "data") on a canvas.
// Pan: drag. Zoom: mouse wheel or the + / - buttons. "Fit" shows everything. Click a feature for its fields.
// Coordinates are projected with a local equirectangular projection about the data's centre (metres east and
// north), the same as the printable map (src/report/local_projection.rs).
// Every word this script writes comes from the data block (data.ui, layer titles, legend labels, field
// aliases, value names), in the report's language: there is no text in this file.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("data").textContent);
  const canvas = document.getElementById("map");
  const ctx = canvas.getContext("2d");
  const info = document.getElementById("info");
  const EARTH_RADIUS_M = 6371008.8;
  const DEG = Math.PI / 180;
  const FONT = '"Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", "DejaVu Sans", sans-serif';
  const ui = data.ui || {};
  const valueNames = data.value_names || {};
  function fill(template, value) {
    return String(template || "{value}").replace("{value}", value);
  }
  // A value as a pop-up shows it: category keys, tiers and verdicts by their names, booleans as yes / no.
  function valueText(value, kind) {
    if (value === null || value === undefined) return "—";
    if (Array.isArray(value)) return value.map(v => valueText(v, kind)).join(ui.list_separator || ", ");
    if (kind === "bool") return value ? ui.yes : ui.no;
    // Measures to at most 3 decimals (9476.462, not 9476.461692034716); ids and counts as they are.
    if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(Math.round(value * 1000) / 1000);
    const names = valueNames[kind];
    if (names && Object.prototype.hasOwnProperty.call(names, value)) return names[value];
    return String(value);
  }

  // ---- projection -------------------------------------------------------------------------------------
  const extent = data.extent || [0, 0, 0, 0];
  const lon0 = (extent[0] + extent[2]) / 2;
  const lat0 = (extent[1] + extent[3]) / 2;
  const mPerDegLat = EARTH_RADIUS_M * DEG;
  const mPerDegLon = mPerDegLat * Math.cos(lat0 * DEG);
  function project(p) {
    return [(p[0] - lon0) * mPerDegLon, (p[1] - lat0) * mPerDegLat];
  }

  // ---- geometry, projected once: {points: [[x,y]], lines: [[[x,y]...]], polygons: [[ring, ring...]]} ------
  function collect(geometry, out) {
    if (!geometry) return;
    const c = geometry.coordinates;
    switch (geometry.type) {
      case "Point": out.points.push(project(c)); break;
      case "MultiPoint": c.forEach(p => out.points.push(project(p))); break;
      case "LineString": out.lines.push(c.map(project)); break;
      case "MultiLineString": c.forEach(l => out.lines.push(l.map(project))); break;
      case "Polygon": out.polygons.push(c.map(r => r.map(project))); break;
      case "MultiPolygon": c.forEach(p => out.polygons.push(p.map(r => r.map(project)))); break;
      case "GeometryCollection": geometry.geometries.forEach(g => collect(g, out)); break;
    }
  }
  function boundsOf(shape) {
    const b = [Infinity, Infinity, -Infinity, -Infinity];
    const add = p => { b[0] = Math.min(b[0], p[0]); b[1] = Math.min(b[1], p[1]); b[2] = Math.max(b[2], p[0]); b[3] = Math.max(b[3], p[1]); };
    shape.points.forEach(add);
    shape.lines.forEach(l => l.forEach(add));
    shape.polygons.forEach(p => p[0].forEach(add));
    return b;
  }
  const layers = data.layers.map(layer => ({
    layer: layer,
    visible: true,
    features: layer.features.map(f => {
      const shape = { points: [], lines: [], polygons: [] };
      collect(f.geometry, shape);
      return { source: f, shape: shape, bounds: boundsOf(shape) };
    }),
  }));

  // ---- view: centre in metres and pixels per metre ------------------------------------------------------
  const view = { cx: 0, cy: 0, scale: 1 };
  let selected = null;
  function size() {
    return [canvas.clientWidth, canvas.clientHeight];
  }
  function toScreen(p) {
    const [w, h] = size();
    return [w / 2 + (p[0] - view.cx) * view.scale, h / 2 - (p[1] - view.cy) * view.scale];
  }
  function toWorld(sx, sy) {
    const [w, h] = size();
    return [view.cx + (sx - w / 2) / view.scale, view.cy - (sy - h / 2) / view.scale];
  }
  function fit() {
    const [w, h] = size();
    const [x0, y0] = project([extent[0], extent[1]]);
    const [x1, y1] = project([extent[2], extent[3]]);
    const spanX = Math.max(x1 - x0, 200), spanY = Math.max(y1 - y0, 200);
    view.cx = (x0 + x1) / 2;
    view.cy = (y0 + y1) / 2;
    view.scale = 0.92 * Math.min(w / spanX, h / spanY);
    draw();
  }
  function zoomAt(factor, sx, sy) {
    const before = toWorld(sx, sy);
    view.scale = Math.min(Math.max(view.scale * factor, 1e-4), 200);
    const after = toWorld(sx, sy);
    view.cx += before[0] - after[0];
    view.cy += before[1] - after[1];
    draw();
  }

  // ---- drawing ------------------------------------------------------------------------------------------
  const hatchPatterns = {};
  function hatch(colour) {
    if (!hatchPatterns[colour]) {
      const tile = document.createElement("canvas");
      tile.width = tile.height = 8;
      const t = tile.getContext("2d");
      t.strokeStyle = colour;
      t.lineWidth = 1.5;
      t.beginPath();
      t.moveTo(0, 8); t.lineTo(8, 0);
      t.moveTo(-2, 2); t.lineTo(2, -2);
      t.moveTo(6, 10); t.lineTo(10, 6);
      t.stroke();
      hatchPatterns[colour] = ctx.createPattern(tile, "repeat");
    }
    return hatchPatterns[colour];
  }
  function tracePath(rings, close) {
    rings.forEach(ring => {
      ring.forEach((p, i) => {
        const [x, y] = toScreen(p);
        if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      });
      if (close) ctx.closePath();
    });
  }
  function star(x, y, r) {
    ctx.beginPath();
    for (let i = 0; i < 10; i++) {
      const radius = i % 2 === 0 ? r : r * 0.45;
      const a = -Math.PI / 2 + i * Math.PI / 5;
      if (i === 0) ctx.moveTo(x + radius * Math.cos(a), y + radius * Math.sin(a));
      else ctx.lineTo(x + radius * Math.cos(a), y + radius * Math.sin(a));
    }
    ctx.closePath();
  }
  function drawFeature(feature, symbol, highlight) {
    const s = feature.shape;
    const strokeWidth = highlight ? symbol.width + 3 : symbol.width;
    const stroke = highlight ? "#ffd700" : symbol.stroke;
    s.polygons.forEach(rings => {
      ctx.beginPath();
      tracePath(rings, true);
      if (symbol.fill) { ctx.fillStyle = symbol.fill; ctx.fill("evenodd"); }
      if (symbol.hatch) { ctx.fillStyle = hatch(symbol.hatch); ctx.fill("evenodd"); }
      if (stroke) { ctx.strokeStyle = stroke; ctx.lineWidth = strokeWidth; ctx.stroke(); }
    });
    s.lines.forEach(line => {
      ctx.beginPath();
      tracePath([line], false);
      ctx.strokeStyle = stroke || "#666666";
      ctx.lineWidth = strokeWidth;
      ctx.stroke();
    });
    s.points.forEach(p => {
      const [x, y] = toScreen(p);
      const r = symbol.radius + (highlight ? 3 : 0);
      if (symbol.marker === "star") star(x, y, r);
      else { ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI); }
      ctx.fillStyle = symbol.fill || "#8073ac";
      ctx.fill();
      if (stroke) { ctx.strokeStyle = stroke; ctx.lineWidth = highlight ? 3 : 1; ctx.stroke(); }
    });
  }
  // Labels never print over each other: each is drawn only where no label drawn before it stands (the
  // bundles' first, then the plan's sites, then the rest), as map labelling engines do; zoom in for more.
  const placedLabels = [];
  const labelPriority = l => (l.layer.role === "Bundles" ? 0 : l.layer.name === "sites" ? 1 : 2);
  const labelledLayers = layers.slice().sort((a, b) => labelPriority(a) - labelPriority(b));
  function drawLabel(feature, text) {
    const s = feature.shape;
    const [w, h] = size();
    ctx.font = "bold 13px " + FONT;
    // Sites sharing a point have one label of several lines, read downwards.
    let lines = text.split("\n");
    const widest = ls => Math.max(...ls.map(line => ctx.measureText(line).width));
    let width = widest(lines);
    // A point's label stands to its right, or to its left where the right runs off the map; a label too
    // long for either side (the categories of one shared site, joined by " · ") breaks into one line per
    // part. An area's label is centred, moved inside the map where it would be cut; a label of several
    // lines moves up rather than run off the bottom.
    let x;
    let y;
    let left;
    if (s.points.length) {
      [x, y] = toScreen(s.points[0]);
      y -= 8;
      const fitsRight = wd => x + 10 + wd + 2 <= w;
      const fitsLeft = wd => x - 10 - wd >= 2;
      if (!fitsRight(width) && !fitsLeft(width) && text.includes(" · ")) {
        lines = lines.flatMap(line => line.split(" · "));
        width = widest(lines);
      }
      left = fitsRight(width) || !fitsLeft(width) ? Math.min(x + 10, w - width - 2) : x - 10 - width;
    } else {
      const b = feature.bounds;
      [x, y] = toScreen([(b[0] + b[2]) / 2, (b[1] + b[3]) / 2]);
      left = Math.min(x - width / 2, w - width - 2);
    }
    left = Math.max(2, left);
    ctx.textAlign = "left";
    const height = 16 * (lines.length - 1);
    const anchor = [left, Math.max(15, Math.min(y, h - height - 6))];
    const box = [left - 2, anchor[1] - 13, left + width + 2, anchor[1] + height + 4];
    if (placedLabels.some(b => box[0] < b[2] && b[0] < box[2] && box[1] < b[3] && b[1] < box[3])) return;
    placedLabels.push(box);
    ctx.lineWidth = 3;
    ctx.strokeStyle = "rgba(255,255,255,0.9)";
    ctx.fillStyle = "#222222";
    lines.forEach((line, i) => {
      ctx.strokeText(line, anchor[0], anchor[1] + i * 16);
      ctx.fillText(line, anchor[0], anchor[1] + i * 16);
    });
  }
  function drawScaleBar() {
    const [, h] = size();
    const target = 150 / view.scale;
    const power = Math.pow(10, Math.floor(Math.log10(target)));
    const metres = [5, 2, 1].map(m => m * power).find(m => m <= target) || power;
    const px = metres * view.scale;
    const label = metres >= 1000 ? fill(ui.kilometres, metres / 1000) : fill(ui.metres, metres);
    ctx.fillStyle = "rgba(255,255,255,0.85)";
    ctx.fillRect(8, h - 38, px + 24, 30);
    ctx.strokeStyle = "#222222";
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(20, h - 22); ctx.lineTo(20, h - 16); ctx.lineTo(20 + px, h - 16); ctx.lineTo(20 + px, h - 22);
    ctx.stroke();
    ctx.fillStyle = "#222222";
    ctx.font = "12px " + FONT;
    ctx.textAlign = "left";
    ctx.fillText(label, 22, h - 24);
  }
  function draw() {
    const [w, h] = size();
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
      canvas.width = Math.round(w * ratio);
      canvas.height = Math.round(h * ratio);
    }
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.fillStyle = "#f7f7f2";
    ctx.fillRect(0, 0, w, h);
    ctx.lineJoin = "round";
    ctx.lineCap = "round";
    const viewBounds = [...toWorld(0, h), ...toWorld(w, 0)];
    const inView = b => !(b[2] < viewBounds[0] || b[0] > viewBounds[2] || b[3] < viewBounds[1] || b[1] > viewBounds[3]);
    layers.forEach(l => {
      if (!l.visible) return;
      l.features.forEach(f => { if (inView(f.bounds)) drawFeature(f, l.layer.symbols[f.source.symbol], false); });
    });
    if (selected && selected.layer.visible) drawFeature(selected.feature, selected.layer.layer.symbols[selected.feature.source.symbol], true);
    placedLabels.length = 0;
    labelledLayers.forEach(l => {
      if (!l.visible) return;
      l.features.forEach(f => { if (f.source.label && inView(f.bounds)) drawLabel(f, f.source.label); });
    });
    drawScaleBar();
    ctx.fillStyle = "#444444";
    ctx.font = "11px " + FONT;
    ctx.textAlign = "right";
    ctx.fillText(document.getElementById("attribution").textContent, w - 8, h - 8);
  }

  // ---- picking ------------------------------------------------------------------------------------------
  function insideRings(rings, p) {
    let inside = false;
    rings.forEach(ring => {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const a = ring[i], b = ring[j];
        if ((a[1] > p[1]) !== (b[1] > p[1]) && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0]) inside = !inside;
      }
    });
    return inside;
  }
  function segmentDistance(p, a, b) {
    const dx = b[0] - a[0], dy = b[1] - a[1];
    const t = dx === 0 && dy === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)));
    return Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
  }
  function hits(feature, symbol, world) {
    const tolerance = 5 / view.scale;
    const s = feature.shape;
    if (s.points.some(p => Math.hypot(p[0] - world[0], p[1] - world[1]) <= (symbol.radius + 3) / view.scale)) return true;
    if (s.lines.some(l => l.some((p, i) => i > 0 && segmentDistance(world, l[i - 1], p) <= tolerance))) return true;
    // An outline-only polygon (a bundle) is picked near its outline, so the estates inside stay clickable.
    if (!symbol.fill && !symbol.hatch) {
      return s.polygons.some(rings => rings.some(r => r.some((p, i) => i > 0 && segmentDistance(world, r[i - 1], p) <= tolerance)));
    }
    return s.polygons.some(rings => insideRings(rings, world));
  }
  function pick(sx, sy) {
    const world = toWorld(sx, sy);
    for (let i = layers.length - 1; i >= 0; i--) {
      const l = layers[i];
      if (!l.visible) continue;
      for (let j = l.features.length - 1; j >= 0; j--) {
        if (hits(l.features[j], l.layer.symbols[l.features[j].source.symbol], world)) return { layer: l, feature: l.features[j] };
      }
    }
    return null;
  }
  function showInfo(hit) {
    info.textContent = "";
    if (!hit) {
      info.appendChild(document.createTextNode(ui.click_hint || ""));
      return;
    }
    const heading = document.createElement("h3");
    heading.textContent = hit.layer.layer.title + " (" + hit.layer.layer.name + ")";
    info.appendChild(heading);
    const table = document.createElement("table");
    const layer = hit.layer.layer;
    layer.fields.forEach((name, i) => {
      const row = table.insertRow();
      const label = row.insertCell();
      label.textContent = (layer.aliases && layer.aliases[i]) || name;
      label.title = name;
      row.insertCell().textContent = valueText(hit.feature.source.values[i], layer.value_kinds ? layer.value_kinds[i] : "");
    });
    info.appendChild(table);
  }

  // ---- controls -----------------------------------------------------------------------------------------
  function swatch(symbol, geometry) {
    const c = document.createElement("canvas");
    c.width = c.height = 16;
    c.className = "swatch";
    const g = c.getContext("2d");
    if (geometry === "point") {
      if (symbol.marker === "star") {
        g.beginPath();
        for (let i = 0; i < 10; i++) {
          const r = i % 2 === 0 ? 7 : 3.2, a = -Math.PI / 2 + i * Math.PI / 5;
          g.lineTo(8 + r * Math.cos(a), 8 + r * Math.sin(a));
        }
        g.closePath();
      } else {
        g.beginPath();
        g.arc(8, 8, 5, 0, 2 * Math.PI);
      }
      g.fillStyle = symbol.fill || "#8073ac";
      g.fill();
      return c;
    }
    if (geometry === "line") {
      g.strokeStyle = symbol.stroke || "#666666";
      g.lineWidth = Math.max(symbol.width, 1.5);
      g.beginPath(); g.moveTo(1, 8); g.lineTo(15, 8); g.stroke();
      return c;
    }
    if (symbol.fill) { g.fillStyle = symbol.fill; g.fillRect(2, 2, 12, 12); }
    if (symbol.hatch) {
      g.strokeStyle = symbol.hatch;
      g.save(); g.beginPath(); g.rect(2, 2, 12, 12); g.clip();
      g.beginPath();
      for (let k = -12; k < 16; k += 5) { g.moveTo(2 + k, 14); g.lineTo(14 + k, 2); }
      g.stroke(); g.restore();
    }
    if (symbol.stroke) { g.strokeStyle = symbol.stroke; g.lineWidth = Math.min(symbol.width, 3); g.strokeRect(2, 2, 12, 12); }
    return c;
  }
  const list = document.getElementById("layers");
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i];
    const item = document.createElement("li");
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = true;
    box.addEventListener("change", () => { l.visible = box.checked; draw(); });
    label.appendChild(box);
    label.appendChild(document.createTextNode(" " + l.layer.title + " (" + l.layer.features.length + ")"));
    item.appendChild(label);
    const legend = document.createElement("ul");
    l.layer.legend.forEach(entry => {
      const li = document.createElement("li");
      li.appendChild(swatch(l.layer.symbols[entry.symbol], l.layer.geometry));
      li.appendChild(document.createTextNode(" " + entry.label));
      legend.appendChild(li);
    });
    item.appendChild(legend);
    list.appendChild(item);
  }
  document.getElementById("zoom-in").addEventListener("click", () => { const [w, h] = size(); zoomAt(1.5, w / 2, h / 2); });
  document.getElementById("zoom-out").addEventListener("click", () => { const [w, h] = size(); zoomAt(1 / 1.5, w / 2, h / 2); });
  document.getElementById("zoom-fit").addEventListener("click", fit);
  canvas.addEventListener("wheel", e => {
    e.preventDefault();
    const r = canvas.getBoundingClientRect();
    zoomAt(Math.pow(1.0015, -e.deltaY), e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });
  let drag = null;
  canvas.addEventListener("pointerdown", e => {
    drag = { x: e.clientX, y: e.clientY, cx: view.cx, cy: view.cy, moved: false };
    try { canvas.setPointerCapture(e.pointerId); } catch (err) { /* synthetic or already released pointer */ }
  });
  canvas.addEventListener("pointermove", e => {
    if (!drag) return;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    view.cx = drag.cx - dx / view.scale;
    view.cy = drag.cy + dy / view.scale;
    draw();
  });
  canvas.addEventListener("pointerup", e => {
    if (drag && !drag.moved) {
      const r = canvas.getBoundingClientRect();
      selected = pick(e.clientX - r.left, e.clientY - r.top);
      showInfo(selected);
      draw();
    }
    drag = null;
  });
  window.addEventListener("resize", draw);
  showInfo(null);
  if (data.extent) fit(); else draw();
})();
