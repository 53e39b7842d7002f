// Mailing operator console: a small single-page app over Mailing's JSON API. No framework, no build step.
// Every element is made with h() (text goes in as text nodes, never as HTML), every table is keyset-paged.

const config = JSON.parse(document.getElementById('mailing-config').textContent);
const PAGE = 50;
const numberFormat = new Intl.NumberFormat();
const DELIVERY_STATUSES = ['queued', 'deferred', 'sending', 'sent', 'failed', 'expired', 'cancelled', 'suppressed'];
const OPEN_STATUSES = ['queued', 'deferred', 'sending'];
const STREAMS = ['bulk', 'operational', 'transactional'];
const TABS = [
  { id: 'upcoming', label: 'Drafts & scheduled', statuses: ['draft', 'scheduled'] },
  { id: 'sending', label: 'Sending & paused', statuses: ['sending', 'paused'] },
  { id: 'completed', label: 'Completed', statuses: ['completed'] },
  { id: 'ended', label: 'Cancelled, expired & failed', statuses: ['cancelled', 'expired', 'failed'] },
];

// ---- small helpers -------------------------------------------------------------------------------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  append(el, children);
  return el;
}

// Replaces an element's children (null, undefined and false are left out).
function set(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const fmt = n => (n === null || n === undefined ? '—' : numberFormat.format(n));
const when = iso => (iso ? new Date(iso).toLocaleString() : '—');
const badge = status => h('span', { class: `badge ${status}`, dataset: { testid: 'status' } }, status.replaceAll('_', ' '));
const audience = () => (document.getElementById('audience').value.trim() || 'default');

function toLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = n => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const fromLocalInput = value => (value ? new Date(value).toISOString() : null);
const input = (name, value, attrs = {}) => h('input', { name, value: value ?? '', ...attrs });
// Options are values, or [value, label] pairs.
const select = (name, value, options) => h('select', { name }, options.map(o => [].concat(o)).map(([v, label = v]) => h('option', { value: v, selected: v === value }, label)));
const splitList = text => text.split(/[,\n]/).map(s => s.trim()).filter(Boolean);

function debounce(fn, ms) {
  let timer;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

// A labelled form field with a place for what the server says about it (data-for: the control's name, as the API names
// the field). The label alone names the control; the hint describes it.
function field(label, control, { hint, wide } = {}) {
  control.setAttribute('aria-label', label);
  return h('label', { class: `field${wide ? ' wide' : ''}` }, label, control, hint ? h('span', { class: 'hint' }, hint) : null,
    h('span', { class: 'field-error', dataset: { for: control.name } }));
}

// Shows a refused request's field errors next to their fields (and clears the old ones); how many found their field.
function showFieldErrors(form, error) {
  for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
  for (const el of form.querySelectorAll('.invalid')) el.classList.remove('invalid');
  let placed = 0;
  for (const [key, messages] of Object.entries(error?.problem?.errors || {})) {
    const slot = form.querySelector(`.field-error[data-for="${CSS.escape(key)}"]`) || form.querySelector(`.field-error[data-for="${CSS.escape(key.split('[')[0])}"]`);
    if (!slot) continue;
    slot.textContent = [].concat(messages).join(' ');
    slot.parentElement.querySelector(`[name="${CSS.escape(slot.dataset.for)}"]`)?.classList.add('invalid');
    placed++;
  }
  return placed;
}

// ---- the API -------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, problem) {
    super(describeProblem(status, problem));
    this.status = status;
    this.problem = problem || {};
  }
}

function describeProblem(status, problem) {
  if (!problem) return `The server answered ${status}.`;
  const parts = [];
  if (problem.detail) parts.push(problem.detail);
  else if (problem.title) parts.push(problem.title);
  if (problem.errors && !problem.detail) {
    for (const [field, messages] of Object.entries(problem.errors)) parts.push(`${field}: ${[].concat(messages).join(' ')}`);
  }
  return parts.join(' ') || `The server answered ${status}.`;
}

