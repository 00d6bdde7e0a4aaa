// OmniActors queue dashboard. Plain ES module, no build step. Every call goes to the silo's own /api with the
// session cookie (HttpOnly: this script never sees it); state-changing calls add the CSRF header the silo requires.
// All data is written with textContent, never parsed as HTML.

import { drawChart, attemptTimeline } from './charts.js';

const CSRF_HEADER = 'X-Omni-Csrf';
const REFRESH_MS = 3000;
const FEED_MAX = 200;
// Events the feed shows from the event log when it opens, before live ones.
const FEED_BACKFILL = 50;

const $ = (sel, root = document) => root.querySelector(sel);

class ApiError extends Error {
  constructor(status, code, message, missing) {
    super(message);
    this.status = status;
    this.code = code;
    // The silo has no such route (a feature another branch adds): show "not available", not an error.
    this.missing = missing;
  }
}

async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers[CSRF_HEADER] = '1';
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method, headers, credentials: 'same-origin', cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401) {
    location.assign('/dashboard/login');
    throw new ApiError(401, 'session_invalid', 'Session ended', false);
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!res.ok) {
    const code = data && typeof data.code === 'string' ? data.code : null;
    const message = (data && (data.detail || data.title)) || `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, code, message, !code && (res.status === 404 || res.status === 405));
  }
  return data;
}

const items = (data) => Array.isArray(data) ? data : (data && Array.isArray(data.items) ? data.items : []);

// ---------- small DOM helpers ----------

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

const td = (content, cls) => el('td', { class: cls }, content ?? '');
const badge = (text, cls) => el('span', { class: `badge ${cls ?? text}` }, text);
const taskLink = (id) => el('a', { href: `#task/${encodeURIComponent(id)}`, class: 'task-link' }, el('code', { text: id }));

function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
}

function relative(iso) {
  if (!iso) return '';
  const s = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
  const a = Math.abs(s);
  const text = a < 60 ? `${a}s` : a < 3600 ? `${Math.round(a / 60)}m` : a < 86400 ? `${Math.round(a / 3600)}h` : `${Math.round(a / 86400)}d`;
  return s >= 0 ? `in ${text}` : `${text} ago`;
}

// To the millisecond: a task's events are often within one second of each other.
function clock(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso)
    : d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3 });
}

// An event's detail in words: a retry's detail is when the next attempt is due.
function eventDetail(e) {
  if (!e.detail) return '';
  if (e.type === 'retry' && !Number.isNaN(Date.parse(e.detail))) return `next attempt due ${clock(e.detail)}`;
  return String(e.detail);
}

const json = (v) => v === undefined || v === null ? '' : JSON.stringify(v, null, 2);

let toastTimer;
function toast(message, bad = false) {
  const t = $('#toast');
  t.textContent = message;
  t.className = bad ? 'toast bad' : 'toast';
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, 4000);
}

// A button that runs an action, disabled while it runs, reporting failures.
function actionButton(label, run, { danger = false, confirm = false } = {}) {
  const b = el('button', { type: 'button', class: danger ? 'danger' : undefined }, label);
  let armed = false;
  b.addEventListener('click', async () => {
    if (confirm && !armed) {
      // Two clicks instead of window.confirm: explicit, and it works the same for people and tests.
      armed = true;
      b.textContent = `Confirm ${label.toLowerCase()}`;
      b.className = 'confirm';
      setTimeout(() => { armed = false; b.textContent = label; b.className = danger ? 'danger' : ''; }, 5000);
      return;
    }
    b.disabled = true;
    try {
      const message = await run();
      if (message) toast(message);
    } catch (e) {
      toast(e.missing ? 'Not available on this silo.' : `Failed: ${e.message}`, true);
    } finally {
      b.disabled = false;
      refreshSoon(0);
    }
  });
  return b;
}

function fill(tbody, rows, emptyNode) {
  tbody.replaceChildren(...rows);
  if (emptyNode) emptyNode.hidden = rows.length > 0;
}

// ---------- views ----------

const views = {};
let current = 'queues';
let currentArg = null;

