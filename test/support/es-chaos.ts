import { serviceScript } from '../setup/services.ts';

/**
 * A second Elasticsearch of the test install (port 9201, tiny write queue) that the fault tests
 * may choke, stop and restart without disturbing the shared one.
 */
export const CHAOS_URL = 'http://127.0.0.1:9201';

export const chaos = (action: 'start' | 'stop') =>
  serviceScript('elasticsearch', action, {
    MESHLOG_ES_INSTANCE: 'es-chaos',
    MESHLOG_ES_PORT: '9201',
    MESHLOG_ES_WRITE_QUEUE_SIZE: '1',
  });
