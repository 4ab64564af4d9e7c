// GrainStream demo page: plain ES module, no build step, no dependencies.
// Every panel loads its state over REST and then follows the entity's Server-Sent Events.
// User text is only ever placed with textContent, never parsed as HTML.

const KEY_RE = /^[A-Za-z0-9._-]{1,128}$/;
const DEFAULT_SYMBOLS = ['ACME', 'GLOBEX', 'INITECH', 'UMBRELLA', 'HOOLI'];
const TASK_QUEUE = 'default';
const SPARK_POINTS = 60;
const MAX_CHAT_MESSAGES = 200;
const MAX_LOG_LINES = 2000;
const MAX_TASK_CARDS = 30;
const MAX_SYMBOLS = 31; // + tasks:default = the API's default limit of 32 topics per /api/events connection

const $ = (id) => document.getElementById(id);
const enc = encodeURIComponent;

// ---------------------------------------------------------------- small helpers

const store = {
  get(key, fallback) {
    try { const v = localStorage.getItem(key); return v === null ? fallback : JSON.parse(v); }
    catch { return fallback; }
  },
  set(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch { /* private mode: not kept */ }
  },
};

function isKey(s) { return typeof s === 'string' && KEY_RE.test(s) && s !== '.' && s !== '..'; }

function uuid() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  // randomUUID needs a secure context; getRandomValues does not.
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

function fmtTime(iso, withSeconds = false) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', ...(withSeconds ? { second: '2-digit' } : {}) });
}

function fmtPrice(n) {
  if (n === null || n === undefined || Number.isNaN(Number(n))) return '—';
  return Number(n).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

function parseData(e) {
  try { return JSON.parse(e.data); } catch { return e.data; }
}

/** A status line under a panel: info fades, errors stay until the next message. */
class StatusLine {
  constructor(node) { this.node = node; this.timer = 0; this.fromBackground = false; }
  show(text, kind = 'info') {
    clearTimeout(this.timer);
    this.fromBackground = false;
    this.node.textContent = text;
    this.node.dataset.kind = kind;
    if (kind !== 'error') this.timer = setTimeout(() => this.clear(), 4000);
  }
  error(err) {
    const text = err instanceof ApiError ? err.message : (err?.message ?? String(err));
    this.show(text, 'error');
  }
  /** An error from a background refresh: cleared by the next refresh that succeeds. */
  background(err) { this.error(err); this.fromBackground = true; }
  recovered() { if (this.fromBackground) this.clear(); }
  /** A hint that stays until the next message (no timeout). */
  note(text) { this.show(text, 'info'); clearTimeout(this.timer); }
  clear() { this.node.textContent = ''; delete this.node.dataset.kind; this.fromBackground = false; }
}

// ---------------------------------------------------------------- REST

class ApiError extends Error {
  constructor(status, title, detail) {
    super(detail ? `${title}: ${detail}` : title);
    this.status = status;
    this.title = title;
    this.detail = detail;
  }
  /** Worth retrying as-is (network failure, server busy or restarting). */
  get transient() { return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500; }
}

async function problemFrom(res) {
  let title = `${res.status} ${res.statusText || 'error'}`.trim();
  let detail = '';
  try {
    const text = await res.text();
    if (text) {
      const p = JSON.parse(text);
      if (p && typeof p === 'object') {
        if (p.title) title = `${res.status} ${p.title}`;
        detail = p.detail ?? '';
        // A validation problem names each field: more useful than its summary.
        if (p.errors && typeof p.errors === 'object') {
          const fields = Object.entries(p.errors).map(([k, v]) => `${k}: ${[v].flat().join(' ')}`);
          if (fields.length) detail = fields.join('; ');
        }
      }
    }
  } catch { /* not JSON: keep the status line */ }
  return new ApiError(res.status, title, detail);
}

// ---------------------------------------------------------------- auth

/**
 * Tokens for the Jwt mode (GET /auth/config tells the mode). The server names the caller by the
 * token's subject, so the page holds one development token per name it acts as (the chat user,
 * the queue consumer) from POST /auth/dev-token (served only with Auth:DevTokens=true), renewed a
 * minute before it expires. In the Anonymous mode no token is ever asked for or sent.
 */
const auth = {
  mode: 'Anonymous',
  devTokens: false,
  tokens: new Map(), // subject -> Promise<{ token, expiresAt }>
  ready: null,

  init() {
    this.ready = fetch('/auth/config', { headers: { Accept: 'application/json' } })
      .then((r) => (r.ok ? r.json() : null))
      .then((c) => { if (c) { this.mode = c.mode; this.devTokens = Boolean(c.devTokens); } })
      .catch(() => { /* an older server: Anonymous */ });
    return this.ready;
  },

  get jwt() { return this.mode === 'Jwt'; },

  /** The token to act as `subject` (default: the chat user); null in the Anonymous mode. */
  async token(subject) {
    await this.ready;
    if (!this.jwt) return null;
    if (!this.devTokens) throw new ApiError(401, '401 Unauthorized', 'the API needs a token and serves no development tokens (Auth:DevTokens=false)');
    const who = subject || chat.user || store.get('gs.user', 'guest');
    let held = this.tokens.get(who);
    if (held) {
      const t = await held.catch(() => null);
      if (t && t.expiresAt - Date.now() > 60000) return t.token;
      if (this.tokens.get(who) === held) this.tokens.delete(who);
    }
    held = this.tokens.get(who); // another call may have asked for a new one meanwhile
    if (!held) { held = this.mint(who); this.tokens.set(who, held); }
    return (await held).token;
  },

  /** Drops a token the server refused (expired, or minted before a key change). */
  forget(subject) { this.tokens.delete(subject || chat.user || store.get('gs.user', 'guest')); },

  async mint(subject) {
    const res = await fetch('/auth/dev-token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, application/problem+json' },
      body: JSON.stringify({ subject }),
    });
    if (!res.ok) { this.tokens.delete(subject); throw await problemFrom(res); }
    const t = await res.json();
    return { token: t.token, expiresAt: Date.parse(t.expiresAt) };
  },
};

