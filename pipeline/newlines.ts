/** How many `\n` bytes `data` holds. indexOf is memchr: a JavaScript loop over the bytes cost ~10× more. */
export function countNewlines(data: Uint8Array): number {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let n = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  return n;
}
