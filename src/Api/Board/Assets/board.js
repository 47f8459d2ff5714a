// The live lineage board. Every value that comes from a device (device, table and column names,
// errors) is hostile: it only ever reaches the page as a text node (textContent), never as markup.
'use strict';

(() => {
  const base = document.body.dataset.base || '';
  const $ = id => document.getElementById(id);
  const REFRESH_DELAY_MS = 250;
  const PAGE = 500;

  const state = {
    session: null,
    projectId: null,
    lineages: new Map(),
    groups: [],
    detailId: null,
    source: null,
    pending: new Map(),
    groupsTimer: null,
  };

  // ---- DOM helpers: text only.
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'dataset') Object.assign(node.dataset, value);
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else if (key === 'text') node.textContent = String(value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function uuid() {
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map(x => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  const number = n => (n === null || n === undefined ? '–' : Number(n).toLocaleString('en'));
  function bytes(n) {
    if (n === null || n === undefined) return '–';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let value = Number(n);
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
    return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
  }
  function when(iso) {
    if (!iso) return '–';
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? String(iso) : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  }
  const reasonLabel = r => String(r).replace(/_/g, ' ');

  function showMessage(text) {
    const node = $('message');
    node.textContent = text || '';
    node.hidden = !text;
  }

  // ---- API calls (the session cookie goes along; state-changing calls carry the anti-forgery header).
  async function call(path, options = {}) {
    const headers = Object.assign({ Accept: 'application/json' }, options.headers || {});
    const init = { method: options.method || 'GET', headers, credentials: 'same-origin', cache: 'no-store' };
    if (init.method !== 'GET') {
      headers[state.session.csrf_header] = state.session.csrf_token;
      headers['Idempotency-Key'] = uuid();
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(options.body || {});
    }
    const response = await fetch(path, init);
    if (response.status === 401) {
      window.location.assign(`${base}/login?return_url=${encodeURIComponent(location.pathname + location.search)}`);
      throw new Error('signed out');
    }
    const text = await response.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch { body = null; }
    if (!response.ok) {
      const error = new Error((body && (body.detail || body.title)) || `HTTP ${response.status}`);
      error.status = response.status;
      error.code = body && body.code;
      throw error;
    }
    return body;
  }
  const edge = path => `${base}/core/api/v1/projects/${state.projectId}/edge${path}`;

  // ---- Lineage rows: one shape for list items and details.
  function rowOf(l) {
    const counters = l.counters || {};
    return {
      id: l.id,
      deviceId: l.device_id,
      deviceName: l.device_name,
      table: l.source_table,
      status: l.status,
      reasons: l.pause_reasons || [],
      stagedRows: l.staged_row_count ?? counters.staged_row_count ?? 0,
      stagedBytes: l.staged_bytes ?? counters.staged_bytes ?? 0,
      watermark: l.server_watermark ?? (l.watermark ? l.watermark.server_watermark : null),
      lastError: l.materialization_last_error || (l.last_rejection_code ? `rejected: ${l.last_rejection_code}` : null),
      openReviewId: l.open_review_id ?? (l.open_review ? l.open_review.review_id : null),
      openReviewState: l.open_review ? l.open_review.state : null,
      createdAt: l.created_at,
    };
  }

  // ---- Filters live in the URL query, so a filtered view can be shared and survives a reload.
  const filterIds = { status: 'filter-status', reason: 'filter-reason', device: 'filter-device', table: 'filter-table' };
  function filters() {
    const f = {};
    for (const [key, id] of Object.entries(filterIds)) f[key] = $(id).value.trim();
    return f;
  }
  function writeUrl() {
    const params = new URLSearchParams();
    if (state.projectId) params.set('project', state.projectId);
    for (const [key, value] of Object.entries(filters())) if (value) params.set(key, value);
    if (state.detailId) params.set('lineage', state.detailId);
    const query = params.toString();
    history.replaceState(null, '', `${location.pathname}${query ? `?${query}` : ''}`);
  }
  function readUrl() {
    const params = new URLSearchParams(location.search);
    for (const [key, id] of Object.entries(filterIds)) $(id).value = params.get(key) || '';
    return { project: params.get('project'), lineage: params.get('lineage') };
  }
  function matches(row, f) {
    if (f.status && row.status !== f.status) return false;
    if (f.reason && !row.reasons.includes(f.reason)) return false;
    if (f.device) {
      const needle = f.device.toLowerCase();
      if (!String(row.deviceName).toLowerCase().includes(needle) && !String(row.deviceId).includes(needle)) return false;
    }
    if (f.table && !String(row.table).toLowerCase().includes(f.table.toLowerCase())) return false;
    return true;
  }

  // ---- Rendering.
  function renderSummary() {
    const rows = [...state.lineages.values()];
    const count = pred => rows.filter(pred).length;
    const staged = rows.reduce((sum, r) => sum + Number(r.stagedRows || 0), 0);
    const tiles = [
      ['lineages', rows.length],
      ['active', count(r => r.status === 'active')],
      ['paused', count(r => r.status === 'paused')],
      ['schema review', count(r => r.reasons.includes('schema_review'))],
      ['backpressure', count(r => r.reasons.includes('backpressure'))],
      ['circuit breaker', count(r => r.reasons.includes('circuit_breaker'))],
      ['staged rows', staged],
    ];
    const summary = $('summary');
    clear(summary);
    for (const [label, value] of tiles)
      summary.append(el('div', { class: 'tile', dataset: { tile: label.replace(/ /g, '_') } },
        el('span', { class: 'value', text: number(value) }), el('span', { class: 'label', text: label })));
  }

  function renderRow(row) {
    const reasons = el('td', { class: 'reasons' }, row.reasons.map(r => el('span', { class: `chip reason-${r}`, text: reasonLabel(r) })));
    const review = row.openReviewId
      ? el('button', { type: 'button', class: 'link', onclick: e => { e.stopPropagation(); openDetail(row.id); }, text: row.openReviewState || 'open' })
      : '–';
    return el('tr', { class: `status-${row.status}${row.id === state.detailId ? ' selected' : ''}`, dataset: { lineageId: row.id }, tabindex: 0,
      onclick: () => openDetail(row.id), onkeydown: e => { if (e.key === 'Enter') openDetail(row.id); } },
      el('td', { class: 'device', title: `${row.deviceName} (${row.deviceId})`, text: row.deviceName }),
      el('td', { class: 'table-name', title: row.table, text: row.table }),
      el('td', null, el('span', { class: `badge ${row.status}`, text: row.status })),
      reasons,
      el('td', { class: 'num staged-rows', text: number(row.stagedRows) }),
      el('td', { class: 'num staged-bytes', text: bytes(row.stagedBytes) }),
      el('td', { class: 'num watermark', text: number(row.watermark) }),
      el('td', { class: 'error-text', title: row.lastError || '', text: row.lastError || '–' }),
      el('td', { class: 'review' }, review));
  }

  function renderTable() {
    const f = filters();
    const rows = [...state.lineages.values()]
      .filter(r => matches(r, f))
      .sort((a, b) => String(a.deviceName).localeCompare(String(b.deviceName)) || String(a.table).localeCompare(String(b.table)));
    const body = $('lineages').tBodies[0];
    clear(body);
    for (const row of rows) body.append(renderRow(row));
    $('empty').hidden = rows.length > 0;
    $('count').textContent = `${rows.length} of ${state.lineages.size} lineages`;
    renderSummary();
  }

  function renderGroups() {
    const body = $('groups').tBodies[0];
    clear(body);
    const project = currentProject();
    for (const g of state.groups) {
      const columns = (g.proposed_columns || []).map(c => el('span', { class: 'column', text: c.name }));
      const action = el('td', { class: 'actions' });
      if (project && project.can_manage) {
        action.append(el('button', { type: 'button', class: 'approve', onclick: () => confirmApproval(g, action) }, 'Approve…'));
      } else {
        action.append(el('span', { class: 'muted', text: 'needs manage permission' }));
      }
      body.append(el('tr', { dataset: { exampleReviewId: g.example_review_id } },
        el('td', { class: 'table-name', text: g.source_table }),
        el('td', { text: reasonLabel(g.classification) }),
        el('td', { class: 'columns' }, columns),
        el('td', { class: 'num', text: number(g.device_count) }),
        el('td', { class: 'num', text: number(g.lineage_count) }),
        el('td', { class: 'num', text: number(g.staged_rows) }),
        el('td', { text: when(g.oldest_waiting_since) }),
        action));
    }
    $('groups-empty').hidden = state.groups.length > 0;
  }

  function confirmApproval(group, cell) {
    clear(cell);
    const columns = (group.proposed_columns || []).map(c => c.name);
    cell.append(
      el('p', { class: 'small', text: `Mirror all ${columns.length} columns for ${group.lineage_count} lineage(s) of the project?` }),
      el('button', { type: 'button', class: 'approve confirm', onclick: () => approve(group, cell) }, 'Confirm approval'),
      el('button', { type: 'button', class: 'quiet', onclick: () => renderGroups() }, 'Cancel'));
  }

  async function approve(group, cell) {
    try {
      const reviewId = group.example_review_id;
      let review = (await call(edge(`/schema-reviews/${reviewId}`))).data;
      if (review.state === 'queued') review = (await call(edge(`/schema-reviews/${reviewId}/claim`), { method: 'POST' })).data;
      const columnActions = (group.proposed_columns || []).map(c => ({ source_column_name: c.name, action: 'mirror' }));
      await call(edge(`/schema-reviews/${reviewId}/approve`), {
        method: 'POST',
        body: { action_version: review.action_version, column_actions: columnActions, scope: 'project' },
      });
      showMessage('');
      scheduleGroups();
    } catch (error) {
      clear(cell);
      cell.append(el('span', { class: 'error', text: `Not approved: ${error.message}` }));
    }
  }

  // ---- Detail.
  async function openDetail(id) {
    state.detailId = id;
    writeUrl();
    renderTable();
    await renderDetail();
  }

  function closeDetail() {
    state.detailId = null;
    $('detail').hidden = true;
    writeUrl();
    renderTable();
  }

  async function renderDetail() {
    const id = state.detailId;
    const panel = $('detail');
    if (!id) { panel.hidden = true; return; }
    let lineage;
    let events = [];
    try {
      lineage = (await call(edge(`/lineages/${id}`))).data;
      const first = await call(edge(`/lineages/${id}/events?limit=25`));
      const total = first.meta.total_items;
      const last = Math.max(1, Math.ceil(total / 25));
      const page = last === 1 ? first : await call(edge(`/lineages/${id}/events?limit=25&page=${last}`));
      events = page.data.slice().reverse();
      if (events.length < 10 && last > 1) {
        const previous = await call(edge(`/lineages/${id}/events?limit=25&page=${last - 1}`));
        events = events.concat(previous.data.slice().reverse());
      }
    } catch (error) {
      if (error.status === 404) { state.lineages.delete(id); closeDetail(); return; }
      showMessage(error.message);
      return;
    }
    if (state.detailId !== id) return;
    const row = rowOf(lineage);
    const counters = lineage.counters || {};
    const facts = [
      ['Device', row.deviceName], ['Device id', row.deviceId], ['Table', row.table], ['Status', row.status],
      ['Pause reasons', row.reasons.map(reasonLabel).join(', ') || '–'],
      ['Staged rows', number(row.stagedRows)], ['Staged bytes', bytes(row.stagedBytes)],
      ['Watermark', number(row.watermark)], ['Rows materialized', number(counters.rows_materialized)],
      ['Rows received', number(counters.rows_received)], ['Mirror table', lineage.mirror ? lineage.mirror.name : '–'],
      ['Open review', lineage.open_review ? `${lineage.open_review.state} (${lineage.open_review.review_id})` : '–'],
      ['Failures', number(lineage.materialization_failure_count)], ['Last error', lineage.materialization_last_error || '–'],
      ['Last rejection', lineage.last_rejection_code || '–'], ['Pending controls', number((lineage.pending_controls || []).length)],
      ['Updated', when(lineage.updated_at)],
    ];
    clear(panel);
    panel.hidden = false;
    const project = currentProject();
    const actions = el('div', { class: 'actions' });
    if (project && project.can_manage) {
      if (row.reasons.includes('operator'))
        actions.append(el('button', { type: 'button', id: 'resume-lineage', onclick: () => command(id, 'resume') }, 'Resume'));
      else
        actions.append(el('button', { type: 'button', id: 'pause-lineage', onclick: () => command(id, 'pause') }, 'Pause'));
    }
    actions.append(el('button', { type: 'button', class: 'quiet', onclick: closeDetail }, 'Close'));
    panel.append(
      el('h2', { class: 'detail-title' }, el('span', { class: 'device', text: row.deviceName }), ' / ', el('span', { class: 'table-name', text: row.table })),
      actions,
      el('dl', { class: 'facts' }, facts.map(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })])),
      el('h3', { text: 'Recent events' }),
      el('table', { id: 'events', class: 'events' },
        el('thead', null, el('tr', null, el('th', { class: 'num', text: 'v' }), el('th', { text: 'Event' }), el('th', { text: 'At' }))),
        el('tbody', null, events.map(e => el('tr', { dataset: { eventType: e.type } },
          el('td', { class: 'num', text: e.version }), el('td', { class: 'event-type', text: e.type }), el('td', { text: when(e.timestamp) }))))));
  }

  async function command(id, verb) {
    try {
      await call(edge(`/lineages/${id}/${verb}`), { method: 'POST', body: verb === 'pause' ? { reason: 'paused from the board' } : {} });
      showMessage('');
      scheduleRefresh(id);
    } catch (error) {
      showMessage(`${verb} failed: ${error.message}`);
    }
  }

  // ---- Loading and live updates.
  function currentProject() {
    return state.session ? state.session.projects.find(p => p.id === state.projectId) : null;
  }

  async function loadLineages() {
    const fresh = new Map();
    for (let page = 1; page <= 40; page++) {
      const body = await call(edge(`/lineages?limit=${PAGE}&page=${page}`));
      for (const l of body.data) fresh.set(l.id, rowOf(l));
      if (page >= body.meta.total_pages) break;
    }
    state.lineages = fresh;
    renderTable();
  }

  async function loadGroups() {
    const body = await call(edge('/schema-groups?limit=100'));
    state.groups = body.data;
    renderGroups();
  }

  function scheduleGroups() {
    clearTimeout(state.groupsTimer);
    state.groupsTimer = setTimeout(() => loadGroups().catch(e => showMessage(e.message)), REFRESH_DELAY_MS);
  }

  // A busy lineage sends many events: one refresh per lineage per short interval.
  function scheduleRefresh(id) {
    if (state.pending.has(id)) return;
    state.pending.set(id, setTimeout(async () => {
      state.pending.delete(id);
      try {
        const lineage = (await call(edge(`/lineages/${id}`))).data;
        state.lineages.set(id, rowOf(lineage));
      } catch (error) {
        if (error.status === 404) state.lineages.delete(id);
        else { showMessage(error.message); return; }
      }
      renderTable();
      if (state.detailId === id) await renderDetail();
    }, REFRESH_DELAY_MS));
  }

  function setLive(stateName, text) {
    const node = $('live');
    node.dataset.state = stateName;
    node.textContent = text;
  }

  function listen() {
    if (state.source) state.source.close();
    const source = new EventSource(`${base}/board/api/projects/${state.projectId}/changes`);
    state.source = source;
    source.addEventListener('open', () => setLive('live', 'live'));
    source.addEventListener('error', () => setLive('reconnecting', 'reconnecting…'));
    source.addEventListener('change', message => {
      let change;
      try { change = JSON.parse(message.data); } catch { return; }
      if (!change || !change.lineage_id) return;
      scheduleRefresh(change.lineage_id);
      if (String(change.type).startsWith('review_') || change.type === 'lineage_created' || change.type === 'lineage_deleted') scheduleGroups();
    });
  }

  async function selectProject(id, lineage) {
    state.projectId = id;
    state.detailId = lineage || null;
    state.lineages = new Map();
    showMessage('');
    writeUrl();
    listen();
    try {
      await Promise.all([loadLineages(), loadGroups()]);
      if (state.detailId) await renderDetail();
      else $('detail').hidden = true;
      document.body.dataset.loaded = 'true';
    } catch (error) {
      showMessage(error.message);
    }
  }

  async function start() {
    const wanted = readUrl();
    try {
      state.session = (await call(`${base}/board/api/session`)).data;
    } catch (error) {
      showMessage(error.message);
      return;
    }
    $('who').textContent = state.session.subject;
    $('logout-csrf').value = state.session.csrf_token;
    $('dashboard-link').hidden = !state.session.platform_admin;
    const picker = $('project');
    for (const p of state.session.projects) picker.append(el('option', { value: p.id, text: p.name || p.id }));
    if (state.session.projects.length === 0) {
      showMessage('Your session grants no project.');
      document.body.dataset.loaded = 'true';
      return;
    }
    const chosen = state.session.projects.some(p => p.id === wanted.project) ? wanted.project : state.session.projects[0].id;
    picker.value = chosen;
    picker.addEventListener('change', () => selectProject(picker.value, null));
    for (const id of Object.values(filterIds)) {
      $(id).addEventListener('input', () => { writeUrl(); renderTable(); });
      $(id).addEventListener('change', () => { writeUrl(); renderTable(); });
    }
    $('filter-clear').addEventListener('click', () => {
      for (const id of Object.values(filterIds)) $(id).value = '';
      writeUrl();
      renderTable();
    });
    await selectProject(chosen, chosen === wanted.project ? wanted.lineage : null);
  }

  start();
})();
