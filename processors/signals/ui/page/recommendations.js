// Recommendations: each DestinationRule and local rate limit meshlog would apply, what it is based
// on, and its YAML exactly as GET /v1/recommendations serves it (ready for kubectl apply).
/* global fetch */
(() => {
  'use strict';
  const ML = (globalThis.meshlog ??= {});
  const { h } = ML;

  /** The YAML endpoint writes `# reason` then the resource, one document per recommendation, in order. */
  const splitYaml = (text) => text.split(/^---\n/m).map((doc) => doc.replace(/^#.*\n/, ''));

  /** The settings worth reading at a glance, from the resource itself. */
  function highlights(r) {
    const spec = r.resource.spec ?? {};
    if (r.kind === 'DestinationRule') {
      const tp = spec.trafficPolicy ?? {};
      const od = tp.outlierDetection ?? {};
      const http = tp.connectionPool?.http ?? {};
      return [
        od.consecutive5xxErrors !== undefined && `eject after ${od.consecutive5xxErrors} consecutive 5xx`,
        od.baseEjectionTime && `for ${od.baseEjectionTime}`,
        http.http2MaxRequests !== undefined && `at most ${http.http2MaxRequests} requests in flight`,
        http.http1MaxPendingRequests !== undefined && `${http.http1MaxPendingRequests} pending`,
      ].filter(Boolean);
    }
    const text = JSON.stringify(spec);
    const tokens = /"max_tokens":(\d+)/.exec(text)?.[1];
    const fill = /"fill_interval":"([^"]+)"/.exec(text)?.[1];
    return [tokens && `${tokens} requests per ${fill ?? 'interval'}`].filter(Boolean);
  }

  ML.views ??= {};
  ML.views.recommendations = {
    title: 'Recommendations',
    mount(root) {
      const list = h('div.recs');
      ML.fill(root, list);
      return {
        async refresh() {
          const [json, yamlRes] = await Promise.all([ML.getJson('/v1/recommendations'), fetch('/v1/recommendations')]);
          const docs = splitYaml(await yamlRes.text());
          const recs = json.recommendations;
          // a refresh rebuilds the list: keep open the YAML a person had opened
          const open = new Set([...list.querySelectorAll('details[open]')].map((d) => d.dataset.key));
          ML.fill(
            list,
            recs.length
              ? recs.map((r, i) =>
                  h(
                    'section.rec',
                    { dataset: { kind: r.kind } },
                    h(
                      'h3',
                      {},
                      h('span.kind', {}, r.kind === 'EnvoyFilter' ? 'local rate limit (EnvoyFilter)' : r.kind),
                      ` ${r.service}${r.namespace ? `.${r.namespace}` : ''}`,
                    ),
                    h('p.based-on', {}, h('b', {}, 'based on: '), r.reason),
                    h(
                      'ul.highlights',
                      {},
                      highlights(r).map((x) => h('li', {}, x)),
                    ),
                    h(
                      'details',
                      {
                        dataset: { key: `${r.kind}/${r.namespace}/${r.service}` },
                        open: open.has(`${r.kind}/${r.namespace}/${r.service}`),
                      },
                      h('summary', {}, `${r.resource.kind} ${r.resource.metadata?.name ?? ''}`),
                      h('pre', {}, docs[i] ?? ''),
                    ),
                  ),
                )
              : h(
                  'p.empty',
                  {},
                  'nothing to recommend yet: no breaker came close to tripping and no service nears its concurrency limit',
                ),
          );
        },
      };
    },
  };
})();