views.queues = async () => {
  const queues = items(await api('GET', '/api/queues'));
  queues.sort((a, b) => a.queue.localeCompare(b.queue));
  $('#queue-names').replaceChildren(...queues.map((q) => el('option', { value: q.queue })));
  const rows = queues.map((q) => el('tr', { dataset: { queue: q.queue } },
    td(el('a', { href: `#tasks?queue=${encodeURIComponent(q.queue)}` }, q.queue)),
    td(badge(q.paused ? 'paused' : 'active')),
    td(q.depth ?? (q.ready + q.scheduled), 'num'),
    td(q.ready, 'num'),
    td(q.scheduled, 'num'),
    td(`${q.running} / ${q.concurrency}`, 'num'),
    td(q.throughputPerMinute, 'num'),
    td(el('span', { class: q.failureRate >= 0.2 ? 'rate-bad' : undefined }, `${(100 * (q.failureRate || 0)).toFixed(1)}%`), 'num'),
    td(q.succeeded, 'num'),
    td(q.failed, 'num'),
    td(q.paused
      ? actionButton('Resume', async () => { await api('POST', `/api/queues/${encodeURIComponent(q.queue)}/resume`); return `Resumed ${q.queue}`; })
      : actionButton('Pause', async () => { await api('POST', `/api/queues/${encodeURIComponent(q.queue)}/pause`); return `Paused ${q.queue}`; }), 'actions'),
  ));
  fill($('#queues-table tbody'), rows, $('#queues-empty'));
  const select = $('#chart-queue');
  const names = ['', ...queues.map((q) => q.queue)];
  if ([...select.options].map((o) => o.value).join('\n') !== names.join('\n')) {
    const keep = select.value;
    select.replaceChildren(...names.map((n) => el('option', { value: n }, n || 'all queues')));
    select.value = names.includes(keep) ? keep : '';
  }
  refreshCharts();
};

// ---------- charts (GET /api/stats/timeseries) ----------

const COLORS = {
  succeeded: '#1a7f45', failed: '#d6332a', enqueued: '#8a94a6', ready: '#2f6fdf', scheduled: '#9a6ad6', running: '#e08a1e',
  p50: '#128293', p99: '#1d2330',
};
const LIVE_MS = 5 * 60e3;
const LIVE_EVERY_MS = 2000;
const HISTORY_EVERY_MS = 15000;
const charts = { queue: '', hours: 24, live: new Map(), liveKey: null, liveUntil: 0, liveAt: 0, history: null, historyKey: null, historyAt: 0, busy: false };

const seriesOf = (points, field, scale = 1) => points.map((p) => [Date.parse(p.at), p[field] === undefined || p[field] === null ? null : p[field] / scale]);

async function timeseries(params) {
  const p = new URLSearchParams(params);
  if (charts.queue) p.set('queue', charts.queue);
  return api('GET', `/api/stats/timeseries?${p}`);
}

