// Charts drawn by the page itself: inline SVG, no library. Each chart has axes with units, a hover read-out, and
// exposes what it drew (data-series, data-total, data-max on each series, data-t and data-v on each bar, data-t on the
// read-out: the step it shows) so tests and people can check the figures.

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  for (const c of children) if (c) node.append(c);
  return node;
}

// 1, 2, 5 × 10^n: a tick step that gives about `count` ticks up to `max`.
function niceStep(max, count) {
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

export function formatValue(v, unit) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (unit === 'ms') {
    if (v >= 60000) return `${(v / 60000).toFixed(1)} min`;
    if (v >= 1000) return `${(v / 1000).toFixed(v >= 10000 ? 0 : 1)} s`;
    return `${v >= 10 ? Math.round(v) : Math.round(v * 10) / 10} ms`;
  }
  const n = Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 100) / 100;
  return unit ? `${n} ${unit}` : String(n);
}

function timeLabel(t, withSeconds) {
  const d = new Date(t);
  const hh = String(d.getHours()).padStart(2, '0');
  const mm = String(d.getMinutes()).padStart(2, '0');
  return withSeconds ? `${hh}:${mm}:${String(d.getSeconds()).padStart(2, '0')}` : `${hh}:${mm}`;
}

/**
 * Draws a time chart into `box`. spec: { title, unit, yLabel, from, to, step (ms), kind: 'bars' | 'lines',
 * series: [{ name, label, color, values: [[t, v], ...] }] }. Bars stack in series order; lines overlay.
 */
