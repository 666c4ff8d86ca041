// Remit console: the SVG charts and the escalation graph, drawn with DOM calls only (no HTML
// parsing, no inline style: colours come from classes in app.css, which the CSP allows).

const NS = "http://www.w3.org/2000/svg";

/** An SVG element with attributes and children (strings become text nodes). */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== undefined && v !== null && v !== false) el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === "string" || typeof c === "number" ? String(c) : c);
  }
  return el;
}

/** The root <svg> of a chart: an image for assistive technology, with its own title. */
function chartRoot(width, height, label) {
  return s("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img", "aria-label": label, class: "chart" },
    s("title", {}, label));
}

/** Round tick values for an axis from 0 to `max`. */
function ticks(max, count = 4) {
  if (max <= 0) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((x) => x >= raw) || raw;
  const out = [];
  for (let v = 0; v <= max + step * 0.001; v += step) out.push(Math.round(v * 1000) / 1000);
  if (out[out.length - 1] < max) out.push(out[out.length - 1] + step);
  return out;
}

/**
 * A stacked area chart (one point per x), series stacked bottom-up in `series` order.
 * points: [{label, values: {key: n}}]; series: [{key, label, cls}].
 */
export function stackedArea(points, series, label) {
  const W = 560, H = 220, L = 40, R = 12, T = 12, B = 34;
  const svg = chartRoot(W, H, label);
  const totals = points.map((p) => series.reduce((a, se) => a + (Number(p.values[se.key]) || 0), 0));
  const axis = ticks(Math.max(1, ...totals));
  const top = axis[axis.length - 1];
  const x = (i) => (points.length === 1 ? L + (W - L - R) / 2 : L + (i * (W - L - R)) / (points.length - 1));
  const y = (v) => T + (H - T - B) * (1 - v / top);
  for (const t of axis) {
    svg.append(s("line", { x1: L, x2: W - R, y1: y(t), y2: y(t), class: "grid" }));
    svg.append(s("text", { x: L - 6, y: y(t) + 4, class: "tick", "text-anchor": "end" }, t));
  }
  const base = points.map(() => 0);
  for (const se of series) {
    const upper = points.map((p, i) => base[i] + (Number(p.values[se.key]) || 0));
    if (points.length === 1) {
      svg.append(s("rect", { x: x(0) - 20, width: 40, y: y(upper[0]), height: Math.max(0, y(base[0]) - y(upper[0])), class: `fill-${se.cls}` },
        s("title", {}, `${se.label}: ${upper[0] - base[0]}`)));
    } else {
      const fwd = upper.map((v, i) => `${x(i)},${y(v)}`);
      const back = base.map((v, i) => `${x(i)},${y(v)}`).reverse();
      svg.append(s("polygon", { points: [...fwd, ...back].join(" "), class: `area fill-${se.cls}` },
        s("title", {}, `${se.label}: ${points.map((p) => Number(p.values[se.key]) || 0).join(" → ")}`)));
      svg.append(s("polyline", { points: fwd.join(" "), class: `line stroke-${se.cls}` }));
    }
    upper.forEach((v, i) => { base[i] = v; });
  }
  points.forEach((p, i) => {
    svg.append(s("circle", { cx: x(i), cy: y(totals[i]), r: 3, class: "dot" }, s("title", {}, `${p.label}: ${totals[i]} findings`)));
    svg.append(s("text", { x: x(i), y: H - B + 16, class: "tick", "text-anchor": points.length === 1 ? "middle" : i === 0 ? "start" : i === points.length - 1 ? "end" : "middle" }, p.label));
  });
  svg.append(s("line", { x1: L, x2: W - R, y1: y(0), y2: y(0), class: "axis" }));
  return svg;
}

/** Vertical bars: [{label, value, cls?, title?}]. */
export function bars(items, label, { height = 200, valueLabels = true } = {}) {
  const W = 560, H = height, L = 36, R = 8, T = 14, B = 30;
  const svg = chartRoot(W, H, label);
  const axis = ticks(Math.max(1, ...items.map((it) => Number(it.value) || 0)));
  const top = axis[axis.length - 1];
  const y = (v) => T + (H - T - B) * (1 - v / top);
  for (const t of axis) {
    svg.append(s("line", { x1: L, x2: W - R, y1: y(t), y2: y(t), class: "grid" }));
    svg.append(s("text", { x: L - 6, y: y(t) + 4, class: "tick", "text-anchor": "end" }, t));
  }
  const slot = (W - L - R) / Math.max(1, items.length);
  const bw = Math.min(48, slot * 0.7);
  items.forEach((it, i) => {
    const v = Number(it.value) || 0;
    const cx = L + slot * i + slot / 2;
    svg.append(s("rect", { x: cx - bw / 2, y: y(v), width: bw, height: Math.max(0, y(0) - y(v)), class: `bar ${it.cls || "fill-accent"}` },
      s("title", {}, it.title || `${it.label}: ${v}`)));
    if (valueLabels) svg.append(s("text", { x: cx, y: y(v) - 4, class: "value", "text-anchor": "middle" }, v));
    svg.append(s("text", { x: cx, y: H - B + 16, class: "tick", "text-anchor": "middle" }, it.label));
  });
  svg.append(s("line", { x1: L, x2: W - R, y1: y(0), y2: y(0), class: "axis" }));
  return svg;
}