async function refreshCharts(force = false) {
  if (current !== 'queues' || charts.busy) return;
  charts.busy = true;
  try {
    const now = Date.now();
    const title = charts.queue || 'all queues';
    if (force || now - charts.liveAt >= LIVE_EVERY_MS) {
      charts.liveAt = now;
      if (charts.liveKey !== charts.queue) { charts.live = new Map(); charts.liveUntil = 0; charts.liveKey = charts.queue; }
      // The whole five minutes once, then only the last seconds again (they may still be growing).
      const from = charts.liveUntil ? Math.max(now - LIVE_MS, charts.liveUntil - 5000) : now - LIVE_MS;
      const live = await timeseries({ step: '1s', from: new Date(from).toISOString(), to: new Date(now).toISOString() });
      for (const p of live.points) charts.live.set(Date.parse(p.at), p);
      for (const t of [...charts.live.keys()]) if (t < now - LIVE_MS) charts.live.delete(t);
      charts.liveUntil = live.points.length ? Date.parse(live.points[live.points.length - 1].at) : now;
      const points = [...charts.live.values()].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
      drawChart($('#chart-live'), {
        title: `Finished per second · last 5 min, live · ${title}`, unit: '/s', yLabel: 'tasks/s', kind: 'bars',
        from: Math.floor((now - LIVE_MS) / 1000) * 1000, to: Math.ceil(now / 1000) * 1000, step: 1000,
        series: [
          { name: 'succeeded', label: 'succeeded /s', color: COLORS.succeeded, values: seriesOf(points, 'succeeded') },
          { name: 'failed', label: 'failed /s', color: COLORS.failed, values: seriesOf(points, 'failed') },
        ],
      });
    }
    const key = `${charts.queue}|${charts.hours}`;
    if (force || key !== charts.historyKey || now - charts.historyAt >= HISTORY_EVERY_MS) {
      charts.historyAt = now;
      charts.historyKey = key;
      const from = now - charts.hours * 3600e3;
      const history = await timeseries({ step: '1m', from: new Date(from).toISOString(), to: new Date(now).toISOString() });
      const points = history.points;
      const range = { from: Math.floor(from / 60e3) * 60e3, to: Math.ceil(now / 60e3) * 60e3, step: 60e3 };
      const span = charts.hours === 1 ? 'last hour' : `last ${charts.hours} h`;
      drawChart($('#chart-minutes'), {
        ...range, title: `Finished per minute · ${span} · ${title}`, unit: '/min', yLabel: 'tasks/min', kind: 'bars',
        series: [
          { name: 'succeeded', label: 'succeeded /min', color: COLORS.succeeded, values: seriesOf(points, 'succeeded') },
          { name: 'failed', label: 'failed /min', color: COLORS.failed, values: seriesOf(points, 'failed') },
        ],
      });
      drawChart($('#chart-depth'), {
        ...range, title: `Depth and running (minute average) · ${span} · ${title}`, unit: 'tasks', yLabel: 'tasks', kind: 'lines',
        series: [
          { name: 'ready', label: 'ready', color: COLORS.ready, values: seriesOf(points, 'ready') },
          { name: 'scheduled', label: 'scheduled', color: COLORS.scheduled, values: seriesOf(points, 'scheduled') },
          { name: 'running', label: 'running', color: COLORS.running, values: seriesOf(points, 'running') },
        ],
      });
      drawChart($('#chart-wait'), {
        ...range, title: `Wait, enqueue → start · ${span} · ${title}`, unit: 'ms', yLabel: 'wait', kind: 'lines',
        series: [
          { name: 'p50', label: 'p50', color: COLORS.p50, values: seriesOf(points, 'waitP50Ms') },
          { name: 'p99', label: 'p99', color: COLORS.p99, values: seriesOf(points, 'waitP99Ms') },
        ],
      });
    }
    $('#charts-state').textContent = '';
    document.body.dataset.charts = 'drawn';
  } catch (e) {
    $('#charts-state').textContent = e.missing ? 'charts not available on this silo' : `charts: ${e.message}`;
  } finally {
    charts.busy = false;
  }
}

const taskState = { filters: { queue: '', status: '', limit: '50' }, cursor: null, extra: [] };

function taskRow(t) {
  return el('tr', { dataset: { taskId: t.id } },
    td(taskLink(t.id)), td(t.queue), td(t.action), td(badge(t.status)),
    td(`${t.attempt}/${t.maxAttempts}`, 'num'), td(when(t.createdAt)), td(when(t.updatedAt)));
}

function tasksQuery(cursor) {
  const p = new URLSearchParams();
  const f = taskState.filters;
  if (f.queue) p.set('queue', f.queue);
  if (f.status) p.set('status', f.status);
  p.set('limit', f.limit || '50');
  if (cursor) p.set('cursor', cursor);
  return `/api/tasks?${p}`;
}

// #tasks?queue=x&status=y: filters from the address (links from the queue table).
function applyTaskFilters(arg) {
  const p = new URLSearchParams(arg ?? '');
  taskState.filters = { queue: p.get('queue') ?? '', status: p.get('status') ?? '', limit: p.get('limit') ?? '50' };
  taskState.extra = [];
  const form = $('#task-filters');
  form.queue.value = taskState.filters.queue;
  form.status.value = taskState.filters.status;
  form.limit.value = taskState.filters.limit;
}

