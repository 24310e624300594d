// Breakers: the state of every edge, a timeline per edge that tripped (one lane each, coloured
// by state) and the transitions oldest first with their reasons.
/* global document */
(() => {
  'use strict';
  const ML = (globalThis.meshlog ??= {});
  const { fmt, h } = ML;
  const SVG = 'http://www.w3.org/2000/svg';
  const RANK = { open: 0, half_open: 1, closed: 2 };
  const stateLabel = (s) => s.replace('_', '-');

  function svg(tag, attrs, text) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    if (text !== undefined) el.textContent = text;
    return el;
  }

  /** Lanes of state over time for the edges that changed state; `now` ends the last segment. */
  function timeline(events, now) {
    const lanes = new Map();
    for (const e of events) {
      if (!lanes.has(e.edge)) lanes.set(e.edge, []);
      lanes.get(e.edge).push(e);
    }
    const times = events.map((e) => Date.parse(e['@timestamp']));
    // a margin either side, so the state before the first transition and after the last are seen
    const margin = Math.max(1000, (Math.max(now, ...times) - Math.min(...times)) * 0.08);
    const t0 = Math.min(...times) - margin;
    const t1 = Math.max(now, ...times) + margin;
    const labelW = 340;
    const w = 1100;
    const laneH = 26;
    const x = (t) => labelW + ((t - t0) / (t1 - t0)) * (w - labelW - 10);
    const root = svg('svg', { viewBox: `0 0 ${w} ${lanes.size * laneH + 24}`, class: 'timeline', role: 'img' });
    root.append(svg('title', {}, 'breaker state over time per edge: green closed, red open, amber half-open'));
    [...lanes].forEach(([edge, evs], i) => {
      const y = i * laneH + 4;
      root.append(
        svg('text', { x: 0, y: y + 15, class: 'lane-label' }, edge.length > 52 ? `…${edge.slice(-51)}` : edge),
      );
      let from = t0;
      let state = evs[0].from;
      for (const [j, e] of [...evs, null].entries()) {
        const to = e ? Date.parse(e['@timestamp']) : t1;
        root.append(
          svg('rect', { x: x(from), y, width: Math.max(1, x(to) - x(from)), height: laneH - 8, class: `seg ${state}` }),
        );
        if (e) {
          root.append(svg('line', { x1: x(to), x2: x(to), y1: y - 2, y2: y + laneH - 6, class: 'tick' }));
          root.lastChild.append(
            svg('title', {}, `${j + 1}. ${fmt.time(e['@timestamp'])} ${e.from} → ${e.to}: ${e.reason}`),
          );
          from = to;
          state = e.to;
        }
      }
    });
    const axisY = lanes.size * laneH + 18;
    root.append(svg('text', { x: labelW, y: axisY, class: 'axis' }, fmt.time(t0)));
    root.append(svg('text', { x: w - 10, y: axisY, class: 'axis end' }, fmt.time(t1)));
    return root;
  }

  const EDGES_PAGE = 50;

  function edgesTable(list, shown) {
    return h(
      'table.breakers',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'state'),
          h('th', {}, 'edge (source → service route)'),
          h('th.num', {}, 'peak failure rate'),
        ),
      ),
      h(
        'tbody',
        {},
        shown.map((x) =>
          h(
            'tr',
            {},
            h('td', {}, h(`span.state.${x.state}`, {}, stateLabel(x.state))),
            h('td.key', {}, x.edge),
            h('td.num', {}, fmt.pct(x.peakFailureRate, 1)),
          ),
        ),
        list.length ? null : h('tr', {}, h('td.empty', { colspan: 3 }, 'no edge matches')),
      ),
    );
  }

  function transitionsTable(events) {
    const head = ['time', 'edge', 'transition', 'reason'].map((t) => h('th', {}, t));
    const nums = ['calls', 'failures', 'failure rate'].map((t) => h('th.num', {}, t));
    return h(
      'table.transitions',
      {},
      h('thead', {}, h('tr', {}, head, nums)),
      h(
        'tbody',
        {},
        events.map((e) =>
          h(
            'tr.transition',
            { dataset: { to: e.to } },
            h('td', { title: e['@timestamp'] }, fmt.time(e['@timestamp'])),
            h('td.key', {}, e.edge),
            h(
              'td',
              {},
              h(`span.state.${e.from}`, {}, stateLabel(e.from)),
              ' → ',
              h(`span.state.${e.to}`, {}, stateLabel(e.to)),
            ),
            h('td.reason', {}, e.reason),
            h('td.num', {}, fmt.int(e.window.calls)),
            h('td.num', {}, fmt.int(e.window.failures)),
            h('td.num', {}, fmt.pct(e.window.failureRate, 1)),
          ),
        ),
      ),
    );
  }

  ML.views ??= {};
  ML.views.breakers = {
    title: 'Breakers',
    /** Transitions first (what happened), then every edge: open ones first, 50 a page, filterable. */
    mount(root, params, ctx) {
      const state = { filter: params.filter ?? '', page: Math.max(0, Number(params.page ?? 0) || 0) };
      let last = null;
      const summary = h('p.summary');
      const lanes = h('div.timeline-wrap');
      const events = h('div');
      const edges = h('div.table-wrap');
      const range = h('span.range');
      const prev = h('button', { onclick: () => move(-1) }, '‹ prev');
      const next = h('button', { onclick: () => move(1) }, 'next ›');
      const filter = h('input.filter', {
        type: 'search',
        placeholder: 'filter edges',
        value: state.filter,
        oninput: () => {
          state.filter = filter.value;
          state.page = 0;
          remember();
          drawEdges();
        },
      });
      const remember = () => ctx.replaceParams({ filter: state.filter, page: state.page || '' });
      function move(d) {
        state.page += d;
        remember();
        drawEdges();
      }
      function drawEdges() {
        if (!last) return;
        const needle = state.filter.toLowerCase();
        const list = needle ? last.filter((x) => x.edge.toLowerCase().includes(needle)) : last;
        const pages = Math.max(1, Math.ceil(list.length / EDGES_PAGE));
        state.page = Math.min(state.page, pages - 1);
        const from = state.page * EDGES_PAGE;
        const shown = list.slice(from, from + EDGES_PAGE);
        range.textContent = list.length
          ? `${fmt.int(from + 1)}–${fmt.int(from + shown.length)} of ${fmt.int(list.length)}`
          : 'none';
        prev.disabled = state.page === 0;
        next.disabled = state.page >= pages - 1;
        ML.fill(edges, edgesTable(list, shown));
      }
      ML.fill(
        root,
        summary,
        h('h3', {}, 'Timeline'),
        lanes,
        h('h3', {}, 'Transitions, oldest first'),
        events,
        h('h3', {}, 'Edges'),
        h('div.toolbar', {}, filter, h('span.pager', {}, prev, range, next)),
        edges,
      );
      return {
        async refresh() {
          const [b, ev] = await Promise.all([ML.getJson('/v1/breakers'), ML.getJson('/v1/breakers/events')]);
          last = [...b.breakers].sort(
            (x, y) =>
              RANK[x.state] - RANK[y.state] || y.peakFailureRate - x.peakFailureRate || x.edge.localeCompare(y.edge),
          );
          const n = (s) => last.filter((x) => x.state === s).length;
          summary.textContent = `${fmt.int(last.length)} edges (${b.policy} policy): ${n('open')} open, ${n('half_open')} half-open, ${fmt.int(n('closed'))} closed · ${ev.events.length} transitions`;
          const now = Math.max(0, ...ev.events.map((e) => Date.parse(e['@timestamp'])));
          ML.fill(
            lanes,
            ev.events.length
              ? timeline(ev.events, now)
              : h('p.empty', {}, 'no transition yet: every breaker has stayed closed'),
          );
          ML.fill(events, ev.events.length ? transitionsTable(ev.events) : null);
          drawEdges();
        },
      };
    },
  };
})();
