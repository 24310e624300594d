// Routes: every route window, one page at a time. Sorting, filtering and paging happen on the
// server (GET /v1/windows), so the browser holds one page (100 rows) whatever the number of routes.
/* global URLSearchParams */
(() => {
  'use strict';
  const ML = (globalThis.meshlog ??= {});
  const { fmt, h } = ML;
  const PAGE = 100;
  const COLUMNS = [
    { key: 'route', label: 'route', cls: 'key' },
    { key: 'rps', label: 'req/s', num: fmt.num },
    { key: 'errorRate', label: 'error rate', num: (x) => fmt.pct(x) },
    { key: 'app', label: 'app', num: fmt.int, title: 'app errors: 5xx from the upstream' },
    { key: 'mesh', label: 'mesh', num: fmt.int, title: 'mesh errors: UH, UF, UO, URX, UT, UC, LR…' },
    { key: 'client_abort', label: 'client abort', num: fmt.int, title: 'DC: never counted against the server' },
    { key: 'no_route', label: 'no route', num: fmt.int, title: 'NR' },
    { key: 'rate_limited', label: 'rate limited', num: fmt.int, title: 'RL' },
    { key: 'p50', label: 'p50', num: fmt.ms },
    { key: 'p90', label: 'p90', num: fmt.ms },
    { key: 'p99', label: 'p99', num: fmt.ms },
  ];
  const value = (row, key) => (key in row.errors ? row.errors[key] : row[key]);

  ML.views ??= {};
  ML.views.routes = {
    title: 'Routes',
    mount(root, params, ctx) {
      const state = {
        window: params.window ?? '',
        sort: params.sort ?? 'rps',
        order: params.order ?? 'desc',
        filter: params.filter ?? '',
        page: Math.max(0, Number(params.page ?? 0) || 0),
      };
      const remember = () => ctx.replaceParams({ ...state, page: state.page || '' });
      const windowSelect = h('select.window', {
        'aria-label': 'window',
        onchange: () => {
          state.window = windowSelect.value;
          remember();
          void ctx.refreshNow();
        },
      });
      const filter = h('input.filter', {
        type: 'search',
        placeholder: 'filter: namespace/service/route/subset',
        value: state.filter,
        oninput: () => {
          state.filter = filter.value;
          state.page = 0;
          remember();
          void ctx.refreshNow();
        },
      });
      const count = h('span.count');
      const pager = h('span.pager');
      const head = h('tr');
      const body = h('tbody');
      const table = h('table.routes', {}, h('thead', {}, head), body);
      const drawHead = () =>
        ML.fill(
          head,
          COLUMNS.map((c) =>
            h(
              `th.sortable${c.num ? '.num' : ''}`,
              {
                title: c.title,
                'aria-sort': state.sort === c.key ? (state.order === 'asc' ? 'ascending' : 'descending') : undefined,
                dataset: { key: c.key },
                onclick: () => {
                  state.order = state.sort === c.key && state.order === 'desc' ? 'asc' : c.num ? 'desc' : 'asc';
                  state.sort = c.key;
                  state.page = 0;
                  remember();
                  drawHead();
                  void ctx.refreshNow();
                },
              },
              c.label,
              state.sort === c.key ? (state.order === 'asc' ? ' ▲' : ' ▼') : '',
            ),
          ),
          h('th', { title: 'requests/s (grey) and error rate (red) per bucket over the longest window' }, 'trend'),
        );
      drawHead();
      const pageButton = (label, to, enabled) =>
        h(
          'button',
          {
            disabled: !enabled,
            onclick: () => {
              state.page = to;
              remember();
              void ctx.refreshNow();
            },
          },
          label,
        );

      ML.fill(
        root,
        h('div.toolbar', {}, h('label', {}, 'window ', windowSelect), filter, count, pager),
        h('div.table-wrap', {}, table),
      );

      return {
        async refresh() {
          const q = new URLSearchParams({
            sort: state.sort,
            order: state.order,
            offset: String(state.page * PAGE),
            limit: String(PAGE),
          });
          if (state.window) q.set('window', state.window);
          if (state.filter) q.set('filter', state.filter);
          const data = await ML.getJson(`/v1/windows?${q}`);
          if (windowSelect.options.length !== data.windows.length)
            ML.fill(
              windowSelect,
              data.windows.map((w) => h('option', { value: w }, w)),
            );
          windowSelect.value = data.window.duration;
          count.textContent =
            `${fmt.int(data.routes)} routes` +
            (data.total !== data.routes ? `, ${fmt.int(data.total)} match` : '') +
            (data.overflow ? ` (${fmt.int(data.overflow)} records over the route limit)` : '');
          count.dataset.routes = data.routes;
          const last = Math.max(0, Math.ceil(data.total / PAGE) - 1);
          ML.fill(
            pager,
            pageButton('‹ prev', state.page - 1, state.page > 0),
            h(
              'span.range',
              {},
              data.total
                ? `${fmt.int(data.offset + 1)}–${fmt.int(data.offset + data.rows.length)} of ${fmt.int(data.total)}`
                : 'none',
            ),
            pageButton('next ›', state.page + 1, state.page < last),
          );
          table.dataset.sorted = `${data.sort} ${data.order}`;
          ML.fill(
            body,
            data.rows.map((r) =>
              h(
                'tr',
                {},
                h(
                  'td.key',
                  {},
                  h(
                    'a.service',
                    {
                      href: ML.hashOf('canary', {
                        namespace: r.namespace,
                        service: r.service,
                        window: data.window.duration,
                      }),
                      title: 'compare subsets of this service',
                    },
                    `${r.service}${r.namespace ? `.${r.namespace}` : ''}`,
                  ),
                  ' ',
                  h('span.path', {}, r.route),
                  r.subset ? h('span.subset', {}, r.subset) : null,
                ),
                COLUMNS.slice(1).map((c) => {
                  const v = value(r, c.key);
                  return h(`td.num${c.key === 'errorRate' && v > 0 ? '.bad' : ''}`, {}, c.num(v));
                }),
                h('td', {}, ML.sparkline(r.trend)),
              ),
            ),
            data.rows.length
              ? null
              : h('tr', {}, h('td.empty', { colspan: COLUMNS.length + 1 }, 'no route has traffic in this window yet')),
          );
        },
      };
    },
  };
})();