/**
 * Calls the API. JSON in and out; `text` sends text/plain; `as` names the subject whose token
 * goes along in the Jwt mode. Throws ApiError with the problem+json `detail` on a 4xx/5xx and
 * with status 0 when the server cannot be reached.
 */
async function api(method, path, { json, text, signal, as } = {}) {
  const init = { method, headers: { Accept: 'application/json, application/problem+json' }, signal };
  if (json !== undefined) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(json); }
  else if (text !== undefined) { init.headers['Content-Type'] = 'text/plain; charset=utf-8'; init.body = text; }
  let res;
  for (let attempt = 0; ; attempt++) {
    const token = await auth.token(as);
    if (token) init.headers.Authorization = `Bearer ${token}`;
    try { res = await fetch(path, init); }
    catch (e) {
      if (e?.name === 'AbortError') throw e;
      throw new ApiError(0, 'Network error', 'the server cannot be reached');
    }
    // A token the server no longer takes (it expired meanwhile): once more with a fresh one.
    if (res.status !== 401 || !token || attempt > 0) break;
    auth.forget(as);
  }
  if (!res.ok) throw await problemFrom(res);
  if (res.status === 204) return null;
  const body = await res.text();
  if (!body) return null;
  try { return JSON.parse(body); } catch { return body; }
}

/** Retries transient failures a few times with the same request (callers make it idempotent). */
async function withRetry(fn, attempts = 4) {
  let delay = 300;
  for (let i = 1; ; i++) {
    try { return await fn(); }
    catch (e) {
      if (!(e instanceof ApiError) || !e.transient || i >= attempts) throw e;
      await new Promise((r) => setTimeout(r, delay));
      delay *= 2;
    }
  }
}

// ---------------------------------------------------------------- streams

/**
 * One EventSource with a visible connection state. The browser reconnects by itself and sends
 * Last-Event-ID; when the server refuses the stream (EventSource gives up), the reason is fetched
 * and shown, and the stream is reopened with `lastEventId` after a back-off unless the refusal is final.
 */
class LiveStream {
  constructor(url, { indicator, status, events = {}, onOpen, onReset, as } = {}) {
    this.url = url;
    this.as = as; // whose token goes along in the Jwt mode (EventSource cannot send headers: ?access_token=)
    this.opening = 0;
    this.indicator = indicator;
    this.status = status;
    this.events = events;
    this.onOpen = onOpen;
    this.onReset = onReset;
    this.es = null;
    this.lastId = '';
    this.opens = 0;
    this.backoff = 1000;
    this.timer = 0;
    this.stopped = false;
  }

  start({ fresh = false } = {}) {
    this.stopped = false;
    if (fresh) { this.lastId = ''; this.opens = 0; }
    this.#open();
    return this;
  }

  close() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.es?.close();
    this.es = null;
    this.#state('idle');
  }

  /** Drops the resume position and opens a new connection (used after a `reset`). */
  restartFresh() { this.es?.close(); this.es = null; clearTimeout(this.timer); this.start({ fresh: true }); }

  async #open() {
    let url = this.url;
    if (this.lastId) url += `${url.includes('?') ? '&' : '?'}lastEventId=${enc(this.lastId)}`;
    const opening = ++this.opening;
    let token = null;
    try { token = await auth.token(this.as); }
    catch (e) { this.status?.background(new Error(`Stream: ${e.message}`)); this.#state('closed'); return; }
    if (this.stopped || opening !== this.opening) return; // closed, or opened again, meanwhile
    if (token) url += `${url.includes('?') ? '&' : '?'}access_token=${enc(token)}`;
    const es = new EventSource(url);
    this.es = es;
    this.#state(this.opens ? 'reconnecting' : 'connecting');
    es.onopen = () => {
      if (es !== this.es) return;
      this.backoff = 1000;
      this.#state('live');
      this.status?.recovered();
      const first = this.opens === 0;
      this.opens++;
      this.onOpen?.(first);
    };
    es.onerror = () => {
      if (es !== this.es) return;
      if (es.readyState === EventSource.CLOSED) this.#refused(url);
      else this.#state('reconnecting');
    };
    const track = (handler) => (e) => {
      if (es !== this.es) return;
      if (e.lastEventId) this.lastId = e.lastEventId;
      handler(parseData(e), e);
    };
    for (const [name, handler] of Object.entries(this.events)) es.addEventListener(name, track(handler));
    es.addEventListener('reset', track((data) => this.onReset?.(data)));
  }

  async #refused(url) {
    this.es?.close();
    this.es = null;
    this.#state('reconnecting');
    // EventSource does not expose the response: ask once more to show the problem's detail.
    let final = false;
    const ctl = new AbortController();
    try {
      const res = await fetch(url, { headers: { Accept: 'text/event-stream' }, signal: ctl.signal });
      if (!res.ok || res.status === 204) {
        const p = res.status === 204 ? new ApiError(204, 'stream finished') : await problemFrom(res);
        final = p.status === 204 || (p.status >= 400 && p.status < 500 && !p.transient);
        if (p.status === 400 && this.lastId) { this.lastId = ''; final = false; }
        // The token expired (the server ended the stream at its expiry): come back with a new one.
        if (p.status === 401 && auth.jwt) { auth.forget(this.as); final = false; }
        this.status?.background(new Error(`Stream: ${p.message}`));
      }
    } catch { /* unreachable: retry later */ }
    finally { ctl.abort(); }
    if (this.stopped) return;
    if (final) { this.#state('closed'); return; }
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, 30000);
    this.timer = setTimeout(() => { if (!this.stopped) this.#open(); }, wait);
  }

  #state(s) {
    if (!this.indicator) return;
    this.indicator.dataset.state = s;
    this.indicator.textContent = s;
  }
}