/** A small horizontal bar for table cells: parts [{value, cls}] out of `max`. */
export function meter(parts, max, label) {
  const W = 120, H = 10;
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "none", class: "meter", role: "img", "aria-label": label },
    s("title", {}, label), s("rect", { x: 0, y: 0, width: W, height: H, rx: 2, class: "meter-bg" }));
  let x = 0;
  for (const p of parts) {
    const w = max > 0 ? (W * (Number(p.value) || 0)) / max : 0;
    if (w > 0) svg.append(s("rect", { x, y: 0, width: w, height: H, class: p.cls }));
    x += w;
  }
  return svg;
}

/** The last part of an ARN (`role/path/Name` → `Name`), for labels. */
export function shortName(arn) {
  const text = String(arn);
  const tail = text.includes(":") ? text.slice(text.lastIndexOf(":") + 1) : text;
  const parts = tail.split("/").filter(Boolean);
  return parts.length ? parts[parts.length - 1] : text;
}

/**
 * The escalation graph, laid out left to right: each node sits in the column of its shortest
 * distance from the start; edges are curves with an arrow and the technique as their label.
 * edges: [{from, to, label}]; start: the identity's ARN; link(arn) → href for a node (or
 * null); targets: the nodes where paths end (drawn in red).
 */
export function flowGraph(edges, start, link, label, targets = new Set()) {
  const nodes = new Map();
  const add = (id) => { if (!nodes.has(id)) nodes.set(id, { id, layer: Infinity }); };
  add(start);
  edges.forEach((e) => { add(e.from); add(e.to); });
  nodes.get(start).layer = 0;
  const queue = [start];
  while (queue.length) {
    const n = queue.shift();
    for (const e of edges) {
      if (e.from === n && nodes.get(e.to).layer === Infinity) {
        nodes.get(e.to).layer = nodes.get(n).layer + 1;
        queue.push(e.to);
      }
    }
  }
  // Nodes no path from the start reaches (another path's own start) go in the first column.
  for (const n of nodes.values()) if (n.layer === Infinity) n.layer = 0;
  const layers = [];
  for (const n of nodes.values()) (layers[n.layer] ||= []).push(n);
  const NW = 170, NH = 40, GX = 220, GY = 34, PAD = 16;
  const rows = Math.max(...layers.map((l) => (l ? l.length : 0)));
  const W = PAD * 2 + layers.length * NW + (layers.length - 1) * GX;
  const H = PAD * 2 + rows * NH + (rows - 1) * GY;
  layers.forEach((l, col) => (l || []).forEach((n, row) => {
    const offset = ((rows - l.length) * (NH + GY)) / 2;
    n.x = PAD + col * (NW + GX);
    n.y = PAD + offset + row * (NH + GY);
  }));
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, width: Math.min(W, 1100), role: "img", "aria-label": label, class: "graph" },
    s("title", {}, label),
    s("defs", {}, s("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
      s("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrow" }))));
  const seen = new Set();
  edges.forEach((e) => {
    const key = `${e.from}\u0000${e.to}\u0000${e.label}`;
    if (seen.has(key)) return;
    seen.add(key);
    const a = nodes.get(e.from), b = nodes.get(e.to);
    const x1 = a.x + NW, y1 = a.y + NH / 2, x2 = b.x, y2 = b.y + NH / 2;
    const back = x2 <= x1;
    const d = back
      ? `M ${a.x + NW / 2} ${a.y + NH} C ${a.x + NW / 2} ${a.y + NH + 40}, ${b.x + NW / 2} ${b.y + NH + 40}, ${b.x + NW / 2} ${b.y + NH}`
      : `M ${x1} ${y1} C ${x1 + GX / 2} ${y1}, ${x2 - GX / 2} ${y2}, ${x2} ${y2}`;
    svg.append(s("path", { d, class: "edge", "marker-end": "url(#arrow)" }, s("title", {}, `${e.from} → ${e.to}: ${e.label}`)));
    const lx = back ? (a.x + b.x + NW) / 2 : (x1 + x2) / 2;
    const ly = back ? Math.max(a.y, b.y) + NH + 34 : (y1 + y2) / 2 - 6;
    svg.append(s("text", { x: lx, y: ly, class: "edge-label", "text-anchor": "middle" }, truncate(e.label, 34)));
  });
  for (const n of nodes.values()) {
    const cls = n.id === start ? "node start" : targets.has(n.id) ? "node target" : "node";
    const g = s("g", { class: cls },
      s("title", {}, n.id),
      s("rect", { x: n.x, y: n.y, width: NW, height: NH, rx: 6 }),
      s("text", { x: n.x + NW / 2, y: n.y + NH / 2 + 4, "text-anchor": "middle" }, truncate(shortName(n.id), 22)));
    const href = link(n.id);
    svg.append(href ? s("a", { href }, g) : g);
  }
  return svg;
}

function truncate(text, n) {
  const t = String(text ?? "");
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
}
