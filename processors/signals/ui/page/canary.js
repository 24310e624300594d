// Canary: the verdict, the evidence of each metric against the judge's thresholds, the error rate
// of both sides over the window and both latency distributions. Live, it reads
// GET /v1/windows/canary; in a report file the same data is inline and nothing is fetched.
/* global URLSearchParams */
(() => {
  'use strict';
  const ML = (globalThis.meshlog ??= {});
  const { fmt, h } = ML;
  const FIELDS = ['namespace', 'service', 'canary', 'baseline', 'window'];

  /** `✔ p = 0.0001 < α 0.05`: a measured value, the threshold, and whether it crossed it. */
  const check = (label, crossed, text) =>
    h(`li.check${crossed ? '.crossed' : ''}`, {}, h('span.mark', {}, crossed ? '✘' : '✔'), ` ${label}: `, text);

  function errorEvidence(m, t) {
    const rows = ['canary', 'baseline'].map((s) =>
      h(
        'tr',
        {},
        h(`th.side-${s}`, {}, s),
        h('td.num', {}, fmt.int(m[s].requests)),
        h('td.num', {}, fmt.int(m[s].errors)),
        h('td.num', {}, fmt.pct(m[s].rate)),
      ),
    );
    const checks = [];
    if (m.result !== 'nodata') {
      checks.push(check('p-value', m.pValue < t.alpha, `${fmt.p(m.pValue)} (significant below α = ${t.alpha})`));
      checks.push(
        check(
          'increase',
          m.effect.rateIncrease >= t.minErrorRateIncrease,
          `${m.effect.rateIncrease >= 0 ? '+' : ''}${fmt.pct(m.effect.rateIncrease)} (fails at ≥ +${fmt.pct(t.minErrorRateIncrease)})` +
            (m.effect.rateRatio === null ? '' : `, ${fmt.num(m.effect.rateRatio)}× the baseline's rate`),
        ),
      );
    }
    checks.push(
      check(
        'volume',
        m.canary.requests < t.minRequests || m.baseline.requests < t.minRequests,
        `at least ${t.minRequests} requests per side`,
      ),
    );
    return [
      h(
        'table.evidence',
        {},
        h(
          'thead',
          {},
          h('tr', {}, h('th'), h('th.num', {}, 'requests'), h('th.num', {}, 'errors'), h('th.num', {}, 'error rate')),
        ),
        h('tbody', {}, rows),
      ),
      m.test ? h('p.test', {}, `test: ${m.test}; client aborts are not counted`) : null,
      h('ul.checks', {}, checks),
    ];
  }

  function latencyEvidence(m, t) {
    const rows = ['canary', 'baseline'].map((s) =>
      h(
        'tr',
        {},
        h(`th.side-${s}`, {}, s),
        h('td.num', {}, fmt.int(m[s].count)),
        h('td.num', {}, fmt.ms(m[s].p50)),
        h('td.num', {}, fmt.ms(m[s].p90)),
        h('td.num', {}, fmt.ms(m[s].p99)),
      ),
    );
    const checks = [];
    if (m.result !== 'nodata') {
      checks.push(
        check(
          'p-value',
          m.pValue < t.alpha,
          `${fmt.p(m.pValue)} (significant below α = ${t.alpha}); U = ${fmt.num(m.u)}`,
        ),
      );
      checks.push(
        check(
          'median ratio',
          m.effect.medianRatio >= t.minLatencyRatio,
          `${fmt.num(m.effect.medianRatio)}× (fails at ≥ ${t.minLatencyRatio}×)`,
        ),
      );
      checks.push(
        h(
          'li.check.info',
          {},
          `P(canary slower than baseline) = ${fmt.num(m.effect.cles)}; sampled ${fmt.int(m.sampled.canary)} / ${fmt.int(m.sampled.baseline)}`,
        ),
      );
    }
    checks.push(
      check(
        'volume',
        m.canary.count < t.minRequests || m.baseline.count < t.minRequests,
        `at least ${t.minRequests} latencies per side`,
      ),
    );
    return [
      h(
        'table.evidence',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th'),
            h('th.num', {}, 'latencies'),
            h('th.num', {}, 'p50'),
            h('th.num', {}, 'p90'),
            h('th.num', {}, 'p99'),
          ),
        ),
        h('tbody', {}, rows),
      ),
      m.test ? h('p.test', {}, `test: ${m.test}`) : null,
      h('ul.checks', {}, checks),
    ];
  }

  function metricCard(m, t) {
    return h(
      `section.metric.result-${m.result}`,
      { dataset: { metric: m.name } },
      h(
        'h3',
        {},
        m.name === 'error_rate' ? 'Error rate' : 'Latency',
        h(`span.badge.${m.result}`, {}, m.result),
        m.critical ? h('span.critical', {}, 'critical') : null,
      ),
      h('p.reason', {}, m.reason),
      m.name === 'error_rate' ? errorEvidence(m, t) : latencyEvidence(m, t),
    );
  }

  /** Renders the whole view from one CanaryViewData into the parts made by `skeleton`. */
  function render(parts, data) {
    const a = data.answer;
    const sides = `${a.canary} vs ${a.baseline}`;
    const where = `${a.service}${a.namespace ? `.${a.namespace}` : ''}`;
    ML.fill(
      parts.verdict,
      h(
        `div.verdict.${a.verdict}`,
        { dataset: { verdict: a.verdict } },
        h('span.word', {}, a.verdict.toUpperCase()),
        h('span.score', {}, `score ${a.score}/100`, h('small', {}, ` (passes at ${data.thresholds.passScore})`)),
        h(
          'span.what',
          {},
          `${where}: ${sides} over ${a.window.duration}`,
          h('br'),
          a.window.start ? `${fmt.dateTime(a.window.start)} → ${fmt.time(a.window.end)}` : 'no traffic yet',
          a.routes.length ? ` · routes ${a.routes.join(', ')}` : '',
        ),
      ),
      a.metrics.some((m) => m.result === 'fail')
        ? h(
            'p.cause',
            {},
            'Why: ',
            a.metrics
              .filter((m) => m.result === 'fail')
              .map((m) => `${m.name.replace('_', ' ')}: ${m.reason}`)
              .join('; '),
          )
        : null,
      data.matchedBy.canary === 'none' || data.matchedBy.baseline === 'none'
        ? h(
            'p.warn',
            {},
            `no traffic found for ${data.matchedBy.canary === 'none' ? a.canary : a.baseline} (a subset of ${a.service}, or a service of that name)`,
          )
        : null,
    );
    ML.fill(
      parts.metrics,
      a.metrics.map((m) => metricCard(m, data.thresholds)),
    );
    const legend = (s) => h(`span.key.side-${s}`, {}, `■ ${s} (${a[s]})`);
    ML.fill(parts.errorTitle, 'Error rate over time ', legend('canary'), ' ', legend('baseline'));
    ML.fill(
      parts.latencyTitle,
      'Latency distributions (from the sketches) ',
      legend('canary'),
      ' ',
      legend('baseline'),
    );
    ML.charts.errorRate(parts.errorChart, data.series);
    ML.charts.latency(parts.latencyChart, data.latency);
  }

  function skeleton(root, chooser) {
    const parts = {
      verdict: h('div.verdict-wrap'),
      metrics: h('div.metrics'),
      errorTitle: h('h3'),
      latencyTitle: h('h3'),
      errorChart: h('div.chart.error-chart'),
      latencyChart: h('div.chart.latency-chart'),
    };
    ML.fill(
      root,
      chooser,
      parts.verdict,
      parts.metrics,
      h(
        'div.charts',
        {},
        h('section.plot', {}, parts.errorTitle, parts.errorChart),
        h('section.plot', {}, parts.latencyTitle, parts.latencyChart),
      ),
    );
    return parts;
  }

  /** The namespace / service / canary / baseline / window pickers, filled from the routes seen. */
  function chooser(params, ctx) {
    const inputs = Object.fromEntries(FIELDS.map((f) => [f, h('select', { name: f, 'aria-label': f })]));
    let facets = [];
    const options = (sel, values, current) => {
      const list = [...new Set([...values, ...(current ? [current] : [])])];
      ML.fill(
        sel,
        list.map((v) => h('option', { value: v }, v === '' ? '(none)' : v)),
      );
      if (current !== undefined && list.includes(current)) sel.value = current;
    };
    const sync = (changed) => {
      const ns = inputs.namespace.value;
      const services = facets.filter((f) => f.namespace === ns);
      if (changed === 'namespace' || changed === 'all')
        options(
          inputs.service,
          services.map((f) => f.service),
          changed === 'all' ? params.service : undefined,
        );
      const subsets = services.find((f) => f.service === inputs.service.value)?.subsets ?? [];
      if (changed !== 'canary' && changed !== 'baseline' && changed !== 'window') {
        const flagger = [`${inputs.service.value}-canary`, `${inputs.service.value}-primary`].filter((s) =>
          facets.some((f) => f.namespace === ns && f.service === s),
        );
        const choices = [...subsets.filter((s) => s !== ''), ...flagger];
        options(inputs.canary, choices, changed === 'all' ? params.canary : choices.at(-1));
        options(inputs.baseline, choices, changed === 'all' ? params.baseline : choices[0]);
      }
    };
    for (const f of FIELDS) inputs[f].addEventListener('change', () => sync(f));
    const form = h(
      'form.chooser',
      {
        onsubmit: (e) => {
          e.preventDefault();
          ctx.navigate('canary', Object.fromEntries(FIELDS.map((f) => [f, inputs[f].value])));
        },
      },
      FIELDS.map((f) => h('label', {}, f, inputs[f])),
      h('button', { type: 'submit' }, 'judge'),
    );
    const load = async () => {
      const data = await ML.getJson('/v1/windows?limit=1&facets=1');
      facets = data.facets;
      options(inputs.window, data.windows, params.window ?? data.windows.at(-1));
      options(inputs.namespace, [...new Set(facets.map((f) => f.namespace))], params.namespace ?? facets[0]?.namespace);
      sync('all');
    };
    return { form, load };
  }

  ML.views ??= {};
  ML.views.canary = {
    title: 'Canary',
    /** A report file: the data is given, nothing is fetched and there is nothing to choose. */
    mountReport(root, data) {
      render(skeleton(root, null), data);
    },
    mount(root, params, ctx) {
      const pick = chooser(params, ctx);
      const parts = skeleton(root, pick.form);
      const ready = params.service && params.canary && params.baseline;
      if (!ready) parts.verdict.append(h('p.hint', {}, 'Choose a service, its canary and its baseline, then judge.'));
      let loaded = false;
      return {
        async refresh() {
          if (!loaded) {
            await pick.load();
            loaded = true;
          }
          if (!ready) return;
          const q = new URLSearchParams();
          for (const f of FIELDS) if (params[f]) q.set(f, params[f]);
          render(parts, await ML.getJson(`/v1/windows/canary?${q}`));
        },
      };
    },
  };
})();
