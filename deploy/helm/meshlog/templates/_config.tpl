{{/*
The meshlog config of each mode (the shape of /v1 modes: see deploy/README.md). Secrets never
appear here: credentials arrive as ${env:...} set from secretKeyRef, or as files of mounted Secrets.
*/}}

{{- define "meshlog.config.receivers" -}}
http_lines: { endpoint: "0.0.0.0:{{ .Values.ports.httpLines }}" }
envoy_als: { endpoint: "0.0.0.0:{{ .Values.ports.envoyAls }}" }
otlp:
  grpc: { endpoint: "0.0.0.0:{{ .Values.ports.otlpGrpc }}" }
  http: { endpoint: "0.0.0.0:{{ .Values.ports.otlpHttp }}" }
fluent_forward: { endpoint: "0.0.0.0:{{ .Values.ports.fluentForward }}" }
zipkin: { endpoint: "0.0.0.0:{{ .Values.ports.zipkin }}" }
{{- end -}}

{{- define "meshlog.config.labels" -}}
{{- range .Values.labels.headers }}
{{- if and (eq (default "" .redact) "hmac") (not $.Values.labels.hmacKey.secretName) }}
{{- fail (printf "labels.headers: %s has redact: hmac, which needs labels.hmacKey.secretName" .header) }}
{{- end }}
{{- end -}}
labels:
  headers: {{ .Values.labels.headers | toJson }}
  {{- if .Values.labels.hmacKey.secretName }}
  hmacKey: { env: MESHLOG_LABEL_HMAC_KEY }
  {{- end }}
{{- end -}}

{{- define "meshlog.config.join" -}}
join: { idleMs: {{ .Values.join.idleMs }}, maxAgeMs: {{ .Values.join.maxAgeMs }} }
{{- end -}}

{{- define "meshlog.config.signalsSettings" -}}
canary: { minRequests: {{ .Values.signals.canary.minRequests }} }
breaker: { policy: {{ .Values.signals.breaker.policy }} }
{{- end -}}

{{/* Credentials go into the URL from env (set from the Secret), so the ConfigMap never holds them. */}}
{{- define "meshlog.config.elasticsearch" -}}
{{- $url := include "meshlog.esUrl" . -}}
{{- if include "meshlog.esAuthSecret" . -}}
{{- $url = regexReplaceAll "^(https?://)" $url "${1}${env:MESHLOG_ES_USERNAME}:${env:MESHLOG_ES_PASSWORD}@" -}}
{{- end -}}
elasticsearch:
  endpoints: [{{ $url | quote }}]
  prefix: {{ .Values.elasticsearch.prefix }}
{{- end -}}

{{/* Backend exporters; "names" lists their ids for the pipelines. */}}
{{- define "meshlog.config.backends" -}}
{{- if .Values.elasticsearch.enabled }}
{{ include "meshlog.config.elasticsearch" . }}
{{- end }}
{{- if .Values.jaeger.enabled }}
otlp:
  endpoint: {{ include "meshlog.jaegerEndpoint" . | quote }}
  protocol: {{ .Values.jaeger.protocol }}
{{- end }}
{{- if not (or .Values.elasticsearch.enabled .Values.jaeger.enabled) }}
blackhole: {}
{{- end }}
{{- end -}}
{{- define "meshlog.config.backendNames" -}}
{{- $n := list -}}
{{- if .Values.elasticsearch.enabled }}{{ $n = append $n "elasticsearch" }}{{ end -}}
{{- if .Values.jaeger.enabled }}{{ $n = append $n "otlp" }}{{ end -}}
{{- if not $n }}{{ $n = list "blackhole" }}{{ end -}}
{{ $n | toJson }}
{{- end -}}

{{/* Settings every Kafka receiver and exporter shares. */}}
{{- define "meshlog.config.kafkaCommon" -}}
brokers: {{ include "meshlog.kafkaBrokers" . }}
clientId: ${env:POD_NAME:-meshlog}
{{- if .Values.kafka.sasl.enabled }}
sasl:
  mechanism: {{ .Values.kafka.sasl.mechanism }}
  username: {{ .Values.kafka.sasl.username }}
  passwordFile: /var/run/secrets/meshlog/kafka-sasl/{{ .Values.kafka.sasl.passwordKey }}
{{- end }}
{{- if .Values.kafka.tls.enabled }}
tls:
  caFile: /var/run/secrets/meshlog/kafka-tls/ca.crt
  {{- if .Values.kafka.tls.clientCert }}
  certFile: /var/run/secrets/meshlog/kafka-tls/tls.crt
  keyFile: /var/run/secrets/meshlog/kafka-tls/tls.key
  {{- end }}
{{- end }}
{{- end -}}
{{/* Producers create missing topics on a Kafka the chart does not manage; Strimzi's KafkaTopics own them otherwise. */}}
{{- define "meshlog.config.kafkaProducer" -}}
{{ include "meshlog.config.kafkaCommon" . }}
compression: {{ .Values.kafka.compression }}
{{- if .Values.kafka.strimzi.enabled }}
createTopics: false
{{- else }}
createTopics: true
partitions: {{ .Values.kafka.partitions }}
replicationFactor: {{ .Values.kafka.replicationFactor }}
{{- end }}
{{- end -}}

