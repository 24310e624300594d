import { readFileSync } from 'node:fs';

/** A seed file: where its inputs came from, and the inputs (UTF-8 text when they are text). */
export interface SeedFile {
  provenance: string;
  inputs: Array<{ text: string } | { base64: string }>;
}

const strict = new TextDecoder('utf-8', { fatal: true });

export function encodeSeeds(inputs: Uint8Array[]): SeedFile['inputs'] {
  return inputs.map((b) => {
    try {
      const s = strict.decode(b);
      // Control bytes other than newline and tab make a seed unreadable as text: keep those binary.
      if (![...s].some((c) => (c < ' ' && c !== '\n' && c !== '\t') || c === '\u007f')) return { text: s };
    } catch {
      // not UTF-8
    }
    return { base64: Buffer.from(b).toString('base64') };
  });
}

export function loadSeeds(name: string): Uint8Array[] {
  const file = JSON.parse(readFileSync(new URL(`./seeds/${name}.json`, import.meta.url), 'utf8')) as SeedFile;
  return file.inputs.map((i) =>
    'text' in i ? new Uint8Array(Buffer.from(i.text, 'utf8')) : new Uint8Array(Buffer.from(i.base64, 'base64')),
  );
}
