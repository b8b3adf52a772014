{{/* The release's operator name: the release name, or <release>-procos when it is not in it. */}}
{{- define "procos.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "procos.selectorLabels" -}}
app.kubernetes.io/name: procos-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "procos.labels" -}}
{{ include "procos.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "procos.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* The rules generated from operator/rbac.ts (make crds). */}}
{{- define "procos.rbac" -}}
{{- .Files.Get "files/rbac.json" | fromJson | toJson -}}
{{- end -}}

{{/* ZEEBE_GRPC_ADDRESS: engine.address, else the bundled engine's Service. */}}
{{- define "procos.engineAddress" -}}
{{- if .Values.engine.address -}}
{{ .Values.engine.address }}
{{- else if .Values.bundledEngine.enabled -}}
grpc://{{ include "procos.fullname" . }}-engine.{{ .Release.Namespace }}.svc:26500
{{- end -}}
{{- end -}}

{{/* The backlog source's URL: backlog.url, else the bundled engine's monitoring port. */}}
{{- define "procos.backlogUrl" -}}
{{- if .Values.backlog.url -}}
{{ .Values.backlog.url }}
{{- else if and .Values.bundledEngine.enabled (eq .Values.backlog.source "procos-engine") -}}
http://{{ include "procos.fullname" . }}-engine.{{ .Release.Namespace }}.svc:9600
{{- end -}}
{{- end -}}

{{/* OTLP trace export (tracing.otlp), as the OpenTelemetry SDK reads it: env of a container. */}}
{{- define "procos.tracingEnv" -}}
{{- with .Values.tracing.otlp.endpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
- name: OTEL_TRACES_SAMPLER
  value: parentbased_traceidratio
- name: OTEL_TRACES_SAMPLER_ARG
  value: {{ $.Values.tracing.sampleRatio | quote }}
{{- with $.Values.tracing.otlp.headersSecret }}
- name: OTEL_EXPORTER_OTLP_HEADERS
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: OTEL_EXPORTER_OTLP_HEADERS
{{- end }}
{{- end }}
{{- end }}

{{/* "true" when the operator and the workers use the bundled engine and it wants a token. */}}
{{- define "procos.bundledEngineAuth" -}}
{{- if and .Values.bundledEngine.enabled .Values.bundledEngine.auth.enabled (not .Values.engine.address) -}}
true
{{- end -}}
{{- end -}}

{{/* The Secret whose key `token` is the bundled engine's bearer token. */}}
{{- define "procos.engineAuthSecret" -}}
{{- .Values.bundledEngine.auth.existingSecret | default (printf "%s-engine-auth" (include "procos.fullname" .)) -}}
{{- end -}}

{{/* CAMUNDA_AUTH_STRATEGY of the operator: BEARER for the bundled engine's token, else engine.auth.strategy. */}}
{{- define "procos.authStrategy" -}}
{{- if include "procos.bundledEngineAuth" . -}}
BEARER
{{- else -}}
{{ .Values.engine.auth.strategy }}
{{- end -}}
{{- end -}}
