{{/* Names: <fullname>-<component>. fullname is the release name, or release-chart when it lacks "meshlog". */}}
{{- define "meshlog.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "meshlog.labels" -}}
app.kubernetes.io/name: meshlog
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: call with (list $ "agent"). */}}
{{- define "meshlog.selector" -}}
{{- $ := index . 0 -}}
app.kubernetes.io/name: meshlog
app.kubernetes.io/instance: {{ $.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "meshlog.image" -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end -}}

{{/* The components that receive (agent) and serve the signals API (signals): in mode all, the one pod. */}}
{{- define "meshlog.agentComponent" -}}{{ if eq .Values.mode "all" }}all{{ else }}agent{{ end }}{{- end -}}
{{- define "meshlog.signalsComponent" -}}{{ if eq .Values.mode "all" }}all{{ else }}signals{{ end }}{{- end -}}

{{- define "meshlog.agentHost" -}}
{{ include "meshlog.fullname" . }}-agent.{{ .Release.Namespace }}.svc.cluster.local
{{- end -}}
{{- define "meshlog.signalsUrl" -}}
http://{{ include "meshlog.fullname" . }}-signals.{{ .Release.Namespace }}.svc.cluster.local:{{ .Values.ports.admin }}
{{- end -}}

{{- define "meshlog.kafkaBrokers" -}}
{{- if .Values.kafka.strimzi.enabled -}}
[{{ .Values.kafka.strimzi.clusterName }}-kafka-bootstrap.{{ .Release.Namespace }}.svc:{{ if .Values.kafka.tls.enabled }}9093{{ else }}9092{{ end }}]
{{- else -}}
{{ .Values.kafka.brokers | toJson }}
{{- end -}}
{{- end -}}

{{- define "meshlog.esUrl" -}}
{{- if .Values.elasticsearch.eck.enabled -}}
http://{{ .Values.elasticsearch.eck.name }}-es-http.{{ .Release.Namespace }}.svc:9200
{{- else -}}
{{ .Values.elasticsearch.url }}
{{- end -}}
{{- end -}}

{{- define "meshlog.esAuthSecret" -}}
{{- if .Values.elasticsearch.auth.secretName -}}{{ .Values.elasticsearch.auth.secretName }}
{{- else if .Values.elasticsearch.eck.enabled -}}{{ .Values.elasticsearch.eck.name }}-es-elastic-user
{{- end -}}
{{- end -}}

{{- define "meshlog.jaegerEndpoint" -}}
{{- if .Values.jaeger.deploy.enabled -}}
{{ include "meshlog.fullname" . }}-jaeger.{{ .Release.Namespace }}.svc:{{ if eq .Values.jaeger.protocol "grpc" }}4317{{ else }}4318{{ end }}
{{- else -}}
{{ .Values.jaeger.endpoint }}
{{- end -}}
{{- end -}}

{{/* Restricted pod and container security: non-root, read-only root, no privilege, no capabilities. */}}
{{- define "meshlog.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}
{{- define "meshlog.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
{{- end -}}

{{/* Kafka TLS CA: the given Secret, or on Strimzi the cluster CA Secret the operator makes. */}}
{{- define "meshlog.kafkaTlsSecret" -}}
{{- if .Values.kafka.tls.secretName -}}{{ .Values.kafka.tls.secretName }}
{{- else if .Values.kafka.strimzi.enabled -}}{{ .Values.kafka.strimzi.clusterName }}-cluster-ca-cert
{{- end -}}
{{- end -}}