// ---------------------------------------------------------------- chat

const chat = {
  room: '',
  user: '',
  stream: null,
  items: new Map(),      // id -> { msg, li }
  receipts: new Map(),   // user -> upTo
  online: [],
  lastReadSent: 0,
  readTimer: 0,
  loadSeq: 0,
  status: null,

  init() {
    this.status = new StatusLine($('chat-status'));
    $('chat-room').value = store.get('gs.room', 'lobby');
    let user = store.get('gs.user', '');
    if (!isKey(user)) { user = `guest-${100 + Math.floor(Math.random() * 900)}`; store.set('gs.user', user); }
    $('chat-user').value = user;

    $('chat-join').addEventListener('submit', (e) => { e.preventDefault(); this.join(); });
    $('chat-form').addEventListener('submit', (e) => { e.preventDefault(); this.send(); });
    $('chat-text').addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); $('chat-form').requestSubmit(); }
    });
    document.addEventListener('visibilitychange', () => this.scheduleRead());
    this.join();
  },

  join() {
    const room = $('chat-room').value.trim();
    const user = $('chat-user').value.trim();
    if (!isKey(room)) { this.status.show('Room: use 1-128 of A-Z a-z 0-9 . _ -', 'error'); return; }
    if (!isKey(user) || user.length > 64) { this.status.show('Name: use 1-64 of A-Z a-z 0-9 . _ -', 'error'); return; }
    store.set('gs.room', room);
    store.set('gs.user', user);
    this.stream?.close();
    this.room = room;
    this.user = user;
    this.items.clear();
    this.receipts.clear();
    this.lastReadSent = 0;
    $('chat-messages').replaceChildren();
    this.setOnline([]);
    this.presenceEvents = 0;
    $('chat-title').textContent = `Chat — #${room}`;
    this.status.clear();

    this.stream = new LiveStream(`/api/chat/rooms/${enc(room)}/events?user=${enc(user)}`, {
      as: user,
      indicator: $('chat-conn'),
      status: this.status,
      events: {
        message: (m) => this.upsert(m, 'stream'),
        presence: (p) => { this.presenceEvents++; this.setOnline(p.onlineUsers ?? []); },
        read: (r) => this.receipt(r.user, r.upTo),
      },
      // History is read once the subscription is in place, so nothing falls between the two;
      // events and history are merged by message id.
      onOpen: (first) => { if (first) this.load(); },
      onReset: () => this.load(true),
    }).start();
  },

  /** Loads the latest messages, the online users and the read receipts over REST. */
  async load(clear = false) {
    const seq = ++this.loadSeq;
    const room = this.room;
    const base = `/api/chat/rooms/${enc(room)}`;
    // A presence event that arrives while the summary is on its way is newer than the summary.
    const presenceBefore = this.presenceEvents;
    try {
      const summary = await api('GET', base);
      if (seq !== this.loadSeq) return;
      let list = await api('GET', `${base}/messages?limit=50`) ?? [];
      // The history is oldest first; when the room has more, page towards its end.
      if (summary?.lastId && list.length && list[list.length - 1].id < summary.lastId) list = await this.latest(base, summary.lastId);
      if (seq !== this.loadSeq) return;
      if (clear) {
        for (const [id, item] of this.items) if (item.via !== 'stream') { item.li.remove(); this.items.delete(id); }
      }
      for (const m of list) this.upsert(m, 'history');
      if (this.presenceEvents === presenceBefore) this.setOnline(summary?.onlineUsers ?? this.online);
      for (const [user, upTo] of Object.entries(summary?.readReceipts ?? {})) this.receipt(user, upTo, false);
      this.renderSeen();
      this.scrollToEnd();
      this.scheduleRead();
    } catch (e) { this.status.error(e); }
  },

  /** The last 50 messages of a long room, found by widening `after` back from the last id. */
  async latest(base, lastId) {
    let span = 256;
    let list = [];
    for (let i = 0; i < 12; i++) {
      const after = Math.max(0, lastId - span);
      list = await api('GET', `${base}/messages?after=${after}&limit=1000`) ?? [];
      const reachesEnd = list.length === 0 || list[list.length - 1].id >= lastId;
      if (!reachesEnd) { span = Math.max(64, Math.floor(span / 3)); continue; }
      if (list.length >= 50 || after === 0) break;
      span *= 4;
    }
    return list.slice(-50);
  },

  upsert(m, via) {
    if (!m || typeof m.id !== 'number' || m.room !== undefined && m.room !== this.room) return;
    const existing = this.items.get(m.id);
    if (existing) {
      if (via === 'stream' && existing.via !== 'stream') { existing.via = 'stream'; existing.li.dataset.via = 'stream'; }
      return;
    }
    const nearEnd = this.isNearEnd();
    const time = el('time', { datetime: m.sentAt, title: new Date(m.sentAt).toLocaleString(), text: fmtTime(m.sentAt) });
    const li = el('li', {
      class: m.author === this.user ? 'msg mine' : 'msg',
      dataset: { testid: 'chat-message', id: String(m.id), via, author: m.author },
    },
    el('div', { class: 'meta' }, el('span', { class: 'author', text: m.author }), time),
    el('div', { class: 'text', 'data-testid': 'chat-message-text', text: m.text }),
    el('div', { class: 'seen', 'data-testid': 'chat-seen' }));
    this.items.set(m.id, { msg: m, li, via });

    // Keep id order: usually an append.
    const list = $('chat-messages');
    let before = null;
    for (let n = list.lastElementChild; n; n = n.previousElementSibling) {
      if (Number(n.dataset.id) > m.id) before = n; else break;
    }
    list.insertBefore(li, before);
    while (list.children.length > MAX_CHAT_MESSAGES) {
      const first = list.firstElementChild;
      this.items.delete(Number(first.dataset.id));
      first.remove();
    }
    if (via === 'stream') { this.renderSeen(); this.scheduleRead(); }
    if (nearEnd || m.author === this.user) this.scrollToEnd();
  },

  async send() {
    const box = $('chat-text');
    const text = box.value.replace(/\s+$/, '');
    if (!text.trim()) return;
    if (!this.room) { this.status.show('Join a room first', 'error'); return; }
    // One clientId per message: a retried post returns the first message instead of a duplicate.
    const clientId = uuid();
    const room = this.room;
    const button = $('chat-send');
    button.disabled = true;
    try {
      const m = await withRetry(() => api('POST', `/api/chat/rooms/${enc(room)}/messages`,
        { json: { author: this.user, text, clientId }, as: this.user }));
      if (box.value.replace(/\s+$/, '') === text) box.value = '';
      if (room === this.room && m) this.upsert(m, 'post');
      this.status.clear();
    } catch (e) { this.status.error(e); }
    finally { button.disabled = false; box.focus(); }
  },

  lastId() {
    const last = $('chat-messages').lastElementChild;
    return last ? Number(last.dataset.id) : 0;
  },

  /** Marks the room read up to the last message while the page is visible. */
  scheduleRead() {
    clearTimeout(this.readTimer);
    this.readTimer = setTimeout(async () => {
      const upTo = this.lastId();
      if (document.visibilityState !== 'visible' || !upTo || upTo <= this.lastReadSent) return;
      this.lastReadSent = upTo;
      try { await api('POST', `/api/chat/rooms/${enc(this.room)}/read`, { json: { user: this.user, upTo }, as: this.user }); }
      catch (e) { this.lastReadSent = 0; this.status.error(e); }
    }, 400);
  },

  receipt(user, upTo, render = true) {
    if (typeof upTo !== 'number') return;
    if ((this.receipts.get(user) ?? 0) >= upTo) return;
    this.receipts.set(user, upTo);
    if (render) this.renderSeen();
  },

  /** "Seen by" under the newest message each other user has read. */
  renderSeen() {
    const list = $('chat-messages');
    const ids = [...list.children].map((n) => Number(n.dataset.id));
    const byId = new Map();
    for (const [user, upTo] of this.receipts) {
      if (user === this.user) continue;
      let target = 0;
      for (const id of ids) if (id <= upTo) target = id; else break;
      if (!target) continue;
      if (!byId.has(target)) byId.set(target, []);
      byId.get(target).push(user);
    }
    for (const n of list.children) {
      const users = byId.get(Number(n.dataset.id));
      const seen = n.querySelector('.seen');
      seen.textContent = users ? `Seen by ${users.sort().join(', ')}` : '';
    }
  },

  setOnline(users) {
    this.online = [...new Set(users)].sort((a, b) => a.localeCompare(b));
    $('chat-online').replaceChildren(...this.online.map((u) =>
      el('li', { class: u === this.user ? 'me' : undefined, title: u, dataset: { testid: 'chat-online-user', user: u } },
        u, u === this.user ? el('span', { class: 'visually-hidden', text: ' (you)' }) : null)));
    $('chat-online-count').textContent = String(this.online.length);
  },

  isNearEnd() {
    const list = $('chat-messages');
    return list.scrollHeight - list.scrollTop - list.clientHeight < 48;
  },

  scrollToEnd() {
    const list = $('chat-messages');
    list.scrollTop = list.scrollHeight;
  },
};