async function api(method, path, { query, body, contentType } = {}) {
  const url = new URL(config.api + path, location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    for (const v of [].concat(value)) if (v !== null && v !== undefined && v !== '') url.searchParams.append(key, v);
  }
  const headers = { Accept: 'application/json', 'X-Mailing-Console': '1' };
  if (body !== undefined) headers['Content-Type'] = contentType || 'application/json';
  const response = await fetch(url, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401) {
    showBanner('Your session has ended. Reload the page to sign in again.', 'error');
  }
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

const scoped = (query = {}) => ({ audience: audience(), ...query });

// ---- banner and routing --------------------------------------------------------------------------

function showBanner(message, kind = 'error') {
  const banner = document.getElementById('banner');
  banner.textContent = message;
  banner.className = `banner ${kind}`;
  banner.hidden = false;
}

function clearBanner() {
  document.getElementById('banner').hidden = true;
}

let view = { alive: true };

function startView() {
  view.alive = false;
  view = { alive: true, timers: [] };
  return view;
}

function later(current, fn, ms) {
  if (!current.alive) return;
  current.timers.push(setTimeout(() => { if (current.alive) fn(); }, ms));
}

const main = () => document.getElementById('main');

function render(...children) {
  const el = main();
  el.replaceChildren();
  append(el, children);
}

async function route() {
  const current = startView();
  clearBanner();
  const [path, search] = (location.hash.slice(1) || '/campaigns').split('?');
  const params = new URLSearchParams(search || '');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const section = parts[0] || 'campaigns';
  for (const link of document.querySelectorAll('[data-nav]')) {
    if (link.dataset.nav === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  try {
    if (section === 'campaigns' && parts.length === 1) await campaignsPage(current, params);
    else if (section === 'campaigns' && parts[1] === 'new') await composePage(current, null);
    else if (section === 'campaigns' && parts[2] === 'edit') await composePage(current, parts[1]);
    else if (section === 'campaigns') await campaignPage(current, parts[1]);
    else if (section === 'lists' && parts.length === 1) await listsPage(current);
    else if (section === 'lists') await listPage(current, parts.slice(1).join('/'), params);
    else if (section === 'contacts' && parts.length === 1) await contactsPage(current, params);
    else if (section === 'contacts') await contactPage(current, parts[1]);
    else if (section === 'suppressions') await suppressionsPage(current, params);
    else render(h('h1', {}, 'Not found'), h('p', {}, 'There is no such page. ', h('a', { href: '#/campaigns' }, 'Go to the campaigns.')));
  } catch (error) {
    if (!current.alive) return;
    render(h('h1', {}, error.status === 404 ? 'Not found' : 'Something went wrong'), h('p', { dataset: { testid: 'page-error' } }, error.message));
  }
}

function go(hash) {
  if (location.hash === hash) route(); else location.hash = hash;
}

// A "Load more" table: fetchPage(cursor) → { items, nextCursor }; row(item) → <tr> or [<tr>, …].
function pagedTable(current, { columns, fetchPage, row, empty, testid }) {
  const body = h('tbody');
  const more = h('button', { type: 'button', class: 'more', hidden: true }, 'Load more');
  const table = h('div', { class: 'table-wrap' }, h('table', { dataset: { testid } }, h('thead', {}, h('tr', {}, columns.map(c => h('th', { class: c.num ? 'num' : (c.narrow ? 'hide-narrow' : null) }, c.label)))), body));
  let cursor = null;
  let count = 0;
  async function load() {
    more.disabled = true;
    try {
      const page = await fetchPage(cursor);
      if (!current.alive) return;
      for (const item of page.items) append(body, [row(item)]);
      count += page.items.length;
      if (count === 0) append(body, [h('tr', {}, h('td', { class: 'empty', colSpan: columns.length }, empty))]);
      cursor = page.nextCursor;
      more.hidden = !cursor;
    } catch (error) {
      showBanner(error.message);
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener('click', load);
  return { element: h('div', {}, table, more), load };
}

// ---- campaigns -----------------------------------------------------------------------------------

// The campaigns of several statuses as one list, newest first: each status is read with its own cursor and the
// pages are merged by id (UUIDv7, so id order is creation order).
function mergedCampaigns(statuses) {
  const streams = statuses.map(status => ({ status, buffer: [], cursor: null, done: false }));
  async function fill(stream) {
    if (stream.buffer.length || stream.done) return;
    const page = await api('GET', '/campaigns', { query: { status: stream.status, limit: PAGE, cursor: stream.cursor } });
    stream.buffer.push(...page.items);
    stream.cursor = page.nextCursor;
    stream.done = !page.nextCursor;
  }
  return async () => {
    const items = [];
    while (items.length < PAGE) {
      await Promise.all(streams.map(fill));
      const live = streams.filter(s => s.buffer.length);
      if (!live.length) break;
      live.sort((a, b) => (a.buffer[0].id < b.buffer[0].id ? 1 : -1));
      items.push(live[0].buffer.shift());
    }
    const more = streams.some(s => s.buffer.length || !s.done);
    return { items, nextCursor: more ? 'more' : null };
  };
}

async function campaignsPage(current, params) {
  const tab = TABS.find(t => t.id === params.get('tab')) || TABS[0];
  const tabs = h('div', { class: 'tabs', role: 'tablist' }, TABS.map(t =>
    h('button', { type: 'button', role: 'tab', 'aria-selected': String(t === tab), dataset: { tab: t.id }, onclick: () => go(`#/campaigns?tab=${t.id}`) }, t.label)));
  const next = mergedCampaigns(tab.statuses);
  const table = pagedTable(current, {
    testid: 'campaigns',
    columns: [{ label: 'Name' }, { label: 'Status' }, { label: 'Channel', narrow: true }, { label: 'Start' }, { label: 'Finished', narrow: true }, { label: 'Created', narrow: true }],
    fetchPage: () => next(),
    empty: `No ${tab.label.toLowerCase()} campaigns.`,
    row: c => h('tr', {},
      h('td', {}, h('a', { href: `#/campaigns/${c.id}` }, c.name)),
      h('td', {}, badge(c.status)),
      h('td', { class: 'hide-narrow' }, `${c.channel} · ${c.stream}`),
      h('td', {}, when(c.startedAt || c.startAt)),
      h('td', { class: 'hide-narrow' }, when(c.finishedAt)),
      h('td', { class: 'hide-narrow' }, when(c.createdAt))),
  });
  render(
    h('div', { class: 'row spread' }, h('h1', {}, 'Campaigns'), h('a', { class: 'button primary', href: '#/campaigns/new' }, 'New campaign')),
    tabs, table.element);
  await table.load();
}

function actionsFor(status) {
  switch (status) {
    case 'draft': return ['edit', 'schedule', 'send-now', 'cancel', 'delete'];
    case 'scheduled': return ['edit', 'send-now', 'cancel', 'delete'];
    case 'sending': return ['pause', 'cancel', 'retry-failed'];
    case 'paused': return ['resume', 'cancel', 'retry-failed'];
    case 'completed': return ['retry-failed'];
    default: return [];
  }
}

const ACTION_LABELS = {
  edit: 'Edit', schedule: 'Schedule', 'send-now': 'Send now', pause: 'Pause', resume: 'Resume', cancel: 'Cancel', 'retry-failed': 'Retry failed', delete: 'Delete',
};

async function campaignPage(current, id) {
  let campaign = await api('GET', `/campaigns/${encodeURIComponent(id)}`);
  const title = h('h1', {}, campaign.name, ' ', h('span', { dataset: { testid: 'campaign-status' } }, badge(campaign.status)));
  const actions = h('div', { class: 'row', dataset: { testid: 'actions' } });
  const progressBar = h('div');
  const progressLabel = h('span', { dataset: { testid: 'progress-label' } });
  const progress = h('div', { class: 'panel' }, h('div', { class: 'row spread' }, h('strong', {}, 'Progress'), progressLabel),
    h('div', { class: 'progress', role: 'progressbar', 'aria-label': 'Deliveries done', 'aria-valuemin': '0', 'aria-valuemax': '100' }, progressBar));
  const tiles = h('div', { class: 'tiles', dataset: { testid: 'counts' } });
  const chart = h('div', { class: 'panel chart' });
  const details = h('div', { class: 'panel' });
  const filter = h('select', { 'aria-label': 'Delivery status', dataset: { testid: 'delivery-filter' } },
    h('option', { value: '' }, 'All statuses'), DELIVERY_STATUSES.map(s => h('option', { value: s }, s)));
  const deliveries = h('div');
  let lastTimeline = 0;

  function renderActions() {
    actions.replaceChildren();
    for (const action of actionsFor(campaign.status)) {
      const danger = action === 'delete' || action === 'cancel';
      append(actions, [h('button', { type: 'button', class: action === 'send-now' ? 'primary' : (danger ? 'danger' : null), dataset: { action }, onclick: () => act(action) }, ACTION_LABELS[action])]);
    }
    set(title, campaign.name, ' ', h('span', { dataset: { testid: 'campaign-status' } }, badge(campaign.status)));
    if (campaign.statusReason) append(title, [h('span', { class: 'muted' }, campaign.statusReason)]);
  }

  async function act(action) {
    clearBanner();
    if (action === 'edit') { go(`#/campaigns/${campaign.id}/edit`); return; }
    if (action === 'delete' && !confirm(`Delete the campaign “${campaign.name}”?`)) return;
    if (action === 'cancel' && !confirm(`Cancel the campaign “${campaign.name}”? Unsent messages will not be sent.`)) return;
    let body;
    if (action === 'schedule') {
      const start = prompt('Start at (your local time, YYYY-MM-DD HH:MM)', toLocalInput(campaign.startAt || new Date(Date.now() + 3600_000).toISOString()).replace('T', ' '));
      if (!start) return;
      body = { startAt: fromLocalInput(start.replace(' ', 'T')) };
    }
    try {
      const result = await api(action === 'delete' ? 'DELETE' : 'POST', action === 'delete' ? `/campaigns/${campaign.id}` : `/campaigns/${campaign.id}/${action}`, { body });
      if (action === 'delete') { go('#/campaigns'); return; }
      campaign = result.campaign || result;
      if (action === 'retry-failed') showBanner(`${fmt(result.requeued)} failed deliveries queued again.`, 'info');
      renderActions();
      renderDetails();
      await refresh(true);
    } catch (error) {
      showBanner(error.status === 409 ? `Refused: ${error.message}` : error.message);
      try { campaign = await api('GET', `/campaigns/${campaign.id}`); renderActions(); } catch { /* the message above says enough */ }
    }
  }

  function renderDetails() {
    const a = campaign.audience || {};
    const facts = [
      ['Channel', `${campaign.channel} · ${campaign.stream}`],
      ['Audience', [
        a.lists?.length ? `lists: ${a.lists.join(', ')}` : null,
        a.tags?.length ? `tags: ${a.tags.join(', ')}` : null,
        a.phonePrefixes?.length ? `phone prefixes: ${a.phonePrefixes.join(', ')}` : null,
        a.attributes && Object.keys(a.attributes).length ? `attributes: ${Object.entries(a.attributes).map(([k, v]) => `${k}=${v}`).join(', ')}` : null,
      ].filter(Boolean).join('; ') || '—'],
      ['Start', when(campaign.startAt)], ['End', when(campaign.endAt)],
      ['Send window', campaign.sendWindow ? `${campaign.sendWindow.from}–${campaign.sendWindow.to} recipient's time (default ${campaign.defaultTimeZone || 'UTC'})` : 'any time'],
      ['Started', when(campaign.startedAt)], ['Finished', when(campaign.finishedAt)],
      ['Throttle', campaign.messagesPerSecond ? `${campaign.messagesPerSecond}/s` : 'none'],
      ['Id', campaign.id],
    ];
    set(details, 
      h('h2', {}, 'Message'),
      campaign.subjectTemplate ? h('div', {}, h('strong', {}, 'Subject: '), campaign.subjectTemplate) : null,
      h('pre', { class: 'message' }, campaign.bodyTemplate),
      h('h2', {}, 'Details'),
      h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));
  }

  async function refresh(withTimeline) {
    const stats = await api('GET', `/campaigns/${campaign.id}/stats`);
    if (!current.alive) return;
    const counts = stats.deliveries;
    const open = OPEN_STATUSES.reduce((sum, s) => sum + (counts[s] || 0), 0);
    const done = stats.total - open;
    const percent = stats.total ? Math.round((done / stats.total) * 100) : (['completed'].includes(stats.status) ? 100 : 0);
    progressBar.style.width = `${percent}%`;
    progressBar.parentElement.setAttribute('aria-valuenow', String(percent));
    progressLabel.textContent = stats.total
      ? `${fmt(done)} of ${fmt(stats.total)} done (${percent}%) · ${fmt(stats.attempts)} attempts`
      : (stats.status === 'sending' ? 'Preparing the deliveries…' : 'No deliveries yet');
    set(tiles, ...DELIVERY_STATUSES.map(s => h('div', { class: 'tile', dataset: { testid: `count-${s}` } }, h('div', { class: 'n' }, fmt(counts[s] || 0)), h('div', { class: 'l' }, s))));
    if (stats.status !== campaign.status) {
      campaign = await api('GET', `/campaigns/${campaign.id}`);
      renderActions();
      renderDetails();
      withTimeline = true;
      loadDeliveries().catch(e => showBanner(e.message));
    }
    if (withTimeline || Date.now() - lastTimeline > 10_000) {
      lastTimeline = Date.now();
      await renderChart(stats);
    }
    if (['sending', 'scheduled'].includes(campaign.status)) later(current, () => refresh(false).catch(e => showBanner(e.message)), 2000);
  }

  async function renderChart(stats) {
    const span = (stats.lastSentAt && stats.firstSentAt) ? new Date(stats.lastSentAt) - new Date(stats.firstSentAt) : 0;
    const bucket = span > 7 * 86_400_000 ? 'day' : span > 6 * 3_600_000 ? 'hour' : 'minute';
    const timeline = await api('GET', `/campaigns/${campaign.id}/timeline`, { query: { bucket } });
    if (!current.alive) return;
    set(chart, h('h2', {}, `Sends per ${bucket}`), drawChart(timeline.points, bucket));
  }

  async function loadDeliveries() {
    const status = filter.value;
    const table = pagedTable(current, {
      testid: 'deliveries',
      columns: [{ label: 'Recipient' }, { label: 'Status' }, { label: 'Attempts', num: true }, { label: 'Last event', narrow: true }, { label: 'Last error', narrow: true }, { label: 'Sent', narrow: true }, { label: 'Updated', narrow: true }],
      fetchPage: cursor => api('GET', `/campaigns/${campaign.id}/deliveries`, { query: { status, cursor, limit: PAGE } }),
      empty: status ? `No ${status} deliveries.` : 'No deliveries yet.',
      row: d => deliveryRows(d),
    });
    set(deliveries, table.element);
    await table.load();
  }
  filter.addEventListener('change', loadDeliveries);

  render(title, actions,
    h('p', {}, h('a', { href: '#/campaigns' }, '← All campaigns')),
    progress, tiles, chart, details,
    h('div', { class: 'row spread' }, h('h2', {}, 'Deliveries'), h('div', { class: 'row' }, filter, h('button', { type: 'button', onclick: loadDeliveries }, 'Refresh'))),
    deliveries);
  renderActions();
  renderDetails();
  await refresh(true);
  await loadDeliveries();
}

function deliveryRows(d) {
  const events = h('div', { dataset: { testid: 'delivery-events' }, 'aria-live': 'polite' });
  const detail = h('tr', { class: 'detail', hidden: true }, h('td', { colSpan: 7 },
    h('dl', { class: 'facts' },
      [['Delivery', d.id], ['Contact', h('a', { href: `#/contacts/${d.contactId}` }, d.contactId)], ['Attempts', fmt(d.attempts)],
        ['Next attempt', when(d.nextAttemptAt)], ['Last error', d.lastError || '—'], ['Transport', d.transport || '—'],
        ['Provider message id', d.providerMessageId || '—'], ['Idempotency key', d.idempotencyKey], ['Created', when(d.createdAt)],
        ['Last event', d.lastEventType ? `${d.lastEventType} · ${when(d.lastEventAt)}` : '—'], ['Delivered', when(d.deliveredAt)],
        ['Bounced', when(d.bouncedAt)], ['Complained', when(d.complainedAt)], ['Suppressed', when(d.suppressedAt)]]
        .map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    h('h3', {}, 'Events'), events));
  const toggle = h('button', { type: 'button', class: 'link', 'aria-expanded': 'false', onclick: () => {
    detail.hidden = !detail.hidden;
    toggle.setAttribute('aria-expanded', String(!detail.hidden));
    // Read each time the row opens, so a reopened row shows events reported since.
    if (!detail.hidden) loadEvents(d, events);
  } }, d.recipient);
  return [h('tr', {},
    h('td', {}, toggle),
    h('td', {}, badge(d.status)),
    h('td', { class: 'num' }, fmt(d.attempts)),
    h('td', { class: 'hide-narrow', title: d.lastEventAt ? when(d.lastEventAt) : '' }, d.lastEventType || ''),
    h('td', { class: 'hide-narrow' }, d.lastError || ''),
    h('td', { class: 'hide-narrow' }, when(d.sentAt)),
    h('td', { class: 'hide-narrow' }, when(d.updatedAt))), detail];
}

// A delivery's events, oldest first: what the pipeline and the provider reported, with the reasons they gave.
async function loadEvents(d, into) {
  set(into, h('p', { class: 'muted' }, 'Loading events…'));
  try {
    const events = await api('GET', `/campaigns/${d.campaignId}/deliveries/${d.id}/events`);
    set(into, events.length
      ? h('div', { class: 'table-wrap' }, h('table', { dataset: { testid: 'events' } },
        h('thead', {}, h('tr', {}, h('th', {}, 'Time'), h('th', {}, 'Event'), h('th', { class: 'hide-narrow' }, 'Provider'), h('th', {}, 'Reason and details'))),
        h('tbody', {}, events.map(e => h('tr', {},
          h('td', { title: `received ${when(e.receivedAt)}` }, when(e.timestamp)),
          h('td', {}, badge(e.type)),
          h('td', { class: 'hide-narrow' }, e.provider),
          h('td', { class: 'details' },
            e.rejectReason ? h('div', {}, `reason: ${e.rejectReason.replaceAll('_', ' ')}`) : null,
            e.description ? h('div', {}, e.description) : null,
            e.mtaResponse ? h('code', {}, e.mtaResponse) : null,
            e.rejectReason || e.description || e.mtaResponse ? null : h('span', { class: 'muted' }, '—')))))))
      : h('p', { class: 'muted' }, 'No events yet.'));
  } catch (error) {
    set(into, h('p', { class: 'field-error' }, `The events could not be read: ${error.message}`));
  }
}

function drawChart(points, bucket) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = (tag, attrs, ...children) => {
    const el = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    for (const c of children) el.append(c);
    return el;
  };
  if (!points.length) return h('p', { class: 'muted', dataset: { testid: 'chart-empty' } }, 'Nothing sent yet.');
  const step = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[bucket];
  const first = new Date(points[0].at).getTime();
  const last = new Date(points[points.length - 1].at).getTime();
  const slots = Math.min(Math.round((last - first) / step) + 1, 240);
  const start = last - (slots - 1) * step;
  const values = new Array(slots).fill(0);
  for (const p of points) {
    const i = Math.round((new Date(p.at).getTime() - start) / step);
    if (i >= 0 && i < slots) values[i] += p.sent;
  }
  const max = Math.max(...values, 1);
  const width = 800, height = 180, left = 48, bottom = 22, top = 8;
  const barWidth = (width - left) / slots;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `Sends per ${bucket}`, 'data-testid': 'chart', preserveAspectRatio: 'none' });
  chart.append(svg('line', { class: 'axis', x1: left, y1: height - bottom, x2: width, y2: height - bottom }));
  chart.append(svg('text', { x: 4, y: top + 10 }, document.createTextNode(fmt(max))));
  chart.append(svg('text', { x: 4, y: height - bottom }, document.createTextNode('0')));
  values.forEach((v, i) => {
    const barHeight = ((height - bottom - top) * v) / max;
    const at = new Date(start + i * step);
    chart.append(svg('rect', { class: 'bar', x: left + i * barWidth + 1, y: height - bottom - barHeight, width: Math.max(barWidth - 2, 1), height: barHeight },
      svg('title', {}, document.createTextNode(`${at.toLocaleString()}: ${fmt(v)} sent`))));
  });
  const label = t => (bucket === 'day' ? new Date(t).toLocaleDateString() : new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
  chart.append(svg('text', { x: left, y: height - 6 }, document.createTextNode(label(start))));
  chart.append(svg('text', { x: width - 4, y: height - 6, 'text-anchor': 'end' }, document.createTextNode(label(last))));
  return chart;
}

// ---- compose -------------------------------------------------------------------------------------

async function composePage(current, id) {
  const existing = id ? await api('GET', `/campaigns/${encodeURIComponent(id)}`) : null;
  if (existing && !['draft', 'scheduled'].includes(existing.status)) {
    render(h('h1', {}, 'This campaign cannot be edited'), h('p', {}, `It is ${existing.status}; only drafts and scheduled campaigns can be edited. `, h('a', { href: `#/campaigns/${existing.id}` }, 'Back to the campaign.')));
    return;
  }
  const c = existing || { channel: 'email', stream: 'bulk', audience: {} };

  const name = input('name', c.name, { required: true, maxlength: '500' });
  const channel = select('channel', c.channel, ['email', 'sms', 'webhook']);
  const stream = select('stream', c.stream, STREAMS);
  const subject = input('subjectTemplate', c.subjectTemplate, { placeholder: 'Hello {{ contact.name }}' });
  const body = h('textarea', { name: 'bodyTemplate', required: true }, c.bodyTemplate || '');
  const startAt = input('startAt', toLocalInput(c.startAt), { type: 'datetime-local' });
  const endAt = input('endAt', toLocalInput(c.endAt), { type: 'datetime-local' });
  const windowFrom = input('sendWindow.from', c.sendWindow?.from, { type: 'time' });
  const windowTo = input('sendWindow.to', c.sendWindow?.to, { type: 'time' });
  const timeZone = input('defaultTimeZone', c.defaultTimeZone, { placeholder: 'Europe/Moscow' });
  const rate = input('messagesPerSecond', c.messagesPerSecond, { type: 'number', min: '1' });

  // The audience builder: lists, tags, phone prefixes, attributes; the count follows every change.
  const a = c.audience || {};
  const chosen = new Set(a.lists || []);
  const listPick = h('div', { class: 'pick', dataset: { testid: 'list-picker' } }, h('span', { class: 'muted' }, 'Loading lists…'));
  const listFilter = input('listFilter', '', { placeholder: 'Filter lists', 'aria-label': 'Filter lists', autocomplete: 'off' });
  const tags = input('audience.tags', (a.tags || []).join(', '), { placeholder: 'vip, beta' });
  const prefixes = input('audience.phonePrefixes', (a.phonePrefixes || []).join(', '), { placeholder: '+7916' });
  const attributes = h('textarea', { name: 'audience.attributes', placeholder: 'plan=pro' },
    Object.entries(a.attributes || {}).map(([k, v]) => `${k}=${v}`).join('\n'));
  const count = h('div', { class: 'count', dataset: { testid: 'recipient-count' }, 'aria-live': 'polite' }, '…');

  let lists = [];
  const listCursor = { next: null };
  async function loadLists() {
    const page = await api('GET', '/recipient-lists', { query: scoped({ limit: 200, cursor: listCursor.next }) });
    lists.push(...page.items);
    listCursor.next = page.nextCursor;
    drawLists();
  }
  function drawLists() {
    const term = listFilter.value.trim().toLowerCase();
    const shown = lists.filter(l => !term || l.key.toLowerCase().includes(term) || l.name.toLowerCase().includes(term) || chosen.has(l.key));
    set(listPick, 
      ...shown.map(l => h('label', {}, h('input', { type: 'checkbox', value: l.key, checked: chosen.has(l.key), onchange: e => { if (e.target.checked) chosen.add(l.key); else chosen.delete(l.key); recount(); } }),
        h('span', {}, l.name || l.key, ' ', h('span', { class: 'muted' }, `${l.key} · ${fmt(l.activeMemberCount)} active`)))),
      shown.length ? null : h('span', { class: 'muted' }, lists.length ? 'No list matches.' : 'This audience has no lists.'),
      listCursor.next ? h('button', { type: 'button', class: 'link', onclick: loadLists }, 'More lists…') : null);
  }
  listFilter.addEventListener('input', drawLists);

  function parseAttributes() {
    const result = {};
    for (const line of attributes.value.split('\n').map(s => s.trim()).filter(Boolean)) {
      const at = line.indexOf('=');
      if (at > 0) result[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    return result;
  }
  function audienceValue() {
    return { audience: audience(), lists: [...chosen], tags: splitList(tags.value), phonePrefixes: splitList(prefixes.value), attributes: parseAttributes() };
  }

  let countSequence = 0;
  const recount = debounce(async () => {
    const sequence = ++countSequence;
    count.classList.remove('bad');
    count.textContent = 'Counting…';
    try {
      const result = await api('POST', '/audiences/count', { body: audienceValue() });
      if (sequence !== countSequence || !current.alive) return;
      count.textContent = `${fmt(result.count)} ${result.count === 1 ? 'recipient' : 'recipients'} will receive this`;
      count.dataset.count = String(result.count);
    } catch (error) {
      if (sequence !== countSequence || !current.alive) return;
      count.classList.add('bad');
      delete count.dataset.count;
      count.textContent = error.status === 400 ? `Choose who receives this: ${error.message}` : error.message;
    }
  }, 250);
  for (const el of [tags, prefixes, attributes]) el.addEventListener('input', recount);

  // Preview for one contact: the campaign is saved first (the server renders what it stores).
  const previewEmail = input('previewEmail', '', { type: 'email', placeholder: 'alice@example.com', 'aria-label': 'Contact email for the preview' });
  const previewOut = h('div', { dataset: { testid: 'preview' } });
  let saved = existing;

  function payload() {
    const windowSet = windowFrom.value || windowTo.value;
    const value = {
      name: name.value.trim(), channel: channel.value, stream: stream.value,
      subjectTemplate: subject.value || null, bodyTemplate: body.value,
      audience: audienceValue(),
      startAt: fromLocalInput(startAt.value), endAt: fromLocalInput(endAt.value),
      sendWindow: windowSet ? { from: windowFrom.value, to: windowTo.value } : null,
      defaultTimeZone: timeZone.value.trim() || null,
      messagesPerSecond: rate.value ? Number(rate.value) : null,
    };
    if (saved) {
      // A merge patch: attributes dropped from the form must be cleared explicitly.
      for (const key of Object.keys(saved.audience?.attributes || {})) if (!(key in value.audience.attributes)) value.audience.attributes[key] = null;
    }
    return value;
  }

  function showErrors(error) {
    const placed = showFieldErrors(form, error);
    showBanner(error.status === 409 ? `Refused: ${error.message}` : (placed ? 'Some fields need attention.' : error.message));
  }

  async function save() {
    clearBanner();
    const value = payload();
    saved = saved
      ? await api('PATCH', `/campaigns/${saved.id}`, { body: value, contentType: 'application/merge-patch+json' })
      : await api('POST', '/campaigns', { body: value });
    return saved;
  }

  async function submit(mode) {
    try {
      const campaign = await save();
      if (mode === 'send') await api('POST', `/campaigns/${campaign.id}/send-now`);
      if (mode === 'preview') return;
      go(`#/campaigns/${campaign.id}`);
    } catch (error) {
      showErrors(error);
      throw error;
    }
  }

  async function preview() {
    previewOut.replaceChildren();
    try {
      await submit('preview');
      const email = previewEmail.value.trim();
      let contactId;
      if (email) {
        const found = await api('GET', '/contacts', { query: scoped({ email, limit: 1 }) });
        if (!found.items.length) { set(previewOut, h('p', { class: 'field-error' }, `No contact with the email ${email}.`)); return; }
        contactId = found.items[0].id;
      } else {
        const any = await api('GET', '/contacts', { query: scoped({ limit: 1 }) });
        if (!any.items.length) { set(previewOut, h('p', { class: 'field-error' }, 'There is no contact to preview for.')); return; }
        contactId = any.items[0].id;
      }
      const message = await api('POST', `/campaigns/${saved.id}/preview`, { body: { contactId } });
      set(previewOut, 
        h('p', { class: 'muted' }, `Saved as ${saved.status}. For ${message.recipient || 'a contact without an address for this channel'}:`),
        message.subject ? h('div', {}, h('strong', {}, 'Subject: '), message.subject) : null,
        h('pre', { class: 'message' }, message.body));
    } catch (error) {
      if (!error.problem) showBanner(error.message);
    }
  }

  const form = h('form', { class: 'grid', novalidate: true, onsubmit: e => { e.preventDefault(); submit('save').catch(() => {}); } },
    field('Name', name, { wide: true }),
    field('Channel', channel), field('Stream', stream, { hint: 'transactional mail never waits behind bulk' }),
    field('Subject', subject, { hint: 'Liquid: {{ contact.name }}, {{ contact.attributes.plan }}', wide: true }),
    field('Body', body, { wide: true }),
    h('fieldset', { class: 'wide' }, h('legend', {}, 'Audience'),
      h('div', { class: 'grid' },
        h('div', { class: 'field' }, h('span', {}, 'Lists (any of)'), listFilter, listPick, h('span', { class: 'field-error', dataset: { for: 'audience.lists' } })),
        h('div', {},
          field('Tags (any of, comma-separated)', tags),
          field('Phone prefixes (any of)', prefixes),
          field('Attributes (one key=value a line, all must match)', attributes))),
      count),
    h('fieldset', { class: 'wide' }, h('legend', {}, 'Schedule'),
      h('div', { class: 'grid' },
        field('Start at', startAt, { hint: 'your local time; empty: a draft' }), field('End at', endAt, { hint: 'nothing is sent after it' }),
        field('Send window from', windowFrom, { hint: "recipient's local time" }), field('Send window to', windowTo),
        field('Default time zone', timeZone, { hint: 'for contacts without one' }), field('Messages per second', rate, { hint: 'empty: no throttle' }))),
    h('fieldset', { class: 'wide' }, h('legend', {}, 'Preview for one contact'),
      h('div', { class: 'row' }, previewEmail, h('button', { type: 'button', onclick: preview }, 'Save and preview')), previewOut),
    h('div', { class: 'row wide' },
      h('button', { type: 'submit', class: 'primary' }, existing ? 'Save' : 'Save (draft or scheduled)'),
      h('button', { type: 'button', dataset: { testid: 'send-now' }, onclick: () => submit('send').catch(() => {}) }, 'Save and send now'),
      h('a', { href: existing ? `#/campaigns/${existing.id}` : '#/campaigns' }, 'Cancel')));

  render(h('h1', {}, existing ? `Edit “${existing.name}”` : 'New campaign'), h('div', { class: 'panel' }, form));
  name.focus();
  await loadLists();
  recount();
}

// ---- lists ---------------------------------------------------------------------------------------

async function listsPage(current) {
  const table = pagedTable(current, {
    testid: 'lists',
    columns: [{ label: 'List' }, { label: 'Type', narrow: true }, { label: 'Active', num: true }, { label: 'Members', num: true }, { label: 'Last reconcile' }],
    fetchPage: cursor => api('GET', '/recipient-lists', { query: scoped({ cursor, limit: PAGE }) }),
    empty: 'No lists in this audience.',
    row: l => h('tr', {},
      h('td', {}, h('a', { href: `#/lists/${encodeURIComponent(l.key)}` }, l.name || l.key), h('div', { class: 'muted' }, l.key)),
      h('td', { class: 'hide-narrow' }, l.type),
      h('td', { class: 'num' }, fmt(l.activeMemberCount)),
      h('td', { class: 'num' }, fmt(l.memberCount)),
      h('td', {}, l.lastReconcileStatus ? [badge(l.lastReconcileStatus), ' ', when(l.lastReconciledAt)] : '—')),
  });
  render(h('h1', {}, 'Lists'), table.element);
  await table.load();
}

async function listPage(current, key, params) {
  const list = await api('GET', `/recipient-lists/${encodeURIComponent(key)}`, { query: scoped() });
  const active = params.get('active') !== 'false';
  const counts = list.lastReconcileCounts || {};
  const table = pagedTable(current, {
    testid: 'members',
    columns: [{ label: 'Source key' }, { label: 'Email' }, { label: 'Active' }, { label: active ? 'Added' : 'Removed', narrow: true }],
    fetchPage: cursor => api('GET', `/recipient-lists/${encodeURIComponent(key)}/members`, { query: scoped({ active, cursor, limit: PAGE }) }),
    empty: active ? 'No active members.' : 'No removed members.',
    row: m => h('tr', {},
      h('td', {}, m.sourceObjectKey),
      h('td', {}, h('a', { href: `#/contacts/${m.contactId}` }, m.email)),
      h('td', {}, m.active ? 'yes' : 'no'),
      h('td', { class: 'hide-narrow' }, when(m.active ? m.createdAt : m.removedAt))),
  });
  const tabs = h('div', { class: 'tabs', role: 'tablist' },
    h('button', { type: 'button', role: 'tab', 'aria-selected': String(active), onclick: () => go(`#/lists/${encodeURIComponent(key)}`) }, 'Active members'),
    h('button', { type: 'button', role: 'tab', 'aria-selected': String(!active), onclick: () => go(`#/lists/${encodeURIComponent(key)}?active=false`) }, 'Removed members'));
  render(
    h('h1', {}, list.name || list.key),
    h('p', {}, h('a', { href: '#/lists' }, '← All lists'), ' · ', h('span', { class: 'muted' }, `${list.key} · ${list.type}`)),
    h('div', { class: 'tiles' }, [['active', list.activeMemberCount], ['removed', list.removedMemberCount], ['members', list.memberCount]]
      .map(([l, n]) => h('div', { class: 'tile' }, h('div', { class: 'n' }, fmt(n)), h('div', { class: 'l' }, l)))),
    h('div', { class: 'panel' }, h('h2', {}, 'Last reconcile'),
      list.lastReconcileStatus
        ? h('dl', { class: 'facts' }, h('dt', {}, 'Status'), h('dd', {}, badge(list.lastReconcileStatus)), h('dt', {}, 'At'), h('dd', {}, when(list.lastReconciledAt)),
          Object.entries(counts).filter(([, n]) => typeof n === 'number').map(([k, n]) => [h('dt', {}, k), h('dd', {}, fmt(n))]))
        : h('p', { class: 'muted' }, 'Never reconciled.')),
    tabs, table.element);
  await table.load();
}

// ---- contacts ------------------------------------------------------------------------------------

async function contactsPage(current, params) {
  const by = params.get('by') || 'email';
  const term = params.get('q') || '';
  const kind = h('select', { name: 'by', 'aria-label': 'Find by' }, [['email', 'Email'], ['phonePrefix', 'Phone (or prefix)'], ['tag', 'Tag']].map(([v, l]) => h('option', { value: v, selected: v === by }, l)));
  const q = h('input', { name: 'q', value: term, placeholder: 'alice@example.com', 'aria-label': 'Find', type: 'search' });
  const form = h('form', { class: 'row', role: 'search', onsubmit: e => { e.preventDefault(); go(`#/contacts?by=${kind.value}&q=${encodeURIComponent(q.value.trim())}`); } },
    kind, q, h('button', { type: 'submit', class: 'primary' }, 'Find'), term ? h('a', { href: '#/contacts' }, 'Show all') : null);
  const table = pagedTable(current, {
    testid: 'contacts',
    columns: [{ label: 'Email' }, { label: 'Phone' }, { label: 'Name', narrow: true }, { label: 'Tags', narrow: true }, { label: 'Status' }],
    fetchPage: cursor => api('GET', '/contacts', { query: scoped({ [by]: term || undefined, cursor, limit: PAGE }) }),
    empty: term ? 'No contact matches.' : 'No contacts in this audience.',
    row: c => h('tr', {},
      h('td', {}, h('a', { href: `#/contacts/${c.id}` }, c.email || '(no email)')),
      h('td', {}, c.phone || ''),
      h('td', { class: 'hide-narrow' }, c.name || ''),
      h('td', { class: 'hide-narrow' }, (c.tags || []).join(', ')),
      h('td', {}, badge(c.status))),
  });
  render(h('h1', {}, 'Contacts'), h('div', { class: 'panel' }, form), table.element);
  q.focus();
  await table.load();
}

async function contactPage(current, id) {
  const c = await api('GET', `/contacts/${encodeURIComponent(id)}`, { query: scoped() });
  const email = input('email', c.email, { type: 'email' });
  const phone = input('phone', c.phone);
  const name = input('name', c.name);
  const timeZone = input('timeZone', c.timeZone, { placeholder: 'Europe/Moscow' });
  const tags = input('tags', (c.tags || []).join(', '));
  const status = select('status', c.status, ['active', 'unsubscribed', 'suppressed']);
  const externalId = input('externalId', c.externalId);
  const attributes = h('textarea', { name: 'attributes' }, JSON.stringify(c.attributes || {}, null, 2));

  async function save(e) {
    e.preventDefault();
    showFieldErrors(form, null);
    let attrs;
    try { attrs = JSON.parse(attributes.value || '{}'); } catch { form.querySelector('[data-for="attributes"]').textContent = 'Not valid JSON.'; return; }
    try {
      await api('PUT', `/contacts/${c.id}`, { query: scoped(), body: {
        email: email.value.trim() || null, phone: phone.value.trim() || null, name: name.value.trim() || null, timeZone: timeZone.value.trim() || null,
        tags: splitList(tags.value), attributes: attrs, status: status.value, externalId: externalId.value.trim() || null } });
      showBanner('Saved.', 'info');
    } catch (error) {
      showFieldErrors(form, error);
      showBanner(error.message);
    }
  }

  async function remove() {
    if (!confirm('Delete this contact? It leaves every list and future audiences.')) return;
    try { await api('DELETE', `/contacts/${c.id}`, { query: scoped() }); go('#/contacts'); } catch (error) { showBanner(error.message); }
  }

  const form = h('form', { class: 'grid', onsubmit: save },
    field('Email', email), field('Phone', phone), field('Name', name), field('Time zone', timeZone),
    field('Tags (comma-separated)', tags), field('Status', status), field('External id', externalId),
    field('Attributes (JSON object)', attributes, { wide: true }),
    h('div', { class: 'row wide' }, h('button', { type: 'submit', class: 'primary' }, 'Save'), h('button', { type: 'button', class: 'danger', onclick: remove }, 'Delete')));
  render(h('h1', {}, c.name || c.email || c.phone), h('p', {}, h('a', { href: '#/contacts' }, '← Contacts'), ' · ', h('span', { class: 'muted' }, `id ${c.id} · created ${when(c.createdAt)}`)),
    h('div', { class: 'panel' }, form));
}

// ---- suppressions --------------------------------------------------------------------------------

const SUPPRESSION_SCOPES = [['address', 'Address, every stream'], ['address_stream', 'Address, one stream'], ['domain', 'Whole domain']];
const SUPPRESSION_REASONS = ['manual', 'hard_bounce', 'complaint', 'unsubscribe', 'policy', 'invalid_recipient'];

const scopeText = s => (s.scope === 'address_stream' ? `address · ${s.stream}` : s.scope);

// Suppressions belong to the client, not to an audience: the audience field does not apply here. The list is the API's
// creation order; "Find" shows the rules of one address, and for an email address also its domain's.
async function suppressionsPage(current, params) {
  const results = h('div');
  const heading = h('div', { class: 'row baseline' });
  const q = input('q', params.get('q') || '', { type: 'search', placeholder: 'alice@example.com or example.com', 'aria-label': 'Find an address or domain' });
  const finder = h('form', { class: 'row finder', role: 'search', onsubmit: e => { e.preventDefault(); go(`#/suppressions?q=${encodeURIComponent(q.value.trim())}`); } },
    q, h('button', { type: 'submit', class: 'primary' }, 'Find'));

  async function show(term) {
    const domain = term.includes('@') ? term.slice(term.lastIndexOf('@') + 1) : null;
    const table = pagedTable(current, {
      testid: 'suppressions',
      columns: [{ label: 'Address or domain' }, { label: 'Scope', narrow: true }, { label: 'Reason' }, { label: 'Source', narrow: true }, { label: 'Expires', narrow: true }, { label: 'Created', narrow: true }, { label: 'Action' }],
      fetchPage: term ? () => findSuppressions([term, domain]) : cursor => api('GET', '/suppressions', { query: { cursor, limit: PAGE } }),
      empty: term ? (domain ? `Neither ${term} nor ${domain} is suppressed.` : `${term} is not suppressed.`) : 'No suppressions: every address gets mail.',
      row: s => h('tr', { dataset: { address: s.address, rule: s.id } },
        h('td', { class: 'address' }, s.address, h('div', { class: 'muted show-narrow' }, scopeText(s))),
        h('td', { class: 'hide-narrow' }, scopeText(s)),
        h('td', {}, badge(s.reason)),
        h('td', { class: 'hide-narrow' }, s.source || '—'),
        h('td', { class: 'hide-narrow' }, s.expiresAt ? [when(s.expiresAt), new Date(s.expiresAt) <= new Date() ? ' (expired)' : null] : 'never'),
        h('td', { class: 'hide-narrow' }, when(s.createdAt)),
        h('td', {}, h('button', { type: 'button', class: 'danger', 'aria-label': `Remove ${s.address} (${scopeText(s)})`, onclick: () => remove(s) }, 'Remove'))),
    });
    set(heading, h('h2', {}, term ? `Suppressions of ${term}` : 'All suppressions'),
      term ? h('a', { href: '#/suppressions' }, 'Show all') : h('span', { class: 'muted' }, 'oldest first'));
    set(results, table.element);
    await table.load();
  }

  // Lifts one rule (its scope and stream); other rules of the same address stay.
  async function remove(s) {
    const { address } = s;
    if (!confirm(`Lift the ${scopeText(s)} suppression of ${address}?`)) return;
    clearBanner();
    try {
      await api('DELETE', `/suppressions/${encodeURIComponent(address)}`, { query: { scope: s.scope, stream: s.stream } });
      const row = results.querySelector(`tr[data-rule="${s.id}"]`);
      // The keyboard's place moves to the next row's button (or the search field) instead of being lost with the row.
      (row?.nextElementSibling?.querySelector('button') || q).focus();
      row?.remove();
      // What is left of the address's rules (the lift itself succeeded, whatever this read answers).
      let left = null;
      try { left = await api('GET', `/suppressions/${encodeURIComponent(address)}`); } catch (error) { left = error.status === 404 ? [] : null; }
      showBanner(left === null ? `The ${scopeText(s)} rule of ${address} is lifted.`
        : left.length ? `The ${scopeText(s)} rule of ${address} is lifted; ${left.length} other ${left.length === 1 ? 'rule is' : 'rules are'} stored.`
          : `${address} is no longer suppressed.`, 'info');
    } catch (error) {
      showBanner(error.message);
    }
  }

  const address = input('address', '', { placeholder: 'alice@example.com or example.com', autocomplete: 'off' });
  const scope = select('scope', 'address', SUPPRESSION_SCOPES);
  const stream = select('stream', 'bulk', STREAMS);
  const reason = select('reason', 'manual', SUPPRESSION_REASONS);
  const expiresAt = input('expiresAt', '', { type: 'datetime-local' });
  const streamChoice = () => { stream.disabled = scope.value !== 'address_stream'; };
  scope.addEventListener('change', streamChoice);
  // Typing a domain picks the domain scope and an address an address scope; the operator may still choose otherwise.
  address.addEventListener('input', () => {
    const isAddress = address.value.includes('@');
    if (isAddress && scope.value === 'domain') scope.value = 'address';
    else if (!isAddress && address.value.includes('.') && scope.value !== 'domain') scope.value = 'domain';
    streamChoice();
  });
  streamChoice();

  async function add(e) {
    e.preventDefault();
    clearBanner();
    const value = address.value.trim();
    if (!value) {
      showFieldErrors(form, { problem: { errors: { address: ['Enter an email address or a domain.'] } } });
      address.focus();
      return;
    }
    try {
      const saved = await api('PUT', `/suppressions/${encodeURIComponent(value)}`, { body: {
        scope: scope.value, stream: scope.value === 'address_stream' ? stream.value : null, reason: reason.value, expiresAt: fromLocalInput(expiresAt.value) } });
      showFieldErrors(form, null);
      address.value = '';
      expiresAt.value = '';
      // The new rule is last in creation order: show its address's rules rather than the first page.
      history.pushState(null, '', `#/suppressions?q=${encodeURIComponent(saved.address)}`);
      q.value = saved.address;
      await show(saved.address);
      showBanner(`${saved.address} is suppressed (${scopeText(saved)}, ${saved.reason.replaceAll('_', ' ')}).`, 'info');
    } catch (error) {
      showFieldErrors(form, error);
      showBanner(error.status === 409 ? `Refused: ${error.message}` : error.message);
    }
  }

  const form = h('form', { class: 'grid three', novalidate: true, onsubmit: add },
    field('Address or domain', address), field('Scope', scope), field('Stream', stream),
    field('Reason', reason), field('Expires', expiresAt, { hint: 'your local time; empty: never' }),
    h('div', { class: 'row wide' }, h('button', { type: 'submit', class: 'primary' }, 'Suppress')));

  render(h('h1', {}, 'Suppressions'),
    h('p', { class: 'muted' }, 'No mail goes to these addresses and domains, in any audience. Hard bounces, complaints and unsubscribes add them by themselves.'),
    h('div', { class: 'panel' }, h('h2', { class: 'first' }, 'Add a suppression'), form),
    h('div', { class: 'row spread' }, heading, finder),
    results);
  await show(params.get('q') || '');
}

// The rules stored under each of the addresses (a 404 is "none").
async function findSuppressions(addresses) {
  const found = await Promise.all(addresses.filter(Boolean).map(a =>
    api('GET', `/suppressions/${encodeURIComponent(a)}`).catch(error => { if (error.status === 404) return []; throw error; })));
  return { items: found.flat(), nextCursor: null };
}

// ---- start ---------------------------------------------------------------------------------------

async function start() {
  document.title = `${config.title} console`;
  const saved = sessionStorage.getItem('mailing-audience');
  const audienceInput = document.getElementById('audience');
  if (saved) audienceInput.value = saved;
  audienceInput.addEventListener('change', () => { sessionStorage.setItem('mailing-audience', audience()); route(); });
  if (config.signOut) {
    const button = document.getElementById('sign-out');
    button.hidden = false;
    button.addEventListener('click', async () => {
      await fetch(config.signOut, { method: 'POST', headers: { 'X-Mailing-Console': '1' }, credentials: 'same-origin' });
      location.reload();
    });
  }
  try {
    const session = await fetch(`${config.base}/session`, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    if (session.ok) document.getElementById('client').textContent = `client ${(await session.json()).clientId}`;
  } catch { /* the pages say what is wrong */ }
  window.addEventListener('hashchange', route);
  await route();
}

start();