export function drawChart(box, spec) {
  const width = Math.max(320, Math.floor(box.clientWidth || 640));
  const height = 180;
  const m = { left: 64, right: 12, top: 10, bottom: 28 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const { from, to, step, unit } = spec;
  const x = (t) => m.left + ((t - from) / (to - from)) * w;

  let max = 0;
  if (spec.kind === 'bars') {
    const totals = new Map();
    for (const s of spec.series) for (const [t, v] of s.values) totals.set(t, (totals.get(t) ?? 0) + (v ?? 0));
    for (const v of totals.values()) max = Math.max(max, v);
  } else {
    for (const s of spec.series) for (const [, v] of s.values) if (v !== null && v !== undefined) max = Math.max(max, v);
  }
  const yStep = niceStep(max > 0 ? max : 1, 4);
  const yMax = Math.max(yStep, Math.ceil((max || 1) / yStep) * yStep);
  const y = (v) => m.top + h - (v / yMax) * h;

  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: 'chart', role: 'img', 'aria-label': spec.title });
  // Axes: y ticks with the unit, x ticks at round times.
  const axes = svg('g', { class: 'axes' });
  for (let v = 0; v <= yMax + 1e-9; v += yStep) {
    axes.append(svg('line', { x1: m.left, x2: width - m.right, y1: y(v), y2: y(v), class: v === 0 ? 'base' : 'grid' }));
    const label = svg('text', { x: m.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' });
    label.textContent = formatValue(v, unit === 'ms' ? 'ms' : '');
    axes.append(label);
  }
  const yTitle = svg('text', { x: 11, y: m.top + h / 2, transform: `rotate(-90 11 ${m.top + h / 2})`, 'text-anchor': 'middle', class: 'axis-title' });
  yTitle.textContent = spec.yLabel ?? unit ?? '';
  axes.append(yTitle);
  const span = to - from;
  const xStepChoices = [10e3, 30e3, 60e3, 300e3, 600e3, 1800e3, 3600e3, 3 * 3600e3, 6 * 3600e3];
  const xStep = xStepChoices.find((s) => span / s <= 7) ?? 12 * 3600e3;
  const tz = new Date().getTimezoneOffset() * 60e3;
  for (let t = Math.ceil((from - tz) / xStep) * xStep + tz; t <= to; t += xStep) {
    axes.append(svg('line', { x1: x(t), x2: x(t), y1: m.top + h, y2: m.top + h + 4, class: 'base' }));
    const label = svg('text', { x: x(t), y: height - 8, 'text-anchor': 'middle', class: 'tick' });
    label.textContent = timeLabel(t, xStep < 60e3);
    axes.append(label);
  }
  root.append(axes);

  // Series.
  const barWidth = Math.max(1, (step / span) * w - (step / span * w > 4 ? 1 : 0));
  const stacked = new Map();
  for (const s of spec.series) {
    const total = s.values.reduce((a, [, v]) => a + (v ?? 0), 0);
    const peak = s.values.reduce((a, [, v]) => Math.max(a, v ?? 0), 0);
    const g = svg('g', { class: `series ${spec.kind}`, 'data-series': s.name, 'data-total': Math.round(total * 100) / 100, 'data-max': Math.round(peak * 100) / 100, fill: s.color, stroke: s.color });
    if (spec.kind === 'bars') {
      for (const [t, v] of s.values) {
        if (!v) continue;
        const base = stacked.get(t) ?? 0;
        stacked.set(t, base + v);
        g.append(svg('rect', { x: x(t), y: y(base + v), width: barWidth, height: Math.max(0.5, y(base) - y(base + v)), 'data-t': t, 'data-v': v }));
      }
    } else {
      let d = '';
      let pen = false;
      for (const [t, v] of s.values) {
        if (v === null || v === undefined) { pen = false; continue; }
        d += `${pen ? 'L' : 'M'}${x(t + step / 2).toFixed(1)},${y(v).toFixed(1)}`;
        pen = true;
      }
      g.append(svg('path', { d, fill: 'none', 'stroke-width': 1.8 }));
      // A point with no neighbour draws no line: mark it with a dot so a single sampled minute still shows.
      s.values.forEach(([t, v], i) => {
        const gap = (j) => j < 0 || j >= s.values.length || s.values[j][1] === null || s.values[j][1] === undefined;
        if (v !== null && v !== undefined && gap(i - 1) && gap(i + 1)) g.append(svg('circle', { cx: x(t + step / 2), cy: y(v), r: 2.5 }));
      });
    }
    root.append(g);
  }

  // Hover: a guide line and the values of the step under the pointer.
  const guide = svg('line', { y1: m.top, y2: m.top + h, class: 'guide', visibility: 'hidden' });
  const overlay = svg('rect', { x: m.left, y: m.top, width: w, height: h, class: 'overlay', fill: 'transparent' });
  root.append(guide, overlay);
  const tip = document.createElement('div');
  tip.className = 'chart-tip';
  tip.hidden = true;
  // The pointer's place survives a redraw (the live chart redraws every 2 s), so the read-out stays up while hovering.
  const show = (relX) => {
    const rect = root.getBoundingClientRect();
    const px = (relX / (rect.width || width)) * width;
    const t = from + Math.floor(((px - m.left) / w) * span / step) * step;
    guide.setAttribute('x1', x(t + step / 2));
    guide.setAttribute('x2', x(t + step / 2));
    guide.setAttribute('visibility', 'visible');
    const lines = [timeLabel(t, step < 60e3)];
    for (const s of spec.series) {
      const hit = s.values.find(([st]) => st === t);
      lines.push(`${s.label ?? s.name}: ${formatValue(hit ? hit[1] : (spec.kind === 'bars' ? 0 : null), unit)}`);
    }
    tip.textContent = lines.join('\n');
    tip.dataset.t = String(t);
    tip.hidden = false;
    tip.style.left = `${Math.min((rect.width || width) - 160, Math.max(0, relX + 12))}px`;
    tip.style.top = '8px';
  };
  overlay.addEventListener('mousemove', (ev) => {
    box.dataset.hoverX = String(ev.clientX - root.getBoundingClientRect().left);
    show(Number(box.dataset.hoverX));
  });
  overlay.addEventListener('mouseleave', () => { delete box.dataset.hoverX; tip.hidden = true; guide.setAttribute('visibility', 'hidden'); });

  const legend = document.createElement('div');
  legend.className = 'legend';
  for (const s of spec.series) {
    const item = document.createElement('span');
    const swatch = document.createElement('i');
    swatch.className = `swatch ${s.name}`;
    item.append(swatch, document.createTextNode(s.label ?? s.name));
    legend.append(item);
  }
  const title = document.createElement('h4');
  title.textContent = spec.title;
  const frame = document.createElement('div');
  frame.className = 'chart-frame';
  frame.append(root, tip);
  box.replaceChildren(title, legend, frame);
  box.dataset.drawn = String(Date.now());
  if (box.dataset.hoverX !== undefined) show(Number(box.dataset.hoverX));
}

// What a timeline mark or attempt stands for, in words.
const MARK_NAMES = {
  enqueued: 'queued', retry: 'retry scheduled', dead_lettered: 'dead-lettered', cancelled: 'cancelled', succeeded: 'attempt succeeded',
  failed: 'attempt failed', running: 'attempt running',
};

/**
 * A task's attempts on a time line, from its event log: queued, each attempt from start to its end (success, failure
 * or still running), retries and the final state. Returns the SVG; each attempt is a <g class="attempt"
 * data-attempt="n" data-outcome="succeeded|failed|running">.
 */
export function attemptTimeline(history, now = Date.now(), boxWidth = 720) {
  const events = history.map((e) => ({ ...e, t: new Date(e.at).getTime() })).filter((e) => !Number.isNaN(e.t)).sort((a, b) => a.sequence - b.sequence);
  if (events.length === 0) return null;
  const attempts = new Map();
  const marks = [];
  for (const e of events) {
    if (e.type === 'executing') attempts.set(e.attempt, { attempt: e.attempt, start: e.t, end: null, outcome: 'running', detail: e.detail });
    else if (e.type === 'complete' || e.type === 'error') {
      const a = attempts.get(e.attempt) ?? { attempt: e.attempt, start: e.t };
      a.end = e.t; a.outcome = e.type === 'complete' ? 'succeeded' : 'failed'; a.detail = e.detail;
      attempts.set(e.attempt, a);
    } else marks.push(e);
  }
  const list = [...attempts.values()].sort((a, b) => a.attempt - b.attempt);
  const t0 = events[0].t;
  const running = list.some((a) => a.outcome === 'running');
  const t1 = Math.max(events[events.length - 1].t, running ? now : 0, t0 + 1);
  const width = Math.max(360, Math.min(900, Math.floor(boxWidth)));
  const rowH = 22;
  const m = { left: 84, right: 72, top: 18, bottom: 40 };
  const height = m.top + rowH * (list.length + 1) + m.bottom;
  const w = width - m.left - m.right;
  const x = (t) => m.left + ((t - t0) / (t1 - t0)) * w;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: 'timeline', role: 'img', 'aria-label': 'Attempts timeline' });
  const label = (text, px, py, anchor = 'start', cls = 'tick') => { const n = svg('text', { x: px, y: py, 'text-anchor': anchor, class: cls }); n.textContent = text; return n; };
  // Row 0: what happened to the task itself (queued, retry scheduled, dead-lettered, ...).
  root.append(label('task', m.left - 8, m.top + 14, 'end'));
  for (const e of marks) {
    const g = svg('g', { class: `mark ${e.type}`, 'data-type': e.type });
    g.append(svg('circle', { cx: x(e.t), cy: m.top + 10, r: 5 }));
    const title = svg('title');
    title.textContent = `${e.type} · ${new Date(e.t).toLocaleTimeString()}${e.detail ? ` · ${e.detail}` : ''}`;
    g.append(title);
    root.append(g);
  }
  list.forEach((a, i) => {
    const top = m.top + rowH * (i + 1);
    const end = a.end ?? now;
    const g = svg('g', { class: `attempt ${a.outcome}`, 'data-attempt': a.attempt, 'data-outcome': a.outcome });
    g.append(label(`attempt ${a.attempt}`, m.left - 8, top + 14, 'end'));
    // The wait before the attempt: from when the task became runnable (queued, or its retry was scheduled) to its start.
    const since = marks.filter((e) => (e.type === 'enqueued' || e.type === 'retry') && e.t <= a.start).at(-1);
    if (since) {
      g.append(svg('line', { x1: x(since.t), x2: x(a.start), y1: top + 11, y2: top + 11, class: since.type === 'retry' ? 'wait backoff' : 'wait' }));
    }
    g.append(svg('rect', { x: x(a.start), y: top + 3, width: Math.max(3, x(end) - x(a.start)), height: rowH - 8, rx: 3 }));
    const title = svg('title');
    title.textContent = `attempt ${a.attempt}: ${a.outcome} after ${formatValue(end - a.start, 'ms')}${a.detail ? ` · ${a.detail}` : ''}`;
    g.append(title);
    g.append(label(formatValue(end - a.start, 'ms'), x(end) + 5, top + 14, 'start', 'tick'));
    root.append(g);
  });
  const axisY = height - m.bottom;
  root.append(svg('line', { x1: m.left, x2: width - m.right, y1: axisY, y2: axisY, class: 'base' }));
  root.append(label(new Date(t0).toLocaleTimeString(), m.left, axisY + 14, 'start'));
  // Where the x axis ends: the last event, or now while an attempt runs.
  root.append(label(`+${formatValue(t1 - t0, 'ms')}`, width - m.right, axisY + 14, 'end'));
  // A key for what this timeline shows: the marks' kinds and the attempts' outcomes, so no dot or colour needs a hover.
  const keys = [...new Set(marks.map((e) => `mark ${e.type}`)), ...new Set(list.map((a) => `attempt ${a.outcome}`))];
  let kx = m.left;
  for (const key of keys) {
    const [what, kind] = key.split(' ');
    const g = svg('g', { class: `key ${what} ${kind}` });
    g.append(what === 'mark' ? svg('circle', { cx: kx + 4, cy: height - 9, r: 4 }) : svg('rect', { x: kx, y: height - 13, width: 10, height: 8, rx: 2 }));
    const text = MARK_NAMES[kind] ?? kind.replace(/_/g, ' ');
    g.append(label(text, kx + 14, height - 5, 'start'));
    root.append(g);
    kx += 26 + text.length * 6.2;
  }
  return root;
}