// ---------------------------------------------------------------- multiplexed stream (tickers + tasks)

/** One /api/events connection for every ticker and the task board; reopened when the topics change. */
const mux = {
  stream: null,
  timer: 0,

  topics() { return [...stocks.symbols.map((s) => `stock:${s}`), `tasks:${TASK_QUEUE}`]; },

  reopen() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.open(), 50);
  },

  open() {
    this.stream?.close();
    const query = this.topics().map((t) => `topic=${enc(t)}`).join('&');
    const route = (fn) => (env) => { if (env && typeof env === 'object' && typeof env.topic === 'string') fn(env.topic, env.data); };
    this.stream = new LiveStream(`/api/events?${query}`, {
      indicator: $('mux-conn'),
      status: stocks.status,
      events: {
        quote: route((topic, q) => { if (topic.startsWith('stock:')) stocks.onQuote(topic.slice(6), q); }),
        status: route((topic, view) => { if (topic.startsWith('tasks:')) tasks.onStatus(view); }),
        progress: route((topic, p) => { if (topic.startsWith('tasks:')) tasks.onProgress(p); }),
      },
      // A new connection starts at "now": read the current state once it is subscribed.
      onOpen: (first) => { if (first) { stocks.loadAll(); tasks.refresh(); } },
      onReset: (data) => {
        const topic = data && typeof data === 'object' ? data.topic : undefined;
        if (typeof topic === 'string' && topic.startsWith('stock:')) stocks.load(topic.slice(6));
        else if (typeof topic === 'string' && topic.startsWith('tasks:')) tasks.refresh();
        else { stocks.loadAll(); tasks.refresh(); }
      },
    }).start();
  },
};

// ---------------------------------------------------------------- tickers