views.tasks = async () => {
  const page = await api('GET', tasksQuery(null));
  const list = items(page);
  const seen = new Set(list.map((t) => t.id));
  const previous = new Set([...$('#tasks-table tbody').querySelectorAll('tr')].map((r) => r.dataset.taskId));
  const rows = [...list, ...taskState.extra.filter((t) => !seen.has(t.id))].map((t) => {
    const row = taskRow(t);
    if (previous.size && !previous.has(t.id)) row.classList.add('flash');
    return row;
  });
  fill($('#tasks-table tbody'), rows, $('#tasks-empty'));
  taskState.cursor = page && page.nextCursor;
  $('#tasks-more').hidden = !taskState.cursor;
};

async function moreTasks() {
  if (!taskState.cursor) return;
  const page = await api('GET', tasksQuery(taskState.cursor));
  taskState.extra.push(...items(page));
  taskState.cursor = page && page.nextCursor;
  $('#tasks-more').hidden = !taskState.cursor;
  await views.tasks();
}

views.task = async (id) => {
  $('#task-id').textContent = id;
  let t;
  try {
    t = await api('GET', `/api/tasks/${encodeURIComponent(id)}`);
  } catch (e) {
    if (e.status === 404) {
      $('#task-fields').replaceChildren(el('dt', { text: 'Status' }), el('dd', { text: 'No such task.' }));
      return;
    }
    throw e;
  }
  const fields = [
    ['Status', badge(t.status)], ['Queue', t.queue], ['Action', t.action], ['Priority', t.priority],
    ['Attempt', `${t.attempt} of ${t.maxAttempts}`], ['Timeout', `${t.timeoutSeconds}s`],
    ['Created', when(t.createdAt)], ['Updated', when(t.updatedAt)], ['Due', when(t.dueAt)],
    ['Started', when(t.startedAt)], ['Finished', when(t.finishedAt)], ['Lease expires', when(t.leaseExpiresAt)],
    ['Idempotency key', t.idempotencyKey], ['Cancel reason', t.cancelReason],
  ].filter(([, v]) => v !== undefined && v !== null && v !== '');
  $('#task-fields').replaceChildren(...fields.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', {}, v)]));
  $('#task-payload').textContent = json(t.payload) || 'none';
  $('#task-result-box').hidden = t.result === undefined || t.result === null;
  $('#task-result').textContent = json(t.result);
  $('#task-error-box').hidden = !t.lastError;
  $('#task-error').textContent = json(t.lastError);
  const cancel = $('#task-cancel');
  cancel.hidden = ['succeeded', 'dead_lettered', 'cancelled'].includes(t.status);
  cancel.dataset.taskId = t.id;
  try {
    const history = items(await api('GET', `/api/tasks/${encodeURIComponent(id)}/history`));
    $('#history-unavailable').hidden = true;
    $('#history-table').hidden = false;
    $('#task-timeline').replaceChildren(attemptTimeline(history, Date.now(), $('#task-timeline').clientWidth || 720) ?? el('p', { class: 'muted', text: 'No events yet.' }));
    fill($('#history-table tbody'), history.map((h) => el('tr', {},
      td(`${new Date(h.at).toLocaleDateString()} ${clock(h.at)}`), td(badge(String(h.type ?? ''), TYPE_CLASS[h.type] ?? 'event')),
      td(h.attempt ?? '', 'num'), td(eventDetail(h)))));
  } catch (e) {
    if (!e.missing) throw e;
    $('#history-unavailable').hidden = false;
    $('#history-table').hidden = true;
  }
};

const dlqState = { queue: '' };

views['dead-letters'] = async () => {
  const p = new URLSearchParams({ limit: '200' });
  if (dlqState.queue) p.set('queue', dlqState.queue);
  const list = items(await api('GET', `/api/dead-letters?${p}`));
  const rows = list.map((t) => el('tr', { dataset: { taskId: t.id } },
    td(taskLink(t.id)), td(t.queue), td(t.action), td(`${t.attempt}/${t.maxAttempts}`, 'num'),
    td(t.lastError ? el('span', { class: 'err', title: t.lastError.message ?? '' }, `${t.lastError.type ?? ''}: ${t.lastError.message ?? ''}`) : ''),
    td(when(t.finishedAt ?? t.updatedAt)),
    td([
      actionButton('Requeue', async () => { await api('POST', `/api/dead-letters/${encodeURIComponent(t.id)}/requeue`); return `Requeued ${t.id}`; }),
      actionButton('Purge', async () => { await api('DELETE', `/api/dead-letters/${encodeURIComponent(t.id)}`); return `Purged ${t.id}`; }, { danger: true, confirm: true }),
    ], 'actions')));
  fill($('#dlq-table tbody'), rows, $('#dlq-empty'));
};

function scheduleWhen(s) {
  if (s.cron) return `cron ${s.cron}${s.timeZone ? ` (${s.timeZone})` : ''}`;
  if (s.intervalSeconds) return `every ${s.intervalSeconds}s`;
  if (s.at) return `once at ${when(s.at)}`;
  return s.kind ?? '';
}

views.schedules = async () => {
  const list = items(await api('GET', '/api/schedules'));
  const rows = list.map((s) => {
    const state = s.completed ? 'completed' : s.paused ? 'paused' : 'active';
    const name = encodeURIComponent(s.name);
    return el('tr', { dataset: { schedule: s.name } },
      td(s.name), td(scheduleWhen(s)), td(`${s.task?.action ?? ''}${s.task?.queue ? ` → ${s.task.queue}` : ''}`),
      td(badge(state)),
      td(s.nextFireAt ? el('span', { title: when(s.nextFireAt) }, `${when(s.nextFireAt)} (${relative(s.nextFireAt)})`) : '—'),
      td(s.lastFireAt ? when(s.lastFireAt) : '—'),
      td(s.fireCount, 'num'),
      td([
        s.paused
          ? actionButton('Resume', async () => { await api('POST', `/api/schedules/${name}/resume`); return `Resumed ${s.name}`; })
          : actionButton('Pause', async () => { await api('POST', `/api/schedules/${name}/pause`); return `Paused ${s.name}`; }),
        actionButton('Fire now', async () => { const f = await api('POST', `/api/schedules/${name}/trigger`, {}); return `Fired ${s.name}${f?.taskId ? ` → ${f.taskId}` : ''}`; }),
      ], 'actions'));
  });
  fill($('#schedules-table tbody'), rows, $('#schedules-empty'));
};

function operator() {
  const by = $('#operator').value.trim();
  if (!by) throw new Error('enter your name in "Decided by" first');
  return by;
}

function parseJson(text, what) {
  try { return JSON.parse(text); } catch { throw new Error(`${what} is not valid JSON`); }
}

function approvalCard(a) {
  const id = a.id;
  const path = (decision) => `/api/approvals/${encodeURIComponent(id)}/${decision}`;
  const editor = el('div', { class: 'editor', hidden: true });
  const open = (fields, submitLabel, submit) => {
    editor.replaceChildren(...fields, actionButton(submitLabel, async () => { await submit(); editor.hidden = true; return `${submitLabel}: ${id}`; }));
    editor.hidden = false;
  };
  const comment = () => el('input', { name: 'comment', placeholder: 'comment (optional)', maxlength: 2000 });
  const body = (extra, form) => {
    const c = form.querySelector('[name=comment]')?.value.trim();
    return { by: operator(), ...extra, ...(c ? { comment: c } : {}) };
  };
  return el('article', { class: 'approval', dataset: { taskId: id } },
    el('header', {},
      taskLink(id), el('span', {}, a.action ?? ''), el('span', { class: 'muted' }, a.queue ?? ''),
      el('span', { class: 'muted' }, when(a.updatedAt ?? a.createdAt))),
        el('pre', { text: json(a.payload) }),
    el('div', { class: 'decide' },
      actionButton('Accept', async () => { await api('POST', path('accept'), body({}, editor)); return `Accepted ${id}`; }),
      el('button', { type: 'button', onclick: () => {
        const payload = el('textarea', { name: 'payload', 'aria-label': 'Modified payload' }); payload.value = json(a.payload);
        open([payload, comment()], 'Accept modified', () => api('POST', path('modify'), body({ payload: parseJson(payload.value, 'The payload') }, editor)));
      } }, 'Modify…'),
      el('button', { type: 'button', onclick: () => {
        const reason = el('input', { name: 'reason', placeholder: 'reason', maxlength: 2000, 'aria-label': 'Reason' });
        open([reason], 'Reject', () => {
          if (!reason.value.trim()) throw new Error('a reason is required');
          return api('POST', path('reject'), { by: operator(), reason: reason.value.trim() });
        });
      } }, 'Reject…'),
      el('button', { type: 'button', onclick: () => {
        const result = el('textarea', { name: 'result', 'aria-label': 'Result', placeholder: 'the result, as JSON' });
        open([result], 'Take over', () => api('POST', path('takeover'), { by: operator(), result: parseJson(result.value || 'null', 'The result') }));
      } }, 'Take over…')),
    editor);
}

views.approvals = async () => {
  let list;
  try {
    list = items(await api('GET', '/api/approvals'));
  } catch (e) {
    if (!e.missing) throw e;
    $('#approvals-unavailable').hidden = false;
    $('#approvals-list').replaceChildren();
    $('#approvals-empty').hidden = true;
    return;
  }
  $('#approvals-unavailable').hidden = true;
  // Keep cards whose editor is open: a refresh must not throw away what the operator is typing.
  const box = $('#approvals-list');
  const open = new Map([...box.querySelectorAll('article')].filter((c) => !c.querySelector('.editor').hidden).map((c) => [c.dataset.taskId, c]));
  box.replaceChildren(...list.map((a) => open.get(a.id) ?? approvalCard(a)));
  $('#approvals-empty').hidden = list.length > 0;
};

// ---------- routing and refresh ----------

function route() {
  const hash = decodeURIComponent(location.hash.slice(1)) || 'queues';
  let view = hash;
  let arg = null;
  if (hash.startsWith('task/')) { view = 'task'; arg = hash.slice(5); }
  else if (hash.includes('?')) { view = hash.slice(0, hash.indexOf('?')); arg = hash.slice(hash.indexOf('?') + 1); }
  if (!views[view]) view = 'queues';
  current = view;
  currentArg = arg;
  if (view === 'tasks' && arg !== null) applyTaskFilters(arg);
  for (const s of document.querySelectorAll('section.view')) s.hidden = s.dataset.view !== view;
  for (const a of document.querySelectorAll('nav a[data-view]')) a.classList.toggle('active', a.dataset.view === view || (view === 'task' && a.dataset.view === 'tasks'));
  refreshSoon(0);
}

let refreshTimer;
let refreshing = false;
let firstLoad = true;
async function refresh() {
  if (refreshing) { refreshSoon(250); return; }
  refreshing = true;
  try {
    await views[current](currentArg);
    $('#status').textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    $('#status').textContent = e.missing ? 'not available on this silo' : `error: ${e.message}`;
  } finally {
    refreshing = false;
    if (firstLoad) { firstLoad = false; document.body.dataset.ready = 'true'; }
    refreshSoon(REFRESH_MS);
  }
}

// Keeps the earliest pending refresh: a burst of events must not postpone it forever (a throttle, not a debounce).
let refreshDue = Infinity;
function refreshSoon(ms) {
  const due = Date.now() + ms;
  if (due >= refreshDue) return;
  clearTimeout(refreshTimer);
  refreshDue = due;
  refreshTimer = setTimeout(() => { refreshDue = Infinity; refresh(); }, ms);
}

// ---------- live feed (server-sent events over fetch, so status codes are visible) ----------

const feed = { controller: null, lastId: null, filters: {}, windowAt: 0, inWindow: 0 };

function setFeedState(state, title) {
  const s = $('#feed-state');
  s.textContent = state;
  s.className = `pill ${state.replace(/\s+/g, '-')}`;
  s.title = title ?? '';
  document.body.dataset.feed = state;
}

// Event types that end badly or well, for colour.
const TYPE_CLASS = {
  complete: 'succeeded', accepted: 'succeeded', modified: 'succeeded', taken_over: 'succeeded', fired: 'succeeded',
  executing: 'running', enqueued: 'queued', retry: 'retrying', awaiting_approval: 'awaiting_approval', awaitingapproval: 'awaiting_approval',
  error: 'failed', dead_lettered: 'dead_lettered', rejected: 'failed', fire_failed: 'failed', cancelled: 'cancelled',
};

function showEvent(kindName, id, data) {
  let e;
  try { e = JSON.parse(data); } catch { e = { detail: data }; }
  const kind = e.kind ?? kindName;
  const type = String(e.type ?? kind);
  // Task and approval events are about a task (their id is the task id); schedules and webhooks name their own subject.
  const taskId = kind === 'task' || kind === 'approval' ? e.id : null;
  // Flash an event only while the feed is calm: under load (or a backfill) a feed all in yellow says nothing.
  const now = Date.now();
  if (now - feed.windowAt >= 1000) { feed.windowAt = now; feed.inWindow = 0; }
  feed.inWindow += 1;
  const li = el('li', { class: feed.inWindow <= 3 ? 'new' : undefined, dataset: { taskId: taskId ?? '', subject: e.id ?? '', eventId: id ?? '', type, kind } },
    el('div', {}, badge(type, TYPE_CLASS[type] ?? 'event'), ' ', taskId ? taskLink(taskId) : el('code', { text: e.id ?? '' })),
    el('div', { class: 'meta' }, [kind !== 'task' ? kind : null, e.queue, e.action, e.attempt ? `attempt ${e.attempt}` : null, when(e.at)]
      .filter(Boolean).join(' · ')),
    e.detail ? el('div', { class: 'meta' }, eventDetail({ ...e, type })) : null);
  const list = $('#feed');
  list.prepend(li);
  while (list.children.length > FEED_MAX) list.lastElementChild.remove();
  // The tables follow the feed: an event means the figures moved.
  if (current !== 'approvals' || kind === 'approval' || type.startsWith('awaiting')) refreshSoon(300);
}

async function readStream(res) {
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let data = [];
  let kind = 'message';
  let id = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let nl;
    while ((nl = buffer.search(/\r\n|\n|\r/)) >= 0) {
      if (buffer[nl] === '\r' && nl === buffer.length - 1) break; // maybe half of \r\n: wait for more
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + (buffer[nl] === '\r' && buffer[nl + 1] === '\n' ? 2 : 1));
      if (line === '') {
        if (data.length) showEvent(kind, id, data.join('\n'));
        if (id !== null) feed.lastId = id;
        data = []; kind = 'message'; id = null;
        continue;
      }
      if (line.startsWith(':')) continue; // heartbeat
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let val = colon < 0 ? '' : line.slice(colon + 1);
      if (val.startsWith(' ')) val = val.slice(1);
      if (field === 'data') data.push(val);
      else if (field === 'event') kind = val;
      else if (field === 'id') id = val;
    }
  }
}

