#!/usr/bin/env node
// meshlog's entry point. It is plain JavaScript so that it can check the Node version before
// loading TypeScript sources, which Node >= 22.18 runs directly (type stripping).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `meshlog needs Node >= 22.18 (24 recommended; npm scripts use the pinned one), found ${process.version}`,
  );
  process.exit(2);
}
// A closed pipe (`meshlog parse … | head`) is a normal end of output, not a crash.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
const { main } = await import('./main.ts');
await main(process.argv);
