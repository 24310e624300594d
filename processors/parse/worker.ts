import { parseChunk } from './chunk.ts';
import type { ParseResult, ParseTask } from './task.ts';

/** Piscina entry point: one task is a batch of chunks, never a single record. */
export default function parseTask(task: ParseTask): ParseResult {
  const out: ParseResult = { records: [], rejections: [] };
  for (const chunk of task.chunks) parseChunk(chunk, task, out);
  return out;
}
