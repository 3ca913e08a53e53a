"""The chart installed, upgraded, uninstalled and installed again on the local node, with
helm-python-sdk (Helm in-process); scripts/check-chart-install prepares and runs it.

The release lives in its own namespace, with its own databases, vhost, queues, Kafka topic and
consumer groups, and its operator reconciles only this test's Tenant, so that it shares nothing
with what `make up` runs beside it. Every check reads the cluster with kubectl and PostgreSQL
with psql, not through Helm.
"""

import json
import os
import secrets
import subprocess
import sys
import time

import helm_python

NAMESPACE = "saascript-chart-e2e"
RELEASE = "saascript-e2e"
HOST = os.environ["SAASCRIPT_NODE_HOST_ADDR"]
RUN = "chart-" + secrets.token_hex(4)
TENANT = "chart-" + secrets.token_hex(4)
DATABASES = {name: f"saascript_e2e_{name}" for name in ("auth", "billing", "projects", "pooled")}
SERVICES = ("auth", "billing", "tenants", "profiles", "projects", "gateway")
CRDS = ("tenants.saascript.io", "subscriptions.saascript.io", "servicedeployments.saascript.io")
LIMIT = 300


def log(message):
    print(f"\033[1;34m[deps]\033[0m chart install: {message}", file=sys.stderr, flush=True)


def fail(message):
    print(f"\033[1;31m[deps] error:\033[0m chart install: {message}", file=sys.stderr, flush=True)
    subprocess.run(["kubectl", "get", "deploy,sd,pods", "-n", NAMESPACE, "-o", "wide"], check=False)
    sys.exit(1)


