{{/* The objects' name: the release's when it already says aegis-canary, else <release>-aegis-canary. */}}
{{- define "aegis-canary.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The label deploy/ puts on everything; also the pods' selector. */}}
{{- define "aegis-canary.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
{{- end -}}

{{/* deploy/'s label and Helm's usual ones (HelmChartTest ignores exactly these three when comparing with deploy/). */}}
{{- define "aegis-canary.labels" -}}
{{ include "aegis-canary.selectorLabels" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Refuses values that would install a controller that misbehaves, naming the value and what is allowed. */}}
{{- define "aegis-canary.validate" -}}
{{- if and (not .Values.leaderElection.enabled) (gt (int .Values.replicaCount) 1) -}}
{{- fail (printf "leaderElection.enabled=false needs replicaCount: 1 (got %v): replicas without a Lease would all act on every Canary" .Values.replicaCount) -}}
{{- end -}}
{{- if lt (int .Values.replicaCount) 1 -}}
{{- fail (printf "replicaCount must be at least 1 (got %v)" .Values.replicaCount) -}}
{{- end -}}
{{- with .Values.notifications.defaultSeverity -}}
{{- if not (has . (list "info" "warn" "error")) -}}
{{- fail (printf "notifications.defaultSeverity must be one of info, warn, error (got %q)" .) -}}
{{- end -}}
{{- end -}}
{{- end -}}