const stocks = {
  symbols: [],
  rows: new Map(), // symbol -> { tr, open, last, prices, ... }
  status: null,

  init() {
    this.status = new StatusLine($('stocks-status'));
    const saved = store.get('gs.symbols', null);
    this.symbols = Array.isArray(saved) && saved.every(isKey) && saved.length ? saved : [...DEFAULT_SYMBOLS];
    for (const s of this.symbols) this.row(s);
    $('stocks-add').addEventListener('submit', (e) => {
      e.preventDefault();
      const input = $('stocks-symbol');
      const sym = input.value.trim().toUpperCase();
      if (!isKey(sym)) { this.status.show('Symbol: use 1-128 of A-Z 0-9 . _ -', 'error'); return; }
      input.value = '';
      if (this.symbols.includes(sym)) { this.status.show(`${sym} is already on the board`); return; }
      if (this.symbols.length >= MAX_SYMBOLS) { this.status.show(`At most ${MAX_SYMBOLS} symbols share the stream: remove one first`, 'error'); return; }
      this.symbols.push(sym);
      this.save();
      this.row(sym);
      mux.reopen();
    });
  },

  save() { store.set('gs.symbols', this.symbols); },

  remove(sym) {
    this.symbols = this.symbols.filter((s) => s !== sym);
    this.rows.get(sym)?.tr.remove();
    this.rows.delete(sym);
    this.save();
    mux.reopen();
  },

  row(sym) {
    let r = this.rows.get(sym);
    if (r) return r;
    const last = el('td', { class: 'num price', 'data-testid': 'stock-last', text: '—' });
    const change = el('td', { class: 'num change', 'data-testid': 'stock-change', text: '' });
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('class', 'spark');
    svg.setAttribute('viewBox', '0 0 120 30');
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', `${sym} recent prices`);
    svg.dataset.testid = 'stock-spark';
    const area = document.createElementNS(svg.namespaceURI, 'path');
    area.setAttribute('class', 'spark-area');
    const line = document.createElementNS(svg.namespaceURI, 'polyline');
    line.setAttribute('class', 'spark-line');
    svg.append(area, line);
    const remove = el('button', { type: 'button', class: 'quiet small', title: `Remove ${sym}`, 'aria-label': `Remove ${sym}`, text: '×' });
    remove.addEventListener('click', () => this.remove(sym));
    const tr = el('tr', { dataset: { testid: 'stock-row', symbol: sym } },
      el('th', { scope: 'row', class: 'sym', text: sym }), last, change, el('td', {}, svg), el('td', {}, remove));
    $('stocks-rows').append(tr);
    r = { tr, last, change, line, area, open: null, price: null, prices: [], at: '' };
    this.rows.set(sym, r);
    return r;
  },

  loadAll() { for (const s of this.symbols) this.load(s); },

  async load(sym) {
    try {
      const s = await api('GET', `/api/stocks/${enc(sym)}`);
      const r = this.rows.get(sym);
      if (!r || !s) return;
      if (s.open !== null && s.open !== undefined) r.open = Number(s.open);
      if (s.last) this.apply(sym, s.last, false);
      else if (r.price === null) { r.last.textContent = '—'; r.change.textContent = 'no quotes yet'; }
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        const r = this.rows.get(sym);
        if (r && r.price === null) r.change.textContent = 'no quotes yet';
      } else this.status.error(e);
    }
  },

  onQuote(sym, q) { if (q && this.rows.has(sym)) this.apply(sym, q, true); },

  apply(sym, q, live) {
    const r = this.rows.get(sym);
    const price = Number(q.price);
    if (!Number.isFinite(price)) return;
    if (r.at && q.at && Date.parse(q.at) < Date.parse(r.at)) return; // older than the one shown (REST after stream)
    if (r.at === q.at && r.price === price) return;
    const prev = r.price;
    r.price = price;
    r.at = q.at ?? r.at;
    if (r.open === null) r.open = price;
    r.prices.push(price);
    if (r.prices.length > SPARK_POINTS) r.prices.splice(0, r.prices.length - SPARK_POINTS);

    r.last.textContent = fmtPrice(price);
    r.last.title = q.at ? `at ${fmtTime(q.at, true)}, volume ${q.volume ?? 0}` : '';
    const ch = price - r.open;
    const pct = r.open ? (ch / r.open) * 100 : 0;
    const dir = ch > 0 ? 'up' : ch < 0 ? 'down' : 'flat';
    r.change.textContent = `${ch >= 0 ? '+' : '−'}${fmtPrice(Math.abs(ch))} (${ch >= 0 ? '+' : '−'}${Math.abs(pct).toFixed(2)}%)`;
    r.change.dataset.dir = dir;
    r.tr.dataset.dir = dir;
    if (live && prev !== null && price !== prev) {
      r.last.animate([{ backgroundColor: price > prev ? 'var(--up-bg)' : 'var(--down-bg)' }, { backgroundColor: 'transparent' }],
        { duration: 700, easing: 'ease-out' });
    }
    this.draw(r);
  },

  draw(r) {
    const p = r.prices;
    if (!p.length) return;
    let lo = Math.min(...p), hi = Math.max(...p);
    if (hi - lo < 1e-9) { hi += 0.5; lo -= 0.5; }
    const W = 120, H = 30, pad = 2;
    // Fills from the right as ticks arrive; spreads out while there are few.
    const step = W / Math.max(p.length - 1, 12);
    const x0 = W - (p.length - 1) * step;
    const pts = p.map((v, i) => `${(x0 + i * step).toFixed(1)},${(pad + (H - 2 * pad) * (1 - (v - lo) / (hi - lo))).toFixed(1)}`);
    r.line.setAttribute('points', pts.join(' '));
    r.area.setAttribute('d', `M${x0.toFixed(1)},${H} L${pts.join(' L')} L${W},${H} Z`);
  },
};

// ---------------------------------------------------------------- tasks

const TASK_PAYLOADS = {
  'demo.count': { n: 20, delayMs: 200 },
  'demo.sleep': { ms: 3000 },
  'demo.fail': { delayMs: 500 },
};
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