async function runFeed() {
  feed.controller?.abort();
  const controller = new AbortController();
  feed.controller = controller;
  let delay = 1000;
  while (!controller.signal.aborted) {
    try {
      const p = new URLSearchParams(Object.entries(feed.filters).filter(([, v]) => v));
      // Opening (not resuming): start with the latest events from the log, then live ones.
      if (!feed.lastId) p.set('backfill', String(FEED_BACKFILL));
      const headers = { Accept: 'text/event-stream' };
      if (feed.lastId) headers['Last-Event-ID'] = feed.lastId;
      setFeedState(feed.lastId ? 'reconnecting' : 'connecting');
      const res = await fetch(`/api/events/stream${p.size ? `?${p}` : ''}`, { headers, credentials: 'same-origin', cache: 'no-store', signal: controller.signal });
      if (res.status === 401) { location.assign('/dashboard/login'); return; }
      if (res.status === 404 || res.status === 405) {
        // No event stream on this silo yet: say so; the tables still refresh on their own.
        setFeedState('unavailable', 'This silo serves no /api/events/stream; tables refresh every few seconds.');
        return;
      }
      if (res.status >= 400 && res.status < 500) {
        // A filter the silo refuses (an unknown type, say): retrying cannot help.
        let detail = `${res.status}`;
        try { const p = await res.json(); detail = p.detail ?? p.title ?? detail; } catch { /* not a problem document */ }
        setFeedState('error', detail);
        toast(`Live feed: ${detail}`, true);
        return;
      }
      if (!res.ok || !(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
        throw new Error(`stream answered ${res.status}`);
      }
      setFeedState('live');
      delay = 1000;
      await readStream(res);
    } catch (e) {
      if (controller.signal.aborted) return;
      setFeedState('error', String(e.message ?? e));
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 15000);
  }
}

// ---------- wiring ----------

function wire() {
  $('#task-filters').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = ev.currentTarget;
    const id = f.id.value.trim();
    if (id) { f.id.value = ''; location.hash = `task/${encodeURIComponent(id)}`; return; }
    taskState.filters = { queue: f.queue.value.trim(), status: f.status.value, limit: f.limit.value };
    taskState.extra = [];
    const p = new URLSearchParams(Object.entries(taskState.filters).filter(([k, v]) => v && k !== 'limit'));
    history.replaceState(null, '', `#tasks${p.size ? `?${p}` : ''}`);
    refreshSoon(0);
  });
  $('#tasks-more').addEventListener('click', () => moreTasks().catch((e) => toast(`Failed: ${e.message}`, true)));
  $('#dlq-filters').addEventListener('submit', (ev) => { ev.preventDefault(); dlqState.queue = ev.currentTarget.queue.value.trim(); refreshSoon(0); });
  $('#dlq-filters').append();
  const requeueAll = actionButton('Requeue all', async () => {
    const r = await api('POST', `/api/dead-letters/requeue${dlqState.queue ? `?queue=${encodeURIComponent(dlqState.queue)}` : ''}`);
    return `Requeued ${r?.count ?? 0} dead letters`;
  }, { confirm: true });
  const purgeAll = actionButton('Purge all', async () => {
    const r = await api('DELETE', `/api/dead-letters${dlqState.queue ? `?queue=${encodeURIComponent(dlqState.queue)}` : ''}`);
    return `Purged ${r?.count ?? 0} dead letters`;
  }, { danger: true, confirm: true });
  $('#dlq-requeue-all').replaceWith(requeueAll);
  $('#dlq-purge-all').replaceWith(purgeAll);
  $('#task-cancel').addEventListener('click', async (ev) => {
    const id = ev.currentTarget.dataset.taskId;
    try { await api('POST', `/api/tasks/${encodeURIComponent(id)}/cancel`, { reason: 'cancelled from the dashboard' }); toast(`Cancelled ${id}`); } catch (e) { toast(`Failed: ${e.message}`, true); }
    refreshSoon(0);
  });
  const op = $('#operator');
  op.value = localStorage.getItem('omni.operator') ?? '';
  op.addEventListener('change', () => localStorage.setItem('omni.operator', op.value.trim()));
  $('#feed-filters').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = ev.currentTarget;
    feed.filters = { queue: f.queue.value.trim(), type: f.type.value.trim(), task: f.task.value.trim() };
    feed.lastId = null;
    $('#feed').replaceChildren();
    runFeed();
  });
  $('#chart-controls').addEventListener('submit', (ev) => ev.preventDefault());
  $('#chart-queue').addEventListener('change', (ev) => { charts.queue = ev.currentTarget.value; refreshCharts(true); });
  $('#chart-range').addEventListener('change', (ev) => { charts.hours = Number(ev.currentTarget.value) || 24; refreshCharts(true); });
  let resize;
  window.addEventListener('resize', () => { clearTimeout(resize); resize = setTimeout(() => refreshCharts(true), 200); });
  $('#logout').addEventListener('click', async () => {
    try { await fetch('/dashboard/logout', { method: 'POST', headers: { [CSRF_HEADER]: '1' }, credentials: 'same-origin' }); } finally { location.assign('/dashboard/login'); }
  });
  window.addEventListener('hashchange', route);
}

async function start() {
  wire();
  try {
    const s = await api('GET', '/dashboard/session');
    $('#logout').hidden = !s?.required;
  } catch { /* the API calls below report what is wrong */ }
  route();
  runFeed();
}

start();
