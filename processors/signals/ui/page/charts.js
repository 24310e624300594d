// Charts: uPlot (canvas, ~50 KB, no dependencies) for the canary's two plots, and a plain SVG
// polyline for the per-row trend, since the routes table may show hundreds of them at once.
/* global document, uPlot */
(() => {
  'use strict';
  const ML = (globalThis.meshlog ??= {});
  const { fmt } = ML;
  const COLORS = { canary: '#e8590c', baseline: '#1971c2' };

  const width = (el) => Math.max(320, Math.floor(el.getBoundingClientRect().width) - 8);

  /** Creates the chart in `el`, or gives the existing one new data; charts follow the window's width. */
  function draw(el, opts, data) {
    if (el.uplot && el.uplotKind === opts.kind) {
      el.uplot.setData(data);
      return el.uplot;
    }
    el.uplot?.destroy();
    el.replaceChildren();
    el.uplot = new uPlot({ ...opts, width: width(el) }, data, el);
    el.uplotKind = opts.kind;
    return el.uplot;
  }
  globalThis.addEventListener('resize', () => {
    for (const el of document.querySelectorAll('.chart'))
      if (el.uplot) el.uplot.setSize({ width: width(el), height: el.uplot.height });
  });

  // uPlot shows the points where they are sparse, so a bucket with no neighbour is still seen
  const side = (label, color, value) => ({ label, stroke: color, width: 2, points: { size: 6, fill: color }, value });

  ML.charts = {
    COLORS,
    /** Error rate per bucket of both sides over the window (x: epoch s). */
    errorRate(el, series) {
      const pct = (_u, v) => fmt.pct(v);
      return draw(
        el,
        {
          kind: 'error-rate',
          height: 220,
          scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(0.01, (max ?? 0) * 1.15)] } },
          axes: [
            { space: 70, values: (_u, ticks) => ticks.map((t) => fmt.time(t * 1000)) },
            { size: 64, values: (_u, ticks) => ticks.map((t) => fmt.pct(t, 1)) },
          ],
          series: [{}, side('canary', COLORS.canary, pct), side('baseline', COLORS.baseline, pct)],
        },
        [series.t, series.canary.errorRate, series.baseline.errorRate],
      );
    },
    /** Both latency distributions as quantile curves (x: percentile, y: ms) from the sketches. */
    latency(el, latency) {
      const ms = (_u, v) => fmt.ms(v);
      return draw(
        el,
        {
          kind: 'latency',
          height: 240,
          scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, (max ?? 1) * 1.1] } },
          axes: [
            { values: (_u, ticks) => ticks.map((t) => `p${t}`) },
            { size: 64, values: (_u, ticks) => ticks.map((t) => fmt.ms(t)) },
          ],
          series: [
            { label: 'percentile', value: (_u, v) => (v === null ? '–' : `p${v}`) },
            side('canary', COLORS.canary, ms),
            side('baseline', COLORS.baseline, ms),
          ],
        },
        [latency.percentiles, latency.canary, latency.baseline],
      );
    },
  };

  const SVG = 'http://www.w3.org/2000/svg';
  /** A 96×22 SVG: requests/s (grey, own scale) and error rate (red, scaled to at least 5%). */
  ML.sparkline = (trend) => {
    const w = 96;
    const h = 22;
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
    svg.setAttribute('width', w);
    svg.setAttribute('height', h);
    svg.setAttribute('class', 'spark');
    const line = (values, max, cls) => {
      if (values.length < 2) return;
      const pts = values.map(
        (v, i) => `${((i / (values.length - 1)) * w).toFixed(1)},${(h - 1 - (v / max) * (h - 2)).toFixed(1)}`,
      );
      const p = document.createElementNS(SVG, 'polyline');
      p.setAttribute('points', pts.join(' '));
      p.setAttribute('class', cls);
      svg.append(p);
    };
    line(trend.rps, Math.max(...trend.rps, 1e-9), 'spark-rps');
    line(trend.errorRate, Math.max(0.05, ...trend.errorRate), 'spark-err');
    const title = document.createElementNS(SVG, 'title');
    title.textContent =
      `requests/s per bucket: ${trend.rps.map(fmt.num).join(' ')}\n` +
      `error rate per bucket: ${trend.errorRate.map((x) => fmt.pct(x, 1)).join(' ')}`;
    svg.append(title);
    return svg;
  };
})();