const tasks = {
  cards: new Map(), // id -> { li, view }
  status: null,

  init() {
    this.status = new StatusLine($('tasks-status'));
    const type = $('task-type');
    const setPayload = () => { $('task-payload').value = JSON.stringify(TASK_PAYLOADS[type.value] ?? {}); };
    type.addEventListener('change', setPayload);
    setPayload();
    $('task-form').addEventListener('submit', (e) => { e.preventDefault(); this.create(); });
    $('task-clear').addEventListener('click', () => {
      for (const [id, c] of this.cards) if (TERMINAL.has(c.view.status)) { c.li.remove(); this.cards.delete(id); }
      this.save();
    });
    for (const id of store.get('gs.tasks', [])) if (isKey(id)) this.card({ id, status: 'queued', progress: 0 }, true);
  },

  save() { store.set('gs.tasks', [...this.cards.keys()].slice(0, MAX_TASK_CARDS)); },

  async create() {
    const type = $('task-type').value;
    let payload;
    const raw = $('task-payload').value.trim();
    if (raw) {
      try { payload = JSON.parse(raw); }
      catch { this.status.show('Payload is not valid JSON', 'error'); return; }
    }
    const button = $('task-new');
    button.disabled = true;
    try {
      const view = await api('POST', '/api/tasks', { json: { type, payload, queue: TASK_QUEUE } });
      if (view?.id) {
        this.upsert({ type, payload, progress: 0, ...view });
        this.status.show(`Created ${type} ${view.id}`, 'ok');
      }
    } catch (e) { this.status.error(e); }
    finally { button.disabled = false; }
  },

  async cancel(id) {
    try {
      await api('POST', `/api/tasks/${enc(id)}/cancel`);
      this.status.show(`Cancel requested for ${id}`);
      await this.fetch(id);
    } catch (e) { this.status.error(e); }
  },

  /** Reloads every task on the board that is not finished (on open and after a reset). */
  refresh() { for (const [id, c] of this.cards) if (c.stale || !TERMINAL.has(c.view.status)) this.fetch(id); },

  async fetch(id) {
    try {
      const view = await api('GET', `/api/tasks/${enc(id)}`);
      if (view) this.upsert(view, true);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) { this.cards.get(id)?.li.remove(); this.cards.delete(id); this.save(); }
      else this.status.error(e);
    }
  },

  onStatus(view) { if (view?.id) this.upsert(view); },

  onProgress(p) {
    if (!p?.id) return;
    const c = this.cards.get(p.id);
    if (!c) { this.card({ id: p.id, status: 'running', progress: p.percent, progressMessage: p.message }, true); this.fetch(p.id); return; }
    if (TERMINAL.has(c.view.status)) return;
    c.view = { ...c.view, status: 'running', progress: p.percent, progressMessage: p.message ?? c.view.progressMessage };
    this.render(c);
  },

  upsert(view, fromRest = false) {
    const c = this.cards.get(view.id);
    if (!c) { this.card(view, false); return; }
    // A REST answer may be older than an event already shown: keep the newer.
    if (fromRest && !c.stale && c.view.updatedAt && view.updatedAt && Date.parse(view.updatedAt) < Date.parse(c.view.updatedAt)) return;
    if (TERMINAL.has(c.view.status) && !TERMINAL.has(view.status) && !c.stale) return;
    c.view = { ...c.view, ...view };
    c.stale = false;
    this.render(c);
  },

  card(view, stale) {
    const li = $('tpl-task').content.firstElementChild.cloneNode(true);
    li.dataset.id = view.id;
    li.querySelector('.task-cancel').addEventListener('click', () => this.cancel(view.id));
    const c = { li, view, stale };
    this.cards.set(view.id, c);
    $('task-list').prepend(li);
    this.render(c);
    // Bound the board: drop the oldest finished cards.
    if (this.cards.size > MAX_TASK_CARDS) {
      for (const [id, old] of [...this.cards].reverse()) {
        if (this.cards.size <= MAX_TASK_CARDS) break;
        if (TERMINAL.has(old.view.status)) { old.li.remove(); this.cards.delete(id); }
      }
    }
    this.save();
  },

  render(c) {
    const v = c.view;
    const li = c.li;
    const status = v.status ?? 'queued';
    const pct = Math.max(0, Math.min(100, Number(v.progress) || 0));
    li.dataset.status = status;
    const badge = li.querySelector('.badge');
    badge.textContent = status;
    badge.dataset.status = status;
    li.querySelector('.task-type').textContent = v.type ?? '';
    li.querySelector('.task-id').textContent = v.id;
    li.querySelector('.task-id').title = v.id;
    const bar = li.querySelector('.bar');
    bar.setAttribute('aria-valuenow', String(pct));
    bar.setAttribute('aria-valuetext', `${pct}%${v.progressMessage ? ` — ${v.progressMessage}` : ''}`);
    bar.setAttribute('aria-label', `Progress of ${v.type ?? 'task'} ${v.id}`);
    bar.dataset.status = status;
    li.querySelector('.bar-fill').style.width = `${pct}%`;
    let msg = v.progressMessage ?? '';
    if (status === 'failed' && v.error) msg = v.error;
    else if (status === 'succeeded' && v.result !== undefined && v.result !== null) msg = `result: ${JSON.stringify(v.result)}`;
    li.querySelector('.task-msg').textContent = msg;
    const meta = [`${pct}%`];
    if (v.attempts) meta.push(`attempt ${v.attempts}${v.maxAttempts ? `/${v.maxAttempts}` : ''}`);
    li.querySelector('.task-meta').textContent = meta.join(' · ');
    li.querySelector('.task-cancel').hidden = TERMINAL.has(status);
  },
};

// ---------------------------------------------------------------- log tail

