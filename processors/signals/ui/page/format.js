// Number formats and a small DOM builder shared by the views. Text goes in with textContent only:
// route names, reasons and edges come from traffic, so nothing is ever parsed as HTML.
/* global document, Node, fetch, URLSearchParams */
(() => {
  'use strict';
  const ML = (globalThis.meshlog ??= {});
  const whole = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  const two = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
  const none = (x) => x === null || x === undefined || Number.isNaN(x);

  ML.fmt = {
    int: (x) => (none(x) ? '–' : whole.format(x)),
    num: (x) => (none(x) ? '–' : two.format(x)),
    pct: (x, digits = 2) => (none(x) ? '–' : `${(x * 100).toFixed(digits)}%`),
    ms: (x) =>
      none(x) ? '–' : x < 10 ? `${x.toFixed(2)} ms` : x < 1000 ? `${x.toFixed(1)} ms` : `${(x / 1000).toFixed(2)} s`,
    // the judge rounds p-values to 10 decimals, so 0 means "below 1e-10"
    p: (x) => (none(x) ? '–' : x === 0 ? '< 1e-10' : x < 1e-4 ? x.toExponential(2) : x.toFixed(4)),
    /** Local wall time of an ISO string or epoch ms, to the second. */
    time: (t) => (none(t) ? '–' : new Date(t).toLocaleTimeString('en-GB', { hour12: false })),
    dateTime: (t) => (none(t) ? '–' : new Date(t).toLocaleString('en-GB', { hour12: false })),
  };

  /** `h('td.num', {title: 'x'}, 'text', childNode)`: an element with classes, attributes and children. */
  ML.h = (spec, attrs, ...children) => {
    const [tag, ...classes] = spec.split('.');
    const el = document.createElement(tag || 'div');
    if (classes.length) el.className = classes.join(' ');
    for (const [k, v] of Object.entries(attrs ?? {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  };

  /** Replaces all children of `el`. */
  ML.fill = (el, ...children) => {
    el.replaceChildren();
    for (const c of children.flat()) if (c) el.append(c);
    return el;
  };

  /** GET JSON from the admin server; rejects with the server's message on a non-2xx answer. */
  ML.getJson = async (path) => {
    const res = await fetch(path, { headers: { accept: 'application/json' } });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(body.message ?? `${path}: HTTP ${res.status}`);
    return body;
  };

  /** `#/view?a=1` → `{view, params}`; and back. */
  ML.parseHash = (hash) => {
    const [path, query = ''] = hash.replace(/^#\/?/, '').split('?');
    return { view: path || 'routes', params: Object.fromEntries(new URLSearchParams(query)) };
  };
  ML.hashOf = (view, params) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params ?? {})) if (v !== undefined && v !== null && v !== '') q.set(k, v);
    const s = q.toString();
    return `#/${view}${s ? `?${s}` : ''}`;
  };
})();
