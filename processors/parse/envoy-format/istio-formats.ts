/**
 * Istio's (and Envoy's default) text access-log formats, as configured in each release
 * (shared/reference/formats.md). Ordered most specific first, which is the order auto-detection
 * tries them in. G (1.9–1.22) and H (1.23+) differ only in UPSTREAM_CLUSTER vs _RAW, which a
 * line cannot show, so they share one entry.
 */
const HEAD =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% ';
const MID =
  '%BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"';
const TAIL =
  ' %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME%';
const MIXER = '"%DYNAMIC_METADATA(istio.mixer:status)%" ';
const TFR = '"%UPSTREAM_TRANSPORT_FAILURE_REASON%" ';

export const ISTIO_TEXT_FORMATS: ReadonlyArray<{ id: string; format: string }> = [
  {
    id: 'istio-text-G/H',
    format: `${HEAD}%RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% ${TFR}${MID}${TAIL} %ROUTE_NAME%`,
  },
  // Lines whose route name is empty or cut off (they end after the SNI); E and F without it have
  // the shapes of D and C, so only G/H needs its own entry.
  {
    id: 'istio-text-G/H',
    format: `${HEAD}%RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% ${TFR}${MID}${TAIL}`,
  },
  { id: 'istio-text-E', format: `${HEAD}${MIXER}${TFR}${MID}${TAIL} %ROUTE_NAME%` },
  { id: 'istio-text-D', format: `${HEAD}${MIXER}${TFR}${MID}${TAIL}` },
  { id: 'istio-text-F', format: `${HEAD}${TFR}${MID}${TAIL} %ROUTE_NAME%` },
  { id: 'istio-text-C', format: `${HEAD}${MIXER}${MID}${TAIL}` },
  { id: 'istio-text-B', format: `${HEAD}${MID}${TAIL}` },
  { id: 'envoy-default-A', format: `${HEAD}${MID}` },
];
