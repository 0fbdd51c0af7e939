{{/*
The realm file (files/realm-hotline.json, a copy of integrations/keycloak/realm-hotline.json)
as JSON, prepared for a real Keycloak: the realm named keycloak.realm, demo users dropped unless
includeDemoUsers (service-account users always stay: they carry the provisioner's roles), dev
client secrets dropped unless keepDevClientSecrets (Keycloak then generates new ones), and
hotline-web's redirect URIs and web origins set to publicUrl.
*/}}
{{- define "hotline.keycloakRealm" -}}
{{- $kr := .Values.keycloakRealm }}
{{- $public := trimSuffix "/" (required "publicUrl is required" .Values.publicUrl) }}
{{- $realm := .Files.Get "files/realm-hotline.json" | fromJson }}
{{- if not $realm.clients }}
{{- fail "files/realm-hotline.json is missing or empty: copy integrations/keycloak/realm-hotline.json into the chart" }}
{{- end }}
{{- $_ := set $realm "realm" .Values.keycloak.realm }}
{{- $users := list }}
{{- range $realm.users }}
{{- if or $kr.includeDemoUsers (hasKey . "serviceAccountClientId") }}
{{- $users = append $users . }}
{{- end }}
{{- end }}
{{- $_ := set $realm "users" $users }}
{{- range $realm.clients }}
{{- if not $kr.keepDevClientSecrets }}
{{- $_ := unset . "secret" }}
{{- end }}
{{- if eq .clientId "hotline-web" }}
{{- $_ := set . "redirectUris" (list (printf "%s/*" $public)) }}
{{- $_ := set . "webOrigins" (list $public) }}
{{- end }}
{{- end }}
{{- toJson $realm }}
{{- end }}
