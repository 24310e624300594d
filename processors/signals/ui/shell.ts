import type { Asset } from './assets.ts';

/** Inline `<script>`/`<style>` text must not close its element early; `<\/` means the same to JS and CSS. */
const inlineSafe = (text: string) => text.replaceAll('</', '<\\/');

/**
 * The page: a header with the views' tabs and the refresh status, and `main` for the view.
 * Live, the assets are linked from the admin server; in a report they are inline, and the view's
 * data comes first as `meshlog.report`. `data:,` as the icon saves a request that would 404.
 */
export function pageHtml(assets: Asset[], opts: { inline: boolean; report?: unknown }): string {
  const styles = assets
    .filter((a) => a.type === 'text/css')
    .map((a) =>
      opts.inline ? `<style>\n${inlineSafe(a.body)}\n</style>` : `<link rel="stylesheet" href="${a.path}">`,
    );
  const scripts = assets
    .filter((a) => a.type === 'text/javascript')
    .map((a) => (opts.inline ? `<script>\n${inlineSafe(a.body)}\n</script>` : `<script src="${a.path}"></script>`));
  const data =
    opts.report === undefined
      ? []
      : [
          `<script>globalThis.meshlog = { report: ${JSON.stringify(opts.report).replaceAll('<', '\\u003c')} };</script>`,
        ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>meshlog</title>
<link rel="icon" href="data:,">
${styles.join('\n')}
</head>
<body>
<header><span class="brand">meshlog</span><nav></nav><span class="status"></span></header>
<main></main>
${[...data, ...scripts].join('\n')}
</body>
</html>
`;
}
