import type { AgentUrls } from './mesh-requests.ts';
import { agentConfig, sleep, startMode, type ModeProcess } from './support.ts';

/** A `--mode agent` process and the URLs of its receivers. */
export interface Agent {
  process: ModeProcess;
  urls: AgentUrls;
}

/**
 * Starts `count` agents (http_lines and OTLP/HTTP → parse → kafka). Ports: agent j listens for
 * lines on `basePort + 3j`, OTLP on `+1`, and serves admin on `+2`.
 */
export async function startAgents(o: {
  brokers: string;
  topic: string;
  basePort: number;
  count?: number;
  queueCapacity?: number;
  ackTimeoutMs?: number;
}): Promise<Agent[]> {
  const agents: Agent[] = [];
  for (let j = 0; j < (o.count ?? 2); j++) {
    const port = o.basePort + 3 * j;
    const config = agentConfig({ ...o, port, otlpPort: port + 1 });
    agents.push({
      process: await startMode('agent', config, port + 2),
      urls: { lines: `http://127.0.0.1:${port}`, otlp: `http://127.0.0.1:${port + 1}` },
    });
  }
  return agents;
}

/** Starts `count` processors on `config`, with admin ports from `firstAdminPort` on. */
export async function startProcessors(count: number, config: string, firstAdminPort: number): Promise<ModeProcess[]> {
  const processors: ModeProcess[] = [];
  for (let i = 0; i < count; i++) processors.push(await startMode('processor', config, firstAdminPort + i));
  return processors;
}

/** RequestDocs a process's join has emitted (every state), from its /metrics. */
export async function joinedRequests(p: ModeProcess): Promise<number> {
  const text = await (await fetch(`${p.adminUrl}/metrics`)).text();
  let sum = 0;
  for (const m of text.matchAll(/^meshlog_join_requests_total\{[^}]*\} (\d+)/gm)) sum += Number(m[1]);
  return sum;
}

/**
 * Polls a signals instance's `/v1/windows` (5 min window) until the requests it counts for
 * `service` in `subset` reach `expected`, or `ms` passes; returns the last count.
 */
export async function windowRequests(
  signals: ModeProcess,
  route: { service: string; subset: string },
  expected: number,
  ms: number,
): Promise<number> {
  const end = Date.now() + ms;
  for (;;) {
    const page = (await (await fetch(`${signals.adminUrl}/v1/windows?window=5m&limit=500`)).json()) as {
      rows: Array<{ service: string; subset: string; requests: number }>;
    };
    const counted = page.rows
      .filter((r) => r.service === route.service && r.subset === route.subset)
      .reduce((sum, r) => sum + r.requests, 0);
    if (counted >= expected || Date.now() > end) return counted;
    await sleep(500);
  }
}
