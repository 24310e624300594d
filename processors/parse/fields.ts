/**
 * The canonical names every decoder maps its input to before normalisation. They are Istio's
 * JSON keys, so Istio JSON maps one to one; format strings and ALS entries map their operators
 * and fields onto the same names. Anything else is kept as an extra (`req.<header>`,
 * `resp.<header>`, or the lower-cased operator or key).
 */
export const CANONICAL_FIELDS = [
  'start_time',
  'method',
  'path',
  'protocol',
  'response_code',
  'response_flags',
  'response_code_details',
  'connection_termination_details',
  'upstream_transport_failure_reason',
  'bytes_received',
  'bytes_sent',
  'duration',
  'upstream_service_time',
  'x_forwarded_for',
  'user_agent',
  'request_id',
  'authority',
  'upstream_host',
  'upstream_cluster',
  'upstream_local_address',
  'downstream_local_address',
  'downstream_remote_address',
  'requested_server_name',
  'route_name',
  'istio_policy_status',
] as const;

export type CanonicalField = (typeof CANONICAL_FIELDS)[number];

/** Raw values by canonical name; `null` for unset (`-`, `"-"` or JSON null). */
export type Fields = Partial<Record<CanonicalField, string | number | null>> & { extras?: Record<string, unknown> };

export const CANONICAL = new Set<string>(CANONICAL_FIELDS);
