{{/*
The pod template every meshlog workload shares: call with (dict "root" $ "mode" "agent" "resources" ...).
Secrets are referenced (secretKeyRef, mounted Secret files); the root filesystem is read-only and the
only writable path is an emptyDir for the dead-letter file.
*/}}
{{- define "meshlog.podTemplate" -}}
{{- $ := .root -}}
{{- $v := $.Values -}}
metadata:
  labels:
    {{- include "meshlog.labels" $ | nindent 4 }}
    app.kubernetes.io/component: {{ .mode }}
  annotations:
    checksum/config: {{ include (printf "meshlog.config.%s" .mode) $ | sha256sum }}
    prometheus.io/scrape: "true"
    prometheus.io/port: {{ $v.ports.admin | quote }}
    prometheus.io/path: /metrics
spec:
  serviceAccountName: {{ include "meshlog.fullname" $ }}-{{ .mode }}
  automountServiceAccountToken: false
  {{- with $v.imagePullSecrets }}
  imagePullSecrets: {{ toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- include "meshlog.podSecurityContext" $ | nindent 4 }}
  {{- with .extraPodSpec }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
  containers:
    - name: meshlog
      image: {{ include "meshlog.image" $ }}
      imagePullPolicy: {{ $v.image.pullPolicy }}
      args: [run, --mode, {{ .mode }}, --config, /etc/meshlog/meshlog.yaml]
      env:
        - name: POD_NAME
          valueFrom: { fieldRef: { fieldPath: metadata.name } }
        - name: NODE_NAME
          valueFrom: { fieldRef: { fieldPath: spec.nodeName } }
        {{- if and (has .mode (list "all" "processor")) $v.labels.hmacKey.secretName }}
        - name: MESHLOG_LABEL_HMAC_KEY
          valueFrom: { secretKeyRef: { name: {{ $v.labels.hmacKey.secretName }}, key: {{ $v.labels.hmacKey.key }} } }
        {{- end }}
        {{- if and (has .mode (list "all" "processor" "signals")) $v.elasticsearch.enabled (include "meshlog.esAuthSecret" $) }}
        {{- $es := include "meshlog.esAuthSecret" $ }}
        - name: MESHLOG_ES_USERNAME
          {{- if $v.elasticsearch.auth.secretName }}
          valueFrom: { secretKeyRef: { name: {{ $es }}, key: {{ $v.elasticsearch.auth.usernameKey }} } }
          {{- else }}
          value: elastic
          {{- end }}
        - name: MESHLOG_ES_PASSWORD
          valueFrom: { secretKeyRef: { name: {{ $es }}, key: {{ ternary $v.elasticsearch.auth.passwordKey "elastic" (ne $v.elasticsearch.auth.secretName "") }} } }
        {{- end }}
        {{- if and (ne .mode "agent") $v.elasticsearch.enabled $v.elasticsearch.caSecretName }}
        # Node adds this CA to its trust store: the Elasticsearch exporter then accepts a private CA.
        - name: NODE_EXTRA_CA_CERTS
          value: /var/run/secrets/meshlog/elasticsearch-ca/ca.crt
        {{- end }}
      ports:
        - { name: http-admin, containerPort: {{ $v.ports.admin }}, protocol: TCP }
        {{- if has .mode (list "all" "agent") }}
        - { name: http-lines, containerPort: {{ $v.ports.httpLines }}, protocol: TCP }
        - { name: grpc-als, containerPort: {{ $v.ports.envoyAls }}, protocol: TCP }
        - { name: grpc-otlp, containerPort: {{ $v.ports.otlpGrpc }}, protocol: TCP }
        - { name: http-otlp, containerPort: {{ $v.ports.otlpHttp }}, protocol: TCP }
        - { name: tcp-forward, containerPort: {{ $v.ports.fluentForward }}, protocol: TCP }
        - { name: http-zipkin, containerPort: {{ $v.ports.zipkin }}, protocol: TCP }
        {{- end }}
      livenessProbe:
        httpGet: { path: /healthz, port: http-admin }
        periodSeconds: 10
        failureThreshold: 3
      readinessProbe:
        httpGet: { path: /readyz, port: http-admin }
        periodSeconds: 5
        failureThreshold: 2
      startupProbe:
        httpGet: { path: /healthz, port: http-admin }
        periodSeconds: 2
        failureThreshold: 30
      resources:
        {{- toYaml .resources | nindent 8 }}
      securityContext:
        {{- include "meshlog.containerSecurityContext" $ | nindent 8 }}
      volumeMounts:
        - { name: config, mountPath: /etc/meshlog, readOnly: true }
        - { name: data, mountPath: /var/lib/meshlog }
        - { name: tmp, mountPath: /tmp }
        {{- if and (ne .mode "all") $v.kafka.sasl.enabled }}
        - { name: kafka-sasl, mountPath: /var/run/secrets/meshlog/kafka-sasl, readOnly: true }
        {{- end }}
        {{- if and (ne .mode "agent") $v.elasticsearch.enabled $v.elasticsearch.caSecretName }}
        - { name: elasticsearch-ca, mountPath: /var/run/secrets/meshlog/elasticsearch-ca, readOnly: true }
        {{- end }}
        {{- if and (ne .mode "all") $v.kafka.tls.enabled }}
        - { name: kafka-tls, mountPath: /var/run/secrets/meshlog/kafka-tls, readOnly: true }
        {{- end }}
  terminationGracePeriodSeconds: 30
  volumes:
    - name: config
      configMap: { name: {{ include "meshlog.fullname" $ }}-{{ .mode }}-config }
    - name: data
      emptyDir: { sizeLimit: 1Gi }
    - name: tmp
      emptyDir: { sizeLimit: 64Mi }
    {{- if and (ne .mode "all") $v.kafka.sasl.enabled }}
    - name: kafka-sasl
      secret: { secretName: {{ required "kafka.sasl.secretName is required when kafka.sasl.enabled" $v.kafka.sasl.secretName }} }
    {{- end }}
    {{- if and (ne .mode "agent") $v.elasticsearch.enabled $v.elasticsearch.caSecretName }}
    - name: elasticsearch-ca
      secret: { secretName: {{ $v.elasticsearch.caSecretName }} }
    {{- end }}
    {{- if and (ne .mode "all") $v.kafka.tls.enabled }}
    - name: kafka-tls
      secret: { secretName: {{ required "kafka.tls.secretName is required when kafka.tls.enabled (without Strimzi)" (include "meshlog.kafkaTlsSecret" $) }} }
    {{- end }}
{{- end -}}