{{/* Call with (list $ mode): the memory limiter is sized from that mode's pod. */}}
{{- define "meshlog.config.service" -}}
{{- $ := index . 0 -}}
service:
  logLevel: {{ $.Values.logLevel }}
{{ include "meshlog.config.memoryLimit" . | indent 2 }}
  admin: { endpoint: "0.0.0.0:{{ $.Values.ports.admin }}" }
  deadLetter: { path: /var/lib/meshlog/deadletter.ndjson }
  pipelines:
{{- end -}}

{{/* mode all: today's embedded shape, every receiver, signals API, no Kafka. */}}
{{- define "meshlog.config.all" -}}
receivers:
{{ include "meshlog.config.receivers" . | indent 2 }}
processors:
  parse: { format: auto }
{{ include "meshlog.config.labels" . | indent 2 }}
{{ include "meshlog.config.join" . | indent 2 }}
  signals:
{{ include "meshlog.config.signalsSettings" . | indent 4 }}
exporters:
{{ include "meshlog.config.backends" . | trim | indent 2 }}
{{ include "meshlog.config.service" (list . "all") }}
    parsed:
      receivers: [http_lines, envoy_als, otlp, fluent_forward, zipkin]
      processors: [parse, labels]
    signals:
      receivers: [pipeline:parsed]
      processors: [signals]
      exporters: {{ include "meshlog.config.backendNames" . }}
    requests:
      receivers: [pipeline:parsed]
      processors: [join]
      exporters: {{ include "meshlog.config.backendNames" . }}
{{- end -}}

{{/* agent: receive on the node, parse, produce raw records keyed by request id. */}}
{{- define "meshlog.config.agent" -}}
receivers:
{{ include "meshlog.config.receivers" . | indent 2 }}
processors:
  parse: { format: auto }
exporters:
  kafka:
{{ include "meshlog.config.kafkaProducer" . | indent 4 }}
    topic: {{ .Values.kafka.topics.records }}
{{ include "meshlog.config.service" (list . "agent") }}
    records:
      receivers: [http_lines, envoy_als, otlp, fluent_forward, zipkin]
      processors: [parse]
      exporters: [kafka]
      modes: [agent]
{{- end -}}

{{/* processor: join and enrich, export; publish per-route window partials. */}}
{{- define "meshlog.config.processor" -}}
receivers:
  kafka:
{{ include "meshlog.config.kafkaCommon" . | indent 4 }}
    topics: [{{ .Values.kafka.topics.records }}]
    groupId: meshlog-processor
processors:
{{ include "meshlog.config.labels" . | indent 2 }}
  join: { idleMs: {{ .Values.join.idleMs }}, maxAgeMs: {{ .Values.join.maxAgeMs }}, ackOn: delivered }
  signals:
{{ include "meshlog.config.signalsSettings" . | indent 4 }}
    emit: { windows: true, decisions: false, calls: true }
exporters:
{{ include "meshlog.config.backends" . | trim | indent 2 }}
  kafka/windows:
{{ include "meshlog.config.kafkaProducer" . | indent 4 }}
    topic: {{ .Values.kafka.topics.windows }}
{{ include "meshlog.config.service" (list . "processor") }}
    requests:
      receivers: [kafka]
      processors: [labels, join]
      exporters: {{ include "meshlog.config.backendNames" . }}
      modes: [processor]
    windows:
      receivers: [kafka]
      processors: [signals]
      exporters: [kafka/windows{{ if .Values.elasticsearch.enabled }}, elasticsearch{{ end }}]
      modes: [processor]
{{- end -}}

{{/* signals: merge the partials (each replica reads every partition: one group per pod), judge, serve. */}}
{{- define "meshlog.config.signals" -}}
receivers:
  kafka/windows:
{{ include "meshlog.config.kafkaCommon" . | indent 4 }}
    topics: [{{ .Values.kafka.topics.windows }}]
    groupId: meshlog-signals-${env:POD_NAME}
processors:
  signals:
{{ include "meshlog.config.signalsSettings" . | indent 4 }}
    emit: { windows: false, decisions: true }
exporters:
  kafka/decisions:
{{ include "meshlog.config.kafkaProducer" . | indent 4 }}
    topic: {{ .Values.kafka.topics.decisions }}
{{- if .Values.elasticsearch.enabled }}
{{ include "meshlog.config.elasticsearch" . | indent 2 }}
{{- end }}
{{ include "meshlog.config.service" (list . "signals") }}
    decisions:
      receivers: [kafka/windows]
      processors: [signals]
      exporters: [kafka/decisions{{ if .Values.elasticsearch.enabled }}, elasticsearch{{ end }}]
      modes: [signals]
{{- end -}}