const logs = {
  name: '',
  stream: null,
  status: null,

  init() {
    this.status = new StatusLine($('logs-status'));
    $('log-name').value = store.get('gs.log', 'demo.log');
    $('log-open').addEventListener('submit', (e) => { e.preventDefault(); this.open(); });
    $('log-refresh').addEventListener('click', () => this.list());
    $('log-append').addEventListener('submit', (e) => { e.preventDefault(); this.append(); });
    $('log-follow').addEventListener('change', () => this.follow());
    this.list();
    this.open();
  },

  /** Refreshes the file list; returns the names, or null when it could not be read. */
  async list() {
    try {
      const files = await api('GET', '/api/logs') ?? [];
      $('log-files').replaceChildren(...files.map((f) => el('option', { value: f.name, label: `${f.name} (${f.size} bytes)` })));
      return files.map((f) => f.name);
    } catch (e) { this.status.error(e); return null; }
  },

  async open() {
    const name = $('log-name').value.trim();
    if (!isKey(name)) { this.status.show('File: use 1-128 of A-Z a-z 0-9 . _ - (no folders)', 'error'); return; }
    store.set('gs.log', name);
    this.stream?.close();
    this.stream = null;
    this.name = name;
    $('log-lines').replaceChildren();
    $('logs-title').textContent = `Log tail — ${name}`;
    this.status.clear();
    // A tail of a file that does not exist is 404: wait for the first append to create it.
    const files = await this.list();
    if (files && !files.includes(name)) {
      this.status.note(`${name} does not exist yet: append a line to create it.`);
      return;
    }
    this.stream = new LiveStream(`/api/logs/${enc(name)}/events?tail=50`, {
      indicator: $('log-conn'),
      status: this.status,
      events: {
        line: (l) => this.line(l),
        rotated: (r) => this.marker(`— file ${r?.reason ?? 'rotated'}; numbering restarts —`),
      },
      // History no longer reaches back: start over from the last 50 lines.
      onReset: () => { $('log-lines').replaceChildren(); this.stream.restartFresh(); },
    }).start();
  },

  line(l) {
    if (!l || typeof l !== 'object') return;
    const list = $('log-lines');
    list.append(el('li', { dataset: { testid: 'log-line', n: String(l.n) } },
      el('span', { class: 'n', 'aria-hidden': 'true', text: String(l.n) }), el('span', { class: 't', text: l.text ?? '' })));
    this.trim();
    this.follow();
  },

  marker(text) {
    $('log-lines').append(el('li', { class: 'marker', dataset: { testid: 'log-marker' }, text }));
    this.trim();
    this.follow();
  },

  trim() {
    const list = $('log-lines');
    while (list.children.length > MAX_LOG_LINES) list.firstElementChild.remove();
  },

  follow() {
    if (!$('log-follow').checked) return;
    const list = $('log-lines');
    list.scrollTop = list.scrollHeight;
  },

  async append() {
    const input = $('log-line');
    const text = input.value;
    if (!text || !this.name) return;
    try {
      await api('POST', `/api/logs/${enc(this.name)}/lines`, { text });
      input.value = '';
      if (!this.stream) this.open(); // the append created the file
      else this.list();
    } catch (e) { this.status.error(e); }
  },
};

// ---------------------------------------------------------------- message queue

const queue = {
  name: '',
  consumer: '',
  stream: null,
  items: new Map(), // id -> li
  status: null,
  statsTimer: 0,
  pollTimer: 0,

  init() {
    this.status = new StatusLine($('queue-status'));
    $('queue-name').value = store.get('gs.queue', 'jobs');
    let consumer = store.get('gs.consumer', '');
    if (!isKey(consumer)) { consumer = `consumer-${100 + Math.floor(Math.random() * 900)}`; store.set('gs.consumer', consumer); }
    $('queue-consumer').value = consumer;
    $('queue-connect').addEventListener('submit', (e) => {
      e.preventDefault();
      if (this.stream) this.disconnect(); else this.connect();
    });
    $('queue-name').addEventListener('change', () => { if (!this.stream) this.stats(); });
    $('queue-enqueue').addEventListener('submit', (e) => { e.preventDefault(); this.enqueue(); });
    document.addEventListener('visibilitychange', () => this.poll());
    this.stats();
    this.poll();
  },

  key() {
    const name = $('queue-name').value.trim();
    if (!isKey(name)) { this.status.show('Queue: use 1-128 of A-Z a-z 0-9 . _ -', 'error'); return null; }
    store.set('gs.queue', name);
    return name;
  },

  connect() {
    const name = this.key();
    const consumer = $('queue-consumer').value.trim();
    if (!name) return;
    if (!isKey(consumer)) { this.status.show('Consumer: use 1-128 of A-Z a-z 0-9 . _ -', 'error'); return; }
    store.set('gs.consumer', consumer);
    this.name = name;
    this.consumer = consumer;
    this.items.clear();
    $('queue-deliveries').replaceChildren();
    this.stream = new LiveStream(`/api/queues/${enc(name)}/events?consumer=${enc(consumer)}`, {
      as: consumer,
      indicator: $('queue-conn'),
      status: this.status,
      events: { message: (d) => this.deliver(d) },
      onOpen: () => this.stats(),
      // Deliveries not acked come back after the visibility timeout: start a clean list.
      onReset: () => { this.items.clear(); $('queue-deliveries').replaceChildren(); this.stats(); },
    }).start();
    $('queue-connect-btn').textContent = 'Disconnect';
    $('queue-connect-btn').dataset.connected = 'true';
    $('queue-name').disabled = $('queue-consumer').disabled = true;
  },

  disconnect() {
    this.stream?.close();
    this.stream = null;
    $('queue-connect-btn').textContent = 'Connect';
    delete $('queue-connect-btn').dataset.connected;
    $('queue-name').disabled = $('queue-consumer').disabled = false;
    this.soonStats(300);
  },

  deliver(d) {
    if (!d || typeof d.id !== 'number') return;
    const body = typeof d.body === 'string' ? d.body : JSON.stringify(d.body);
    const ack = el('button', { type: 'button', class: 'small', 'data-testid': 'queue-ack', text: 'Ack' });
    ack.addEventListener('click', () => this.ack(d.id, d.receipt, ack));
    const li = el('li', { class: d.redelivered ? 'delivery redelivered' : 'delivery', dataset: { testid: 'queue-delivery', id: String(d.id) } },
      el('code', { class: 'qid', text: `#${d.id}` }),
      el('span', { class: 'body', text: body }),
      d.redelivered ? el('span', { class: 'badge warn', 'data-testid': 'queue-redelivered', title: `delivery ${d.deliveryCount}`, text: `redelivered ×${d.deliveryCount - 1}` }) : null,
      ack);
    const old = this.items.get(d.id);
    if (old) old.replaceWith(li); else $('queue-deliveries').append(li);
    this.items.set(d.id, li);
    this.soonStats();
  },

  async ack(id, receipt, button) {
    button.disabled = true;
    try {
      // The delivery's receipt proves it was delivered here (required when Queues:RequireReceipts is on).
      const which = receipt ? { receipts: [receipt] } : { ids: [id] };
      await api('POST', `/api/queues/${enc(this.name)}/ack`, { json: { consumer: this.consumer, ...which }, as: this.consumer });
      this.items.get(id)?.remove();
      this.items.delete(id);
      this.stats();
    } catch (e) { button.disabled = false; this.status.error(e); }
  },

  async enqueue() {
    const name = this.stream ? this.name : this.key();
    if (!name) return;
    const input = $('queue-body');
    let body = input.value;
    if (!body.trim()) { this.status.show('Write a message body first', 'error'); return; }
    if ($('queue-json').checked) {
      try { body = JSON.parse(body); } catch { this.status.show('Body is not valid JSON', 'error'); return; }
    }
    try {
      const r = await api('POST', `/api/queues/${enc(name)}/messages`, { json: { body } });
      input.value = '';
      this.status.show(`Enqueued #${r?.id ?? '?'}`, 'ok');
      this.stats();
    } catch (e) { this.status.error(e); }
  },

  soonStats(ms = 250) {
    clearTimeout(this.statsTimer);
    this.statsTimer = setTimeout(() => this.stats(), ms);
  },

  async stats() {
    const name = this.stream ? this.name : $('queue-name').value.trim();
    if (!isKey(name)) return;
    try {
      const s = await api('GET', `/api/queues/${enc(name)}`);
      $('queue-depth').textContent = String(s?.depth ?? 0);
      $('queue-inflight').textContent = String(s?.inFlight ?? 0);
      const consumers = s?.consumers ?? [];
      $('queue-consumers').textContent = consumers.length ? consumers.join(', ') : 'none';
      this.status.recovered();
    } catch (e) { this.status.background(e); }
  },

  /** Counts change with redeliveries too: refresh them every few seconds while the page is visible. */
  poll() {
    clearInterval(this.pollTimer);
    if (document.visibilityState === 'visible') this.pollTimer = setInterval(() => this.stats(), 5000);
  },
};

