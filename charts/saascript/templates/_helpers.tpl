{{/*
Names, labels, images, service addresses and the version-dependent apiVersions, shared by
every template.
*/}}

{{- define "saascript.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The prefix of every object the chart names (but the ServiceDeployments, named after their
service). Cluster-scoped objects carry it, so that two releases do not collide.
*/}}
{{- define "saascript.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Labels that never change with the chart's version. The ServiceDeployments carry only these:
the operator copies a ServiceDeployment's labels onto its pods, and a label that changed with
every chart release would restart every service on every upgrade.
Call with (dict "root" $ "component" "auth").
*/}}
{{- define "saascript.stableLabels" -}}
app.kubernetes.io/name: {{ printf "saascript-%s" .component }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/part-of: saascript
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end -}}

{{/* stableLabels plus the chart's version, for everything the operator does not copy. */}}
{{- define "saascript.labels" -}}
{{ include "saascript.stableLabels" . }}
app.kubernetes.io/version: {{ .root.Values.image.tag | default .root.Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{/* What a workload's selector matches: immutable once created, so never the version. */}}
{{- define "saascript.selectorLabels" -}}
app.kubernetes.io/name: {{ printf "saascript-%s" .component }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/*
The image of one component: <registry>/<repository>/<component>:<tag>, the registry left out
when empty. Call with (dict "root" $ "component" "auth").
*/}}
{{- define "saascript.image" -}}
{{- $image := .root.Values.image -}}
{{- $path := printf "%s/%s" $image.repository .component -}}
{{- if $image.registry -}}
{{- $path = printf "%s/%s" $image.registry $path -}}
{{- end -}}
{{- printf "%s:%s" $path ($image.tag | default .root.Chart.AppVersion) -}}
{{- end -}}

{{/* imagePullSecrets of a pod or ServiceAccount; empty when none are set. */}}
{{- define "saascript.imagePullSecrets" -}}
{{- with .Values.image.pullSecrets -}}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end -}}
{{- end -}}

{{/*
Where a service answers inside the cluster: the Service the operator names after the
ServiceDeployment. Call with (dict "root" $ "service" "auth").
*/}}
{{- define "saascript.serviceUrl" -}}
{{- $svc := index .root.Values.services .service -}}
{{- printf "http://%s.%s.svc:%d" .service .root.Release.Namespace (int $svc.port) -}}
{{- end -}}

{{/* The `iss` of access tokens: tokens.issuer, else auth's name in the cluster. */}}
{{- define "saascript.tokenIssuer" -}}
{{- .Values.tokens.issuer | default (include "saascript.serviceUrl" (dict "root" . "service" "auth")) -}}
{{- end -}}

{{/*
The apiVersion of a PodDisruptionBudget: .Values.apiVersions.podDisruptionBudget when set;
else policy/v1 when the cluster serves it (a real install or `helm template --api-versions
policy/v1/PodDisruptionBudget`), or when rendering offline for Kubernetes 1.21 or later
(`--kube-version`; policy/v1 is served from 1.21 on); else policy/v1beta1 (1.20).
*/}}
{{- define "saascript.podDisruptionBudget.apiVersion" -}}
{{- if .Values.apiVersions.podDisruptionBudget -}}
{{- .Values.apiVersions.podDisruptionBudget -}}
{{- else if .Capabilities.APIVersions.Has "policy/v1/PodDisruptionBudget" -}}
policy/v1
{{- else if and (not (.Capabilities.APIVersions.Has "policy/v1beta1/PodDisruptionBudget")) (semverCompare ">=1.21-0" .Capabilities.KubeVersion.Version) -}}
policy/v1
{{- else -}}
policy/v1beta1
{{- end -}}
{{- end -}}

{{/*
The apiVersion of a HorizontalPodAutoscaler, by the same rule: the override, else
autoscaling/v2 when served (GA in 1.23), else autoscaling/v2beta2. The chart ships no HPA
today (the operator builds the services' HPAs by discovery); a template that adds one must
use this, as the operator's PDB uses the one above.
*/}}
{{- define "saascript.horizontalPodAutoscaler.apiVersion" -}}
{{- if .Values.apiVersions.horizontalPodAutoscaler -}}
{{- .Values.apiVersions.horizontalPodAutoscaler -}}
{{- else if .Capabilities.APIVersions.Has "autoscaling/v2/HorizontalPodAutoscaler" -}}
autoscaling/v2
{{- else if and (not (.Capabilities.APIVersions.Has "autoscaling/v2beta2/HorizontalPodAutoscaler")) (semverCompare ">=1.23-0" .Capabilities.KubeVersion.Version) -}}
autoscaling/v2
{{- else -}}
autoscaling/v2beta2
{{- end -}}
{{- end -}}

{{/*
True when ServiceDeployments can be sent to the cluster: its API lists the kind, or the
caller says so (crds.assumeInstalled, for rendering without a cluster). Helm maps every object
of a release to an API before it creates any, so on a first install, where the CRD arrives in
the same release, a ServiceDeployment would fail the whole install ("no matches for kind").
*/}}
{{- define "saascript.serviceDeploymentsServed" -}}
{{- if or .Values.crds.assumeInstalled (.Capabilities.APIVersions.Has "saascript.io/v1alpha1/ServiceDeployment") -}}
true
{{- end -}}
{{- end -}}

{{/* The services, in the order they start in: auth first (the others verify its tokens). */}}
{{- define "saascript.serviceNames" -}}
auth billing tenants profiles projects gateway
{{- end -}}

