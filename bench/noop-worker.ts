/** Worker for the no-op benchmark: decodes the transferred buffer and splits it, nothing else. */
const utf8 = new TextDecoder();
export default function noop(task: { data: Uint8Array }): number {
  return utf8.decode(task.data).split('\n').length;
}