def kubectl(*args, check=True, stdin=None):
    done = subprocess.run(["kubectl", *args], input=stdin, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        fail(f"kubectl {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def get(*args):
    """An object as JSON, or None when it does not exist."""
    done = subprocess.run(["kubectl", "get", *args, "-o", "json"], capture_output=True, text=True, check=False)
    return json.loads(done.stdout) if done.returncode == 0 else None


def psql(sql):
    done = subprocess.run(["psql", os.environ["DATABASE_URL"], "-tAc", sql], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        fail(f"psql {sql!r}: {done.stderr.strip()}")
    return done.stdout.strip()


def until(what, check, limit=LIMIT):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(1)
    fail(f"waited {limit} s for {what}")


def pod_endpoint(variable):
    """An endpoint of .saascript/env as pods reach it: through the node's bridge address."""
    return os.environ[variable].replace("127.0.0.1", HOST)


def database_url(name):
    return pod_endpoint("DATABASE_URL").rsplit("/", 1)[0] + "/" + name


def secret(name, data):
    manifest = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": NAMESPACE},
                "stringData": data}
    kubectl("apply", "--server-side", "--field-manager=saascript-chart-e2e", "-f", "-", stdin=json.dumps(manifest))


def fresh_namespace(helm):
    # A run that failed half-way leaves its Tenant, held by a finalizer no operator runs now.
    leftovers = get("tenants", "-l", "saascript.io/chart-e2e=true") or {"items": []}
    for tenant in leftovers["items"]:
        name = tenant["metadata"]["name"]
        log(f"removing tenant {name}, which an earlier run left")
        kubectl("patch", "tenant", name, "--type=merge", "-p", '{"metadata":{"finalizers":null}}')
        kubectl("delete", "tenant", name, "--ignore-not-found", "--wait=false")
        kubectl("delete", "namespace", f"tenant-{name}", "--ignore-not-found", "--wait=false")
    if get("namespace", NAMESPACE) is not None:
        log(f"removing what an earlier run left in {NAMESPACE}")
        helm.uninstall(RELEASE, ignore_not_found=True, timeout=120)
        kubectl("delete", "namespace", NAMESPACE, "--wait=true", "--timeout=180s")
    kubectl("create", "namespace", NAMESPACE)
    # Kubernetes sets this label itself only from 1.21; the NetworkPolicies match it.
    kubectl("label", "namespace", NAMESPACE, f"kubernetes.io/metadata.name={NAMESPACE}", "--overwrite")


def prepare():
    for database in DATABASES.values():
        if psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}'") != "1":
            psql(f'CREATE DATABASE "{database}"')
    key = secrets.token_hex(32)
    secret("saascript-operator", {
        "DATABASE_URL": pod_endpoint("DATABASE_URL"), "REDIS_URL": pod_endpoint("REDIS_URL"),
        "AMQP_URL": pod_endpoint("AMQP_URL"), "RABBITMQ_MGMT_URL": os.environ["POD_RABBITMQ_MGMT_URL"]})
    secret("saascript-auth", {
        "DATABASE_URL": database_url(DATABASES["auth"]), "REDIS_URL": pod_endpoint("REDIS_URL"),
        "AMQP_URL": pod_endpoint("AMQP_URL"), "EMAIL_TASK_KEY": key})
    secret("saascript-mailer", {
        "AMQP_URL": pod_endpoint("AMQP_URL"), "SMTP_URL": pod_endpoint("SMTP_URL"), "EMAIL_TASK_KEY": key})
    secret("saascript-billing", {
        "DATABASE_URL": database_url(DATABASES["billing"]), "STRIPE_SECRET_KEY": "sk_test_saascript",
        "STRIPE_WEBHOOK_SECRETS": "whsec_chart_e2e"})
    secret("saascript-projects", {
        "DATABASE_URL": database_url(DATABASES["projects"]), "AMQP_URL": pod_endpoint("AMQP_URL")})
    secret("saascript-profiles", {})
    # The chart's CRDs are the cluster's: Helm adopts them (they outlive every release).
    for crd in CRDS:
        kubectl("annotate", "crd", crd, f"meta.helm.sh/release-name={RELEASE}",
                f"meta.helm.sh/release-namespace={NAMESPACE}", "--overwrite")
        kubectl("label", "crd", crd, "app.kubernetes.io/managed-by=Helm", "--overwrite")


def values():
    # Pods reach the API server on the bridge address (the `kubernetes` Service's endpoint is
    # the API server's loopback address here).
    api = {"KUBERNETES_SERVICE_HOST": HOST, "KUBERNETES_SERVICE_PORT": "6443"}
    services = {name: {"replicas": {"min": 1, "max": 1}, "autoscaling": {"enabled": False, "targetCpuUtilizationPercentage": 80},
                       "env": dict(api)} for name in SERVICES}
    # Queues and consumer groups of their own: nothing of `make up`'s is taken.
    services["auth"]["env"]["EMAIL_QUEUE"] = "email.send.chart-e2e"
    services["profiles"]["env"]["KAFKA_GROUP_ID"] = "saascript-profiles-chart-e2e"
    services["projects"]["env"].update({"EXPORT_QUEUE": "projects.export.chart-e2e",
                                        "MEMBERSHIP_CONSUMER_GROUP": "saascript-projects-chart-e2e"})
    services["billing"]["env"]["SAASCRIPT_TENANT_SELECTOR"] = f"saascript.io/test-run={RUN}"
    services["billing"].update({"stripeApiBase": f"http://{HOST}:8420", "stripeTrials": False})
    return {
        "image": {"registry": "localhost", "repository": "saascript", "tag": "dev", "pullPolicy": "Never"},
        "webOrigin": "http://127.0.0.1:3000",
        "backends": {"kafkaBrokers": f"{HOST}:9092", "eventsTopic": "saascript.chart-e2e.events",
                     "dynamodb": {"endpoint": f"http://{HOST}:8000"}},
        "operator": {"tenantSelector": f"saascript.io/test-run={RUN}", "pooledDatabase": DATABASES["pooled"],
                     "pooledVhost": "saascript-chart-e2e", "env": dict(api)},
        "mailer": {"env": {"EMAIL_QUEUE": "email.send.chart-e2e"}},
        "services": services,
    }


def rolled_out(deployment, want):
    """The Deployment's current template runs `want` Ready replicas, and nothing older runs."""
    if deployment is None:
        return False
    status = deployment.get("status", {})
    return (status.get("observedGeneration") == deployment["metadata"]["generation"]
            and status.get("updatedReplicas") == want and status.get("readyReplicas") == want
            and status.get("replicas") == want)


def ready():
    operator = get("deployment", "-n", NAMESPACE, f"{RELEASE}-operator")
    mailer = get("deployment", "-n", NAMESPACE, f"{RELEASE}-mailer")
    if not (rolled_out(operator, 2) and rolled_out(mailer, 1)):
        return False
    sds = get("sd", "-n", NAMESPACE) or {"items": []}
    if sorted(sd["spec"]["service"] for sd in sds["items"]) != sorted(SERVICES):
        return False
    for sd in sds["items"]:
        status = sd.get("status", {})
        available = [c for c in status.get("conditions", []) if c["type"] == "Available"]
        if status.get("observedGeneration") != sd["metadata"]["generation"]:
            return False
        if not available or available[0]["status"] != "True" or status.get("readyReplicas") != 1:
            return False
    for sd in sds["items"]:
        if not rolled_out(get("deployment", "-n", NAMESPACE, sd["metadata"]["name"]), 1):
            return False
    pods = get("pods", "-n", NAMESPACE, "-l", "saascript.io/service-deployment")
    running = [p for p in pods["items"] if "deletionTimestamp" not in p["metadata"]]
    return len(running) == len(SERVICES) and all(
        any(c["type"] == "Ready" and c["status"] == "True" for c in p["status"].get("conditions", [])) for p in running)


def tenant_manifest():
    return {"apiVersion": "saascript.io/v1alpha1", "kind": "Tenant",
            "metadata": {"name": TENANT, "labels": {"saascript.io/test-run": RUN, "saascript.io/chart-e2e": "true"}},
            "spec": {"displayName": "Chart test", "owners": [f"ops@{TENANT}.example"], "plan": "free",
                     "isolation": "pooled", "deletionPolicy": "Delete"}}


def tenant_ready():
    tenant = get("tenant", TENANT)
    conditions = (tenant or {}).get("status", {}).get("conditions", [])
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def main():
    helm = helm_python.Config(kubeconfig_path=os.environ["KUBECONFIG"], namespace=NAMESPACE)
    fresh_namespace(helm)
    prepare()

    started = time.monotonic()
    helm.install(os.environ["PREVIOUS_CHART"], RELEASE, values(), namespace=NAMESPACE, timeout=LIMIT)
    until("the previous version's operator, mailer and services Ready", ready)
    log(f"the previous version installed, every component Ready in {time.monotonic() - started:.0f} s")

    started = time.monotonic()
    upgraded = helm.upgrade(os.environ["CURRENT_CHART"], RELEASE, values(), namespace=NAMESPACE, timeout=LIMIT)
    until("this version's operator, mailer and services Ready", ready)
    status = helm.status(RELEASE)
    if (status.get("revision"), status.get("status"), status.get("chart_version")) != (2, "deployed", upgraded.get("chart_version")):
        fail(f"after one upgrade the release is {status.get('status')} at revision {status.get('revision')}, chart {status.get('chart_version')}")
    for crd in CRDS:
        established = get("crd", crd)
        if established is None or "keep" != established["metadata"].get("annotations", {}).get("helm.sh/resource-policy"):
            fail(f"the CRD {crd} is not this chart's after the upgrade (no keep policy)")
    log(f"upgraded to this version ({status['chart_version']}, revision 2), every component Ready in {time.monotonic() - started:.0f} s")

    kubectl("apply", "-f", "-", stdin=json.dumps(tenant_manifest()))
    until(f"the release's operator to provision tenant {TENANT}", tenant_ready, limit=180)
    log(f"the release's operator provisioned tenant {TENANT}")

    helm.uninstall(RELEASE, timeout=LIMIT, wait="watcher")
    until("the release's workloads to go", lambda: get("deployment", "-n", NAMESPACE, f"{RELEASE}-operator") is None
          and not (get("sd", "-n", NAMESPACE) or {"items": []})["items"])
    for crd in CRDS:
        if get("crd", crd) is None:
            fail(f"uninstalling the release deleted the CRD {crd}")
    if not tenant_ready():
        fail(f"tenant {TENANT} is gone or no longer Ready after the uninstall")
    if get("namespace", f"tenant-{TENANT}") is None:
        fail(f"the tenant's namespace tenant-{TENANT} is gone after the uninstall")
    if psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASES['pooled']}'") != "1":
        fail("the tenants' database is gone after the uninstall")
    log("uninstalled: the CRDs, the Tenant, its namespace and its database are untouched")

    helm.install(os.environ["CURRENT_CHART"], RELEASE, values(), namespace=NAMESPACE, timeout=LIMIT)
    until("the reinstalled operator, mailer and services Ready", ready)
    kubectl("delete", "tenant", TENANT, "--wait=false")
    until(f"tenant {TENANT} to be deleted by the reinstalled operator", lambda: get("tenant", TENANT) is None, limit=180)
    until(f"its namespace tenant-{TENANT} to go", lambda: get("namespace", f"tenant-{TENANT}") is None, limit=180)
    helm.uninstall(RELEASE, timeout=LIMIT, wait="watcher")
    kubectl("delete", "namespace", NAMESPACE, "--wait=true", "--timeout=180s")
    for database in DATABASES.values():
        psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    # The pooled vhost the release's operator made (through the host's own management API).
    subprocess.run(["curl", "-fsS", "-X", "DELETE", os.environ["RABBITMQ_MGMT_URL"].rstrip("/") + "/api/vhosts/saascript-chart-e2e"],
                   capture_output=True, check=False)
    log("installed again, the Tenant deleted through it, and everything removed")


if __name__ == "__main__":
    main()