{{/*
The environment of one service's container, as a YAML map NAME: value: what the chart derives
from the values, then services.<name>.env over it. Secrets are not here: they come from the
service's credentialsSecret. Call with (dict "root" $ "service" "auth").
*/}}
{{- define "saascript.service.env" -}}
{{- $root := .root -}}
{{- $name := .service -}}
{{- $values := $root.Values -}}
{{- $svc := index $values.services $name -}}
{{- $authUrl := include "saascript.serviceUrl" (dict "root" $root "service" "auth") -}}
{{- $env := dict "LOG_FORMAT" "json" "AUTH_ISSUER" (include "saascript.tokenIssuer" $root) "AUTH_AUDIENCE" $values.tokens.audience -}}
{{- if ne $name "auth" -}}
{{- /* Every service but auth verifies access tokens against auth's published keys. */ -}}
{{- $_ := set $env "JWKS_URL" (printf "%s/.well-known/jwks.json" $authUrl) -}}
{{- end -}}
{{- if has $name (list "auth" "billing" "profiles" "projects") -}}
{{- /* These publish CloudEvents through their outbox, or consume them. */ -}}
{{- $_ := set $env "KAFKA_BROKERS" $values.backends.kafkaBrokers -}}
{{- $_ := set $env "EVENTS_TOPIC" $values.backends.eventsTopic -}}
{{- end -}}
{{- if eq $name "auth" -}}
{{- $_ := set $env "WEB_ORIGIN" $values.webOrigin -}}
{{- $_ := set $env "AUTH_TRUSTED_PROXIES" $svc.trustedProxies -}}
{{- $_ := set $env "AUTH_ACCESS_TOKEN_SECONDS" (toString (int64 $svc.accessTokenSeconds)) -}}
{{- $_ := set $env "AUTH_REFRESH_TOKEN_SECONDS" (toString (int64 $svc.refreshTokenSeconds)) -}}
{{- else if eq $name "billing" -}}
{{- $_ := set $env "STRIPE_API_BASE" $svc.stripeApiBase -}}
{{- $_ := set $env "STRIPE_TRIALS" (toString $svc.stripeTrials) -}}
{{- $_ := set $env "BILLING_RETURN_URL" ($svc.returnUrl | default (printf "%s/settings/billing" (trimSuffix "/" $values.webOrigin))) -}}
{{- else if eq $name "tenants" -}}
{{- $_ := set $env "AUTH_URL" $authUrl -}}
{{- with $svc.tenantLabels -}}
{{- $_ := set $env "TENANT_LABELS" . -}}
{{- end -}}
{{- else if eq $name "profiles" -}}
{{- with $values.backends.dynamodb.endpoint -}}
{{- $_ := set $env "DYNAMODB_ENDPOINT" . -}}
{{- end -}}
{{- $_ := set $env "DYNAMODB_REGION" $values.backends.dynamodb.region -}}
{{- $_ := set $env "DYNAMODB_CREATE_SHARED_TABLE" (toString $svc.createSharedTable) -}}
{{- else if eq $name "gateway" -}}
{{- $upstreams := list -}}
{{- range $other := splitList " " (include "saascript.serviceNames" $root) -}}
{{- if and (ne $other "gateway") (index $values.services $other).enabled -}}
{{- $upstreams = append $upstreams (printf "%s=%s" $other (include "saascript.serviceUrl" (dict "root" $root "service" $other))) -}}
{{- end -}}
{{- end -}}
{{- $_ := set $env "GATEWAY_UPSTREAMS" (join "," $upstreams) -}}
{{- $_ := set $env "GATEWAY_REPLICAS" (toString (int64 $svc.replicas.max)) -}}
{{- $_ := set $env "WEB_ORIGIN" $values.webOrigin -}}
{{- $_ := set $env "UPSTREAM_TIMEOUT_MS" (toString (int64 $svc.upstreamTimeoutMs)) -}}
{{- end -}}
{{- range $key, $value := $svc.env -}}
{{- $_ := set $env $key (toString $value) -}}
{{- end -}}
{{- toYaml $env -}}
{{- end -}}

{{/*
What each service may do in the API, as ClusterRole rules: the same as deploy/local/<name>.yaml.
Call with (dict "service" "auth").
*/}}
{{- define "saascript.service.rules" -}}
{{- $name := .service -}}
{{- if eq $name "billing" -}}
# It mirrors Stripe into Subscription status, sets a Tenant's plan once Stripe confirms it, and
# holds a finalizer on Tenants to cancel a deleted tenant's subscription.
- apiGroups: [saascript.io]
  resources: [tenants]
  verbs: [get, list, watch, patch]
- apiGroups: [saascript.io]
  resources: [subscriptions, subscriptions/status]
  verbs: [get, patch]
# Whether the Tenant CRD itself is being deleted (a reinstall): then a Tenant's deletion cancels
# nothing in Stripe.
- apiGroups: [apiextensions.k8s.io]
  resources: [customresourcedefinitions]
  resourceNames: [tenants.saascript.io]
  verbs: [get]
{{- else if eq $name "tenants" -}}
# Sign-up creates Tenants; the Tenant CR is this service's only state.
- apiGroups: [saascript.io]
  resources: [tenants]
  verbs: [get, list, watch, create, update, delete]
{{- else if has $name (list "profiles" "projects") -}}
# It reads Tenants, and a siloed tenant's credentials Secret (its own table or database), and
# no other Secret.
- apiGroups: [saascript.io]
  resources: [tenants]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [secrets]
  resourceNames: [saascript-tenant-credentials]
  verbs: [get]
{{- else -}}
# It reads Tenants (auth: a deleted tenant's users are swept and tokens are bound to the
# Tenant's uid; gateway: uid, suspension and a siloed tenant's own services).
- apiGroups: [saascript.io]
  resources: [tenants]
  verbs: [get, list, watch]
{{- end -}}
{{- end -}}
