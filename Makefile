# SaaScript: two commands.
#   make up     install and start everything (dependencies, the node, operator, the services as pods, web UI),
#               apply the CRDs and the example tenants, print how to reach it all
#   make test   install and start the dependencies, then run every test (Rust, the web UI's
#               component tests, and its browser tests against the whole system), fmt and clippy
#   make down   stop what `make up` started
# Slow builds are cached outside the clone (~/.cache/saascript), so a second run is fast.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
export CARGO_TARGET_DIR ?= $(HOME)/.cache/saascript/target
export CARGO_TERM_COLOR ?= never
KUBECTL := kubectl --kubeconfig .saascript/kubeconfig

.PHONY: up down test toolchain deps crds images operator services services-check metrics-check packaging-check chart-install-check examples web web-test fmt clippy nextest status

up: toolchain deps crds operator services examples web
	@scripts/summary

down:
	scripts/web down
	scripts/services down
	scripts/operator down
	scripts/deps down

status:
	scripts/deps status; scripts/operator status; scripts/services status; scripts/web status

# The services as pods of their ServiceDeployments on the node (deploy/local/), scaled by the
# operator on the host; the gateway forwarded to http://127.0.0.1:8080.
services: images operator
	scripts/services up

# The web UI, a production build served at http://127.0.0.1:3000, talking to the gateway.
web: services
	scripts/web up

operator: crds
	scripts/operator up

# The example tenants, provisioned by the operator; `make up` returns once they are Ready.
examples: operator
	$(KUBECTL) apply -f examples/tenants/ >/dev/null
	$(KUBECTL) wait --for=condition=Ready --timeout=120s -f examples/tenants/ >/dev/null

# The operator (with the metrics API the HPA test reads) runs before the Rust tests; it leaves
# the tests' own tenants alone (they carry saascript.io/test-run).
test: toolchain deps fmt images operator nextest web-test services-check metrics-check packaging-check chart-install-check clippy

# The service binaries as container images on the local node (scripts/images): the node tests
# run their pods from them. An image whose binary did not change is not rebuilt.
images: deps
	cargo build --workspace --bins --locked
	scripts/images build

# The web UI's checks and browser tests run against the whole system, as `make up` starts it.
web-test: operator web
	scripts/web test

# After the browser tests have driven every service through the gateway: the pods are what
# each ServiceDeployment reports, none restarted, and the API server refused no service.
services-check: web-test
	scripts/services check

# Every metric the chart's alerts and dashboards use is in what the running operator and
# services serve on /metrics.
metrics-check: services-check
	scripts/check-scraped-metrics

# Packaging, offline: the Helm chart rendered, linted, validated for v1.20 and a current
# Kubernetes, its alerts through promtool, a server dry run (scripts/check-chart); the Argo CD
# examples, the tenant chart and the health check (scripts/check-argocd, check-argocd-health);
# the Dockerfiles, kind config and Tiltfile (scripts/check-tilt); and the forge's CI workflow,
# which must run the README's test command (scripts/check-ci-workflow).
packaging-check: deps
	scripts/check-chart
	scripts/check-argocd
	scripts/check-argocd-health
	scripts/check-tilt
	scripts/check-ci-workflow

# The chart's end-to-end test on the local node: the previous chart version installed into a
# fresh namespace, upgraded to this one, a tenant provisioned by its operator, uninstalled
# without touching the tenant's data, installed again (scripts/check-chart-install).
chart-install-check: packaging-check
	scripts/check-chart-install

toolchain:
	scripts/toolchain

deps:
	scripts/deps up

crds: deps
	$(KUBECTL) apply --server-side --force-conflicts --field-manager=saascript-make -f crds/manifests/ >/dev/null
	$(KUBECTL) wait --for=condition=Established --timeout=60s -f crds/manifests/ >/dev/null

fmt:
	cargo fmt --all --check

clippy:
	cargo clippy --workspace --all-targets --locked -- -D warnings

# The endpoints come from .saascript/env, which `scripts/deps up` writes.
nextest:
	set -a && source .saascript/env && set +a && cargo nextest run --workspace --locked --no-fail-fast
