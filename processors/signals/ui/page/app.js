// The page's shell: hash routing between the four views and the live refresh. A report file sets
// `meshlog.report` before this runs and gets the canary view of its inline data, with no fetching.
/* global document, location, history, setTimeout, performance */
(() => {
  'use strict';
  const ML = (globalThis.meshlog ??= {});
  const { h } = ML;
  /** Live refresh every 2 s, or 10× the last refresh's time if longer: a page never costs the server more than ~10%. */
  const REFRESH_MS = 2000;
  let lastCostMs = 0;
  const ORDER = ['routes', 'canary', 'breakers', 'recommendations'];
  const main = document.querySelector('main');
  const nav = document.querySelector('nav');
  const status = document.querySelector('.status');

  if (ML.report) {
    document.title = `meshlog canary report: ${ML.report.answer.service} ${ML.report.answer.canary} vs ${ML.report.answer.baseline}`;
    const link = ML.report.answer.link;
    ML.fill(
      status,
      `report generated ${ML.fmt.dateTime(ML.report.generatedAt)}`,
      link ? [' · ', h('a', { href: link }, 'live view')] : null,
    );
    ML.views.canary.mountReport(main, ML.report);
    return;
  }

  let current = null;
  let paused = false;
  let busy = false;
  let again = false;

  const setStatus = (text, error = false) => {
    status.firstChild.textContent = text;
    status.classList.toggle('error', error);
  };
  const pause = h(
    'button.pause',
    {
      onclick: () => {
        paused = !paused;
        pause.textContent = paused ? 'resume' : 'pause';
        if (!paused) void refreshNow();
      },
    },
    'pause',
  );
  ML.fill(status, h('span', {}, 'loading…'), ' ', pause);

  /**
   * Refreshes the current view. One refresh runs at a time; a request made meanwhile (a new sort,
   * a keystroke in a filter) runs once the current one is done, so the last change always shows.
   */
  async function refreshNow() {
    if (!current) return;
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    const view = current;
    try {
      const t = performance.now();
      await view.handle.refresh();
      lastCostMs = performance.now() - t;
      if (view === current) setStatus(`live · updated ${ML.fmt.time(Date.now())}`);
    } catch (err) {
      if (view === current) setStatus(`could not refresh: ${err.message}`, true);
    } finally {
      busy = false;
    }
    if (again) {
      again = false;
      await refreshNow();
    }
  }

  const ctx = {
    refreshNow,
    navigate: (view, params) => {
      location.hash = ML.hashOf(view, params);
    },
    /** Keeps the view's state in the address (for links and reloads) without remounting it. */
    replaceParams: (params) => history.replaceState(null, '', ML.hashOf(current.view, params)),
  };

  function route() {
    const { view, params } = ML.parseHash(location.hash);
    const name = ORDER.includes(view) ? view : 'routes';
    for (const a of nav.querySelectorAll('a')) a.classList.toggle('active', a.dataset.view === name);
    main.dataset.view = name;
    document.title = `meshlog · ${ML.views[name].title}`;
    current = { view: name, handle: ML.views[name].mount(main, params, ctx) };
    void refreshNow();
  }

  ML.fill(
    nav,
    ORDER.map((v) => h('a', { href: `#/${v}`, dataset: { view: v } }, ML.views[v].title)),
  );
  globalThis.addEventListener('hashchange', route);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void refreshNow();
  });
  const tick = async () => {
    if (!paused && document.visibilityState === 'visible') await refreshNow();
    setTimeout(tick, Math.max(REFRESH_MS, 10 * lastCostMs));
  };
  setTimeout(tick, REFRESH_MS);
  route();
})();
