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

/**
 * Fields with every canonical name present and unset: one object shape for every line of a text
 * format. Grown from `{}` key by key, each line's object went through ~25 shape transitions and
 * two backing-store reallocations, and normalise's reads saw a shape per format.
 */
export function emptyFields(): Fields {
  return {
    start_time: undefined,
    method: undefined,
    path: undefined,
    protocol: undefined,
    response_code: undefined,
    response_flags: undefined,
    response_code_details: undefined,
    connection_termination_details: undefined,
    upstream_transport_failure_reason: undefined,
    bytes_received: undefined,
    bytes_sent: undefined,
    duration: undefined,
    upstream_service_time: undefined,
    x_forwarded_for: undefined,
    user_agent: undefined,
    request_id: undefined,
    authority: undefined,
    upstream_host: undefined,
    upstream_cluster: undefined,
    upstream_local_address: undefined,
    downstream_local_address: undefined,
    downstream_remote_address: undefined,
    requested_server_name: undefined,
    route_name: undefined,
    istio_policy_status: undefined,
  };
}
