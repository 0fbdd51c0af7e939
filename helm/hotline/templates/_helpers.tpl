{{/*
Names, labels, the image, credentials and the pieces every pod shares.
*/}}

{{- define "hotline.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* <release>-hotline, or the release name when it already contains the chart name. */}}
{{- define "hotline.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "hotline.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "hotline.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hotline.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "hotline.labels" -}}
helm.sh/chart: {{ include "hotline.chart" . }}
{{ include "hotline.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: hotline
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector labels of one component: (dict "ctx" $ "component" "web"). */}}
{{- define "hotline.componentSelectorLabels" -}}
{{ include "hotline.selectorLabels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "hotline.componentLabels" -}}
{{ include "hotline.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "hotline.image" -}}
{{- $image := .Values.image }}
{{- if $image.digest }}
{{- printf "%s@%s" $image.repository $image.digest }}
{{- else }}
{{- printf "%s:%s" $image.repository (default .Chart.AppVersion $image.tag) }}
{{- end }}
{{- end }}

{{- define "hotline.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "hotline.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "hotline.secretName" -}}
{{- include "hotline.fullname" . }}
{{- end }}

{{/*
Credentials. Each is (value, existingSecret, existingSecretKey); hotline.credentials lists the
ones in use as JSON: chart Secret key -> {env, cred, required (the message when missing)}. Only
what this list names is ever read from a Secret. URL mode is the default; host parts apply only
when a host is set and no URL is configured.
*/}}
{{- define "hotline.databaseUrlMode" -}}
{{- $url := .Values.database.url }}
{{- if or $url.existingSecret $url.value (not .Values.database.host) }}true{{ end }}
{{- end }}

{{- define "hotline.redisUrlMode" -}}
{{- $url := .Values.redis.url }}
{{- if or $url.existingSecret $url.value (not .Values.redis.host) }}true{{ end }}
{{- end }}

{{- define "hotline.credentials" -}}
{{- $v := .Values }}
{{- $creds := dict }}
{{- if include "hotline.databaseUrlMode" . }}
{{- $_ := set $creds "database-url" (dict "env" "DATABASE_URL" "cred" $v.database.url "required" "database.url.existingSecret (or database.url.value, or database.host with database.password) is required: the PostgreSQL URL") }}
{{- else }}
{{- $_ := set $creds "database-password" (dict "env" "DATABASE_PASSWORD" "cred" $v.database.password "required" "database.password.existingSecret (or database.password.value) is required with database.host") }}
{{- end }}
{{- if include "hotline.redisUrlMode" . }}
{{- $_ := set $creds "redis-url" (dict "env" "REDIS_URL" "cred" $v.redis.url "required" "redis.url.existingSecret (or redis.url.value, or redis.host) is required: the Redis URL") }}
{{- else if or $v.redis.password.existingSecret $v.redis.password.value }}
{{- $_ := set $creds "redis-password" (dict "env" "REDIS_PASSWORD" "cred" $v.redis.password) }}
{{- end }}
{{- if or $v.keycloak.url (eq $v.appEnv "production") }}
{{- $_ := set $creds "keycloak-admin-client-secret" (dict "env" "KEYCLOAK_ADMIN_CLIENT_SECRET" "cred" $v.keycloak.adminClient.secret "required" "keycloak.adminClient.secret.existingSecret (or .value) is required with a real Keycloak: the hotline-provisioner client's secret") }}
{{- end }}
{{- $_ := set $creds "secret-key" (dict "env" "SECRET_KEY" "cred" $v.secretKey "required" "secretKey.existingSecret (or secretKey.value) is required: Flask's SECRET_KEY") }}
{{- $_ := set $creds "pii-encryption-key" (dict "env" "PII_ENCRYPTION_KEY" "cred" $v.pii.encryptionKey "required" "pii.encryptionKey.existingSecret (or pii.encryptionKey.value) is required: the chart never generates PII keys, since a lost key makes every stored phone number unreadable") }}
{{- $_ := set $creds "pii-hash-key" (dict "env" "PII_HASH_KEY" "cred" $v.pii.hashKey "required" "pii.hashKey.existingSecret (or pii.hashKey.value) is required: the chart never generates PII keys, since a lost key breaks every repeat-caller lookup") }}
{{- toJson $creds }}
{{- end }}

{{/*
Fails the render with a clear message for anything missing. configmap.yaml includes it; Helm
renders every template, so no install, upgrade or template run escapes it. The queue list is
app/jobs/runner.py's QUEUES (tests/helm checks it).
*/}}
{{- define "hotline.validate" -}}
{{- $_ := required "publicUrl is required: the platform's external base URL, e.g. https://12345.hebei.gov.cn" .Values.publicUrl }}
{{- if eq .Values.appEnv "production" }}
{{- $_ := required "keycloak.url is required: APP_ENV=production refuses the dev IdP (set the Keycloak server root, e.g. https://sso.example.gov.cn)" .Values.keycloak.url }}
{{- end }}
{{- range $key, $c := include "hotline.credentials" . | fromJson }}
{{- if $c.required }}
{{- $_ := required $c.required (or $c.cred.existingSecret $c.cred.value) }}
{{- end }}
{{- end }}
{{- $queues := list }}
{{- range $name, $group := .Values.workers }}
{{- if $group.enabled }}
{{- $queues = concat $queues $group.queues }}
{{- end }}
{{- end }}
{{- range list "default" "sla" "outbox" "reports" "embeddings" }}
{{- if not (has . $queues) }}
{{- fail (printf "workers: no enabled worker group consumes the %q queue (add it to a group's queues)" .) }}
{{- end }}
{{- end }}
{{- end }}

{{/* The chart Secret's data: inline credential values only (existingSecret ones are never copied). */}}
{{- define "hotline.secretData" -}}
{{- range $key, $c := include "hotline.credentials" . | fromJson }}
{{- if and $c.cred.value (not $c.cred.existingSecret) }}
{{- if eq $key "database-password" "redis-password" }}
{{ $key }}: {{ $c.cred.value | urlquery | replace "+" "%20" | b64enc | quote }}
{{- else }}
{{ $key }}: {{ $c.cred.value | b64enc | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* Non-secret settings, as environment variables (the ConfigMap and the hook's copy). */}}
{{- define "hotline.configData" -}}
APP_ENV: {{ .Values.appEnv | quote }}
PUBLIC_URL: {{ .Values.publicUrl | quote }}
LOG_LEVEL: {{ .Values.logLevel | quote }}
LOG_FORMAT: {{ .Values.logFormat | quote }}
INSTANCE_PATH: {{ .Values.instancePath | quote }}
KEYCLOAK_URL: {{ .Values.keycloak.url | quote }}
KEYCLOAK_REALM: {{ .Values.keycloak.realm | quote }}
KEYCLOAK_AUDIENCE: {{ .Values.keycloak.audience | quote }}
KEYCLOAK_ADMIN_CLIENT_ID: {{ .Values.keycloak.adminClient.id | quote }}
KEYCLOAK_WEB_CLIENT_ID: {{ .Values.keycloak.webClientId | quote }}
WEB_SESSION_IDLE_MINUTES: {{ .Values.portal.sessionIdleMinutes | quote }}
WEB_SESSION_MAX_HOURS: {{ .Values.portal.sessionMaxHours | quote }}
WEB_POLL_SECONDS: {{ .Values.portal.pollSeconds | quote }}
ATTACHMENTS_PATH: {{ .Values.portal.attachmentsPath | quote }}
ATTACHMENT_MAX_BYTES: {{ .Values.portal.attachmentMaxBytes | int | quote }}
DB_POOL_SIZE: {{ .Values.database.poolSize | quote }}
DB_MAX_OVERFLOW: {{ .Values.database.maxOverflow | quote }}
DB_POOL_CHECK: {{ .Values.database.poolCheck | quote }}
OUTBOX_MAX_ATTEMPTS: {{ .Values.outbox.maxAttempts | quote }}
OUTBOX_RETRY_BASE_SECONDS: {{ .Values.outbox.retryBaseSeconds | quote }}
OUTBOX_RETRY_MAX_SECONDS: {{ .Values.outbox.retryMaxSeconds | quote }}
SMS_GATEWAY_URL: {{ (.Values.integrations).smsGatewayUrl | default "" | quote }}
OUTBOUND_PRIVATE_NETWORKS: {{ (.Values.integrations).privateNetworks | default "" | quote }}
PYTHONUNBUFFERED: "1"
PYTHONDONTWRITEBYTECODE: "1"
HOME: "/tmp"
{{- end }}

{{/*
env and envFrom of every container: (dict "ctx" $ "configMap" NAME "secret" NAME).
Credentials come from secretKeyRefs; URLs assembled from parts use $(VAR) expansion, so the
password variable is listed before the URL.
*/}}
{{- define "hotline.envFrom" -}}
- configMapRef:
    name: {{ .configMap }}
{{- with .ctx.Values.extraEnvFrom }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "hotline.env" -}}
{{- $v := .ctx.Values }}
{{- $secret := .secret }}
{{- $creds := include "hotline.credentials" .ctx | fromJson }}
{{- range $key := list "database-password" "redis-password" "database-url" "redis-url" "keycloak-admin-client-secret" "secret-key" "pii-encryption-key" "pii-hash-key" }}
{{- with get $creds $key }}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ .cred.existingSecret | default $secret }}
      key: {{ ternary .cred.existingSecretKey $key (not (empty .cred.existingSecret)) }}
{{- end }}
{{- end }}
{{- if not (include "hotline.databaseUrlMode" .ctx) }}
{{- $db := $v.database }}
- name: DATABASE_URL
  value: {{ printf "postgresql://%s:$(DATABASE_PASSWORD)@%s:%v/%s%s" ($db.user | urlquery) $db.host $db.port $db.name (ternary (printf "?%s" $db.params) "" (not (empty $db.params))) | quote }}
{{- end }}
{{- if not (include "hotline.redisUrlMode" .ctx) }}
{{- $r := $v.redis }}
{{- $auth := "" }}
{{- if hasKey $creds "redis-password" }}
{{- $auth = printf "%s:$(REDIS_PASSWORD)@" ($r.username | urlquery) }}
{{- end }}
- name: REDIS_URL
  value: {{ printf "%s://%s%s:%v/%v" (ternary "rediss" "redis" $r.tls) $auth $r.host $r.port $r.db | quote }}
{{- end }}
{{- with $v.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The emptyDir at /tmp plus extra volumes (pod level). */}}
{{- define "hotline.volumes" -}}
- name: tmp
  emptyDir:
    {{- with .Values.tmpVolume.medium }}
    medium: {{ . }}
    {{- end }}
    {{- with .Values.tmpVolume.sizeLimit }}
    sizeLimit: {{ . }}
    {{- end }}
{{- with .Values.extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "hotline.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- with .Values.extraVolumeMounts }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Pod spec fields every workload shares: (dict "ctx" $ "component" $values-of-the-component),
optionally "serviceAccountName" (the migration hook's own account).
The component's nodeSelector, tolerations and affinity replace the global ones when set.
*/}}
{{- define "hotline.podCommon" -}}
{{- $v := .ctx.Values }}
{{- $c := .component | default dict -}}
serviceAccountName: {{ .serviceAccountName | default (include "hotline.serviceAccountName" .ctx) }}
automountServiceAccountToken: {{ $v.serviceAccount.automountServiceAccountToken }}
{{- with $v.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
securityContext:
  {{- toYaml $v.podSecurityContext | nindent 2 }}
{{- with ($c.nodeSelector | default $v.nodeSelector) }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with ($c.tolerations | default $v.tolerations) }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with ($c.affinity | default $v.affinity) }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Pod template metadata: (dict "ctx" $ "component" NAME "annotations" MAP). */}}
{{- define "hotline.podMetadata" -}}
{{- $v := .ctx.Values -}}
labels:
  {{- include "hotline.componentSelectorLabels" (dict "ctx" .ctx "component" .component) | nindent 2 }}
  {{- with $v.podLabels }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
annotations:
  checksum/config: {{ include "hotline.configData" .ctx | sha256sum }}
  checksum/secret: {{ include "hotline.secretData" .ctx | sha256sum }}
  {{- with (merge (dict) (.annotations | default dict) $v.podAnnotations) }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}

{{/* A flask CLI command as a container command list: (list "worker" "-q" "default"). */}}
{{- define "hotline.flask" -}}
{{- toJson (concat (list "flask" "--app" "wsgi") .) }}
{{- end }}