// ---------------------------------------------------------------- this node's event streams

/**
 * A strip fed by the node's own meters (/metrics, Prometheus text, the same numbers a scraper gets):
 * open event streams, events delivered per second, resumes, cut-offs and the relay's lag.
 */
const ssePanel = {
  last: null,

  async init() {
    await auth.ready;
    // A user's token does not open /metrics (it needs ops:metrics): say so instead of asking in vain.
    if (auth.jwt) return this.note('in the Jwt mode the metrics need a token that may subscribe to ops:metrics');
    this.refresh();
    setInterval(() => { if (document.visibilityState === 'visible') this.refresh(); }, 2000);
  },

  async refresh() {
    let res;
    try { res = await fetch('/metrics', { headers: { Accept: 'text/plain' } }); }
    catch { return this.note('the node cannot be reached'); }
    if (res.status === 401 || res.status === 403) return this.note('the metrics need a token that may subscribe to ops:metrics');
    if (!res.ok) return this.note(`metrics: ${res.status}`);
    const m = this.parse(await res.text());
    const now = {
      at: performance.now(),
      delivered: m.get('grainstream_sse_events_delivered_total') ?? 0,
      lagSum: m.get('grainstream_relay_lag_seconds_sum') ?? 0,
      lagCount: m.get('grainstream_relay_lag_seconds_count') ?? 0,
    };
    const before = this.last;
    this.last = now;
    $('sse-connections').textContent = String(m.get('grainstream_sse_connections') ?? 0);
    $('sse-resumes').textContent = String(m.get('grainstream_sse_resumes_total') ?? 0);
    $('sse-cutoffs').textContent = String(m.get('grainstream_sse_cutoffs_total') ?? 0);
    if (before) {
      const seconds = (now.at - before.at) / 1000;
      $('sse-rate').textContent = seconds > 0 ? (Math.max(0, now.delivered - before.delivered) / seconds).toFixed(1) : '–';
      const lagged = now.lagCount - before.lagCount;
      $('sse-lag').textContent = lagged > 0 ? `${(((now.lagSum - before.lagSum) / lagged) * 1000).toFixed(1)} ms` : '–';
    }
    this.note('');
    $('sse-panel').dataset.state = 'live';
  },

  note(text) {
    $('sse-note').textContent = text;
    if (text) $('sse-panel').dataset.state = 'unavailable';
  },

  /** Prometheus text to name -> value, summed over label sets (counters of several scopes add up). */
  parse(text) {
    const values = new Map();
    for (const line of text.split('\n')) {
      if (!line || line[0] === '#') continue;
      const match = /^([A-Za-z_:][\w:]*)(?:\{[^}]*\})?\s+(\S+)/.exec(line);
      if (match) values.set(match[1], (values.get(match[1]) ?? 0) + Number(match[2]));
    }
    return values;
  },
};

// ---------------------------------------------------------------- start

auth.init();
chat.init();
stocks.init();
tasks.init();
mux.open();
logs.init();
queue.init();
ssePanel.init();
window.grainstream = { auth, chat, stocks, tasks, logs, queue, mux, ssePanel };
