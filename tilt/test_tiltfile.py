"""Checks tilt/Tiltfile without Tilt, Docker or a cluster (scripts/check-tilt runs it).

The Tiltfile is kept to the subset of Starlark that is also Python, so it runs here as Python,
against stand-ins for Tilt's builtins that record every call. The chart is rendered for real
(helm-python-sdk, Helm's engine), the way Tilt's helm() runs `helm template`. Then Tilt's own
grouping of objects into resources is redone (workloads, the Services that follow them, the
objects k8s_resource moves), so that a selector that matches nothing, an object left in
Tilt's unlabelled "uncategorized" resource, or an image that no workload uses fails here as it
would fail or go wrong under `tilt up`. Both modes are run: the operator in kind, and
--operator-on-host.

    python3 tilt/test_tiltfile.py [TILTFILE]
"""

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import helm_python as helm
import yaml
from helm_python import _native

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
NAMESPACE = "saascript-system"
KIND_CONTEXT = "kind-saascript"
LABELS = {"operator", "services", "platform"}
SERVICES = ["auth", "billing", "tenants", "profiles", "projects", "gateway"]
COMPONENTS = ["operator", "mailer"] + SERVICES
# What `scripts/deps up` writes; the Tiltfile reads it instead of the machine's own.
FAKE_HOST_ENV = "\n".join([
    "DATABASE_URL=postgres://postgres:pw@127.0.0.1:5432/postgres",
    "REDIS_URL=redis://127.0.0.1:6379",
    "AMQP_URL=amqp://guest:guest@127.0.0.1:5672/%2f",
    "RABBITMQ_MGMT_URL=http://guest:guest@127.0.0.1:15672",
    "KAFKA_BROKERS=127.0.0.1:9092",
    "DYNAMODB_ENDPOINT=http://127.0.0.1:8000",
    "STRIPE_API_BASE=http://127.0.0.1:8420",
    "SMTP_URL=smtp://127.0.0.1:2525",
    "",
])
# `docker network inspect kind` with an IPv6 gateway first: the Tiltfile must pick the IPv4 one.
FAKE_KIND_GATEWAYS = "fc00:f853:ccd:e793::1 172.18.0.1 "
HOST = "172.18.0.1"


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


# ---------------------------------------------------------------------------------------------
# Starlark, not just Python

# Starlark's universe (go.starlark.net, with Tilt's set option).
STARLARK_BUILTINS = {
    "any", "all", "bool", "bytes", "chr", "dict", "dir", "enumerate", "fail", "float", "getattr",
    "hasattr", "hash", "int", "len", "list", "max", "min", "ord", "print", "range", "repr",
    "reversed", "set", "sorted", "str", "tuple", "type", "zip",
}
# The Tilt builtins this Tiltfile may call; each has a stand-in below.
TILT_BUILTINS = {
    "read_file", "local", "load", "local_resource", "docker_build", "custom_build", "sync", "run",
    "fall_back_on", "link", "port_forward", "probe", "http_get_action", "tcp_socket_action",
    "k8s_context", "k8s_kind", "k8s_resource", "helm", "filter_yaml", "decode_yaml_stream",
    "encode_yaml_stream", "k8s_yaml",
}
TILT_MODULES = {"config": {"define_bool", "parse"}, "os": {"getenv"}}


# Python that Starlark (Tilt's dialect: go.starlark.net with while, sets, recursion and
# top-level if/for) does not have, or has with another meaning.
def starlark_problems(source):
    tree = ast.parse(source)
    problems = []

    def bad(node, what):
        problems.append("line %d: %s" % (node.lineno, what))

    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            bad(node, "f-string")
        elif isinstance(node, (ast.While,)):
            bad(node, "while (keep to for loops, as Starlark implementations without while do)")
        elif isinstance(node, ast.ClassDef):
            bad(node, "class")
        elif isinstance(node, (ast.Try, ast.Raise, ast.Assert, ast.With, ast.AsyncWith)):
            bad(node, "%s statement" % type(node).__name__.lower())
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bad(node, "import (Starlark has load())")
        elif isinstance(node, (ast.Global, ast.Nonlocal, ast.Delete)):
            bad(node, "%s statement" % type(node).__name__.lower())
        elif isinstance(node, (ast.Yield, ast.YieldFrom, ast.Await, ast.AsyncFunctionDef)):
            bad(node, "generators and async")
        elif isinstance(node, ast.GeneratorExp):
            bad(node, "generator expression (use a list comprehension)")
        elif isinstance(node, (ast.Set, ast.SetComp)):
            bad(node, "set literal")
        elif isinstance(node, ast.NamedExpr):
            bad(node, "assignment expression")
        elif isinstance(node, ast.Starred) and isinstance(getattr(node, "ctx", None), ast.Store):
            bad(node, "starred assignment")
        elif isinstance(node, ast.Compare):
            if any(isinstance(op, (ast.Is, ast.IsNot)) for op in node.ops):
                bad(node, "is / is not")
            if len(node.ops) > 1:
                bad(node, "chained comparison")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Pow, ast.MatMult)):
            bad(node, "operator %s" % type(node.op).__name__)
        elif isinstance(node, (ast.For, ast.While)) and node.orelse:
            bad(node, "else on a loop")
        elif isinstance(node, ast.FunctionDef) and node.decorator_list:
            bad(node, "decorator")
        elif isinstance(node, ast.Constant) and isinstance(node.value, bytes):
            bad(node, "bytes literal")
        elif isinstance(node, ast.Constant) and node.value is Ellipsis:
            bad(node, "ellipsis")
    # Calls of Python builtins that Starlark lacks (open, isinstance, ...) run here but not in
    # Tilt: every called name must be Starlark's, Tilt's, or defined in the file.
    defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id
            if name not in STARLARK_BUILTINS | TILT_BUILTINS | defined:
                bad(node, "%s() is neither Starlark's nor Tilt's" % name)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                isinstance(node.func.value, ast.Name) and node.func.value.id in TILT_MODULES:
            if node.func.attr not in TILT_MODULES[node.func.value.id]:
                bad(node, "%s.%s() is not Tilt's" % (node.func.value.id, node.func.attr))
    return problems


# ---------------------------------------------------------------------------------------------
# Stand-ins for Tilt's builtins

class Blob:
    """Tilt's blob: text with where it came from."""

    def __init__(self, text, source):
        self.text = text
        self.source = source

    def __str__(self):
        return self.text


class Obj:
    """What Tilt's link(), port_forward(), probe() and live_update steps return: a record."""

    def __init__(self, kind, **fields):
        self.kind = kind
        self.__dict__.update(fields)

    def __repr__(self):
        return "%s(%s)" % (self.kind, self.__dict__)


class TiltFail(Exception):
    pass


def set_value(values, assignment):
    """helm --set KEY=VALUE, with Helm's typing of true, false and integers."""
    key, _, raw = assignment.partition("=")
    value = {"true": True, "false": False}.get(raw, raw)
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", raw):
        value = int(raw)
    node = values
    parts = key.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def merge(base, over):
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = value
    return base


def documents(text):
    return [d for d in yaml.safe_load_all(text) if d]


def serialize(docs):
    return "".join("---\n" + yaml.safe_dump(d, sort_keys=False) for d in docs)


def selector_matches(obj, kind="", name="", namespace="", api_version=""):
    """Tilt's partial-match object selector: case-insensitive, unanchored regular expressions."""
    meta = obj.get("metadata", {})
    for pattern, value in ((kind, obj.get("kind", "")), (name, meta.get("name", "")),
                           (namespace, meta.get("namespace", "")),
                           (api_version, obj.get("apiVersion", ""))):
        if pattern and not re.search(pattern, value, re.IGNORECASE):
            return False
    return True


class Tilt:
    """One evaluation of the Tiltfile: the builtins it may call, and what they recorded."""

    def __init__(self, tiltfile, args):
        self.tiltfile = tiltfile
        self.dir = os.path.dirname(tiltfile)
        self.args = args
        self.local_resources = []
        self.images = []
        self.k8s_yaml_docs = []
        self.k8s_resources = []
        self.k8s_kinds = []
        self.helm_calls = []
        self.defined = {}
        self.loads = []

    def path(self, p):
        return os.path.normpath(os.path.join(self.dir, p))

    # --- config
    def define_bool(self, name, args=False, usage=""):
        self.defined[name] = "bool"

    def parse(self):
        out = {}
        for arg in self.args:
            name = arg.lstrip("-")
            check(self.defined.get(name) == "bool", "--%s is not a config.define_bool" % name)
            out[name] = True
        return out

    # --- files, commands, environment
    def read_file(self, path, default=None):
        if self.path(path) == os.path.join(ROOT, ".saascript", "env"):
            return Blob(FAKE_HOST_ENV, path)
        try:
            with open(self.path(path)) as f:
                return Blob(f.read(), path)
        except FileNotFoundError:
            if default is None:
                raise
            return Blob(default, path)

    def local(self, command, quiet=False, echo_off=False, env=None, dir="", command_bat="", stdin=None):
        check("docker network inspect kind" in command,
              "local() runs only the kind gateway look-up here, not %r" % command)
        return Blob(FAKE_KIND_GATEWAYS, "local")

    def getenv(self, key, default=None):
        return {"HOME": "/home/dev"}.get(key, default)

    def fail(self, message):
        raise TiltFail(message)

    def load(self, module, *symbols, **aliases):
        # The brief's alternative (restart_process) is not used; a load() would need a stand-in.
        self.loads.append(module)
        raise Failure("load(%r): the Tiltfile is expected to need no extension" % module)

    # --- resources
    def local_resource(self, name, cmd="", deps=None, resource_deps=None, serve_cmd="", labels=None,
                       links=None, env=None, serve_env=None, dir="", serve_dir="", ignore=None,
                       readiness_probe=None, auto_init=True, trigger_mode=None, allow_parallel=False):
        self.local_resources.append(dict(
            name=name, cmd=cmd, deps=deps or [], resource_deps=resource_deps or [], serve_cmd=serve_cmd,
            labels=labels or [], links=links or [], env=env or {}, serve_env=serve_env or {}, dir=dir,
            serve_dir=serve_dir, readiness_probe=readiness_probe))

    def docker_build(self, ref, context, dockerfile=None, build_args=None, only=None, live_update=None,
                     ignore=None, entrypoint=None, target=None, **rest):
        check(not rest, "docker_build(%s): arguments this test does not know: %s" % (ref, sorted(rest)))
        self.images.append(dict(ref=ref, context=context, dockerfile=dockerfile, build_args=build_args or {},
                                only=only or [], live_update=live_update or []))

    def custom_build(self, ref, command, deps, live_update=None, **rest):
        self.images.append(dict(ref=ref, context=None, dockerfile=None, build_args={}, only=deps,
                                live_update=live_update or [], custom=command))

    def sync(self, local_path, remote_path):
        return Obj("sync", local=local_path, remote=remote_path)

    def run(self, cmd, trigger=None, echo_off=False):
        return Obj("run", cmd=cmd, trigger=trigger)

    def fall_back_on(self, files):
        return Obj("fall_back_on", files=files if isinstance(files, list) else [files])

    def link(self, url, name=""):
        return Obj("link", url=url, name=name)

    def port_forward(self, local_port, container_port=None, name="", link_path="", host=""):
        return Obj("port_forward", local=local_port, container=container_port or local_port, name=name)

    def probe(self, http_get=None, tcp_socket=None, exec=None, period_secs=None, timeout_secs=None,
              initial_delay_secs=None, success_threshold=None, failure_threshold=None):
        check(sum(x is not None for x in (http_get, tcp_socket, exec)) == 1, "probe() takes one action")
        return Obj("probe", action=http_get or tcp_socket or exec)

    def http_get_action(self, port, host="", scheme="", path=""):
        return Obj("http_get", port=port, host=host, path=path)

    def tcp_socket_action(self, port, host=""):
        check(isinstance(port, int), "tcp_socket_action: port must be an int")
        return Obj("tcp_socket", port=port, host=host)

    def k8s_context(self):
        return KIND_CONTEXT

    def k8s_kind(self, kind, api_version="", image_json_path=None, image_object=None, pod_readiness=""):
        self.k8s_kinds.append(dict(kind=kind, api_version=api_version, image_json_path=image_json_path,
                                   pod_readiness=pod_readiness))

    def k8s_resource(self, workload="", new_name="", port_forwards=None, links=None, labels=None,
                     resource_deps=None, objects=None, pod_readiness="", trigger_mode=None,
                     auto_init=True, extra_pod_selectors=None, discovery_strategy=""):
        pf = port_forwards if isinstance(port_forwards, list) else ([port_forwards] if port_forwards else [])
        self.k8s_resources.append(dict(workload=workload, new_name=new_name, port_forwards=pf,
                                       links=links or [], labels=labels if isinstance(labels, list) else
                                       ([labels] if labels else []), resource_deps=resource_deps or [],
                                       objects=objects or []))

    # --- YAML
    def helm(self, paths, name="", namespace="", values=None, set=None, kube_version="", skip_crds=False):
        values = values if isinstance(values, list) else ([values] if values else [])
        sets = set if isinstance(set, list) else ([set] if set else [])
        self.helm_calls.append(dict(path=self.path(paths), name=name, namespace=namespace,
                                    values=[self.path(v) for v in values], set=sets))
        merged = {}
        for v in values:
            with open(self.path(v)) as f:
                merge(merged, yaml.safe_load(f) or {})
        for s in sets:
            set_value(merged, s)
        opts = {"name": name or "chart", "namespace": namespace}
        try:
            with helm.Chart.load(self.path(paths)) as c:
                out = json.loads(_native.call_string("helm_render", c._raw(), json.dumps(merged),
                                                     json.dumps(opts)))
        except helm.HelmError as e:
            raise Failure("helm(): the chart does not render with these values: %s" % e)
        docs = []
        for p in sorted(out):
            if p.endswith("NOTES.txt") or "/tests/" in p:
                continue
            docs.extend(documents(out[p]))
        # What Tilt's helm() does after `helm template --namespace`: the namespace on everything.
        for d in docs:
            d.setdefault("metadata", {}).setdefault("namespace", namespace)
        return Blob(serialize(docs), "helm: " + paths)

    def filter_yaml(self, yaml_value, labels=None, name="", namespace="", kind="", api_version=""):
        docs = documents(str(yaml_value))
        match, rest = [], []
        for d in docs:
            ok = selector_matches(d, kind, name, namespace, api_version)
            if ok and labels:
                ok = all(d.get("metadata", {}).get("labels", {}).get(k) == v for k, v in labels.items())
            (match if ok else rest).append(d)
        return Blob(serialize(match), "filter_yaml"), Blob(serialize(rest), "filter_yaml")

    def decode_yaml_stream(self, text):
        return documents(str(text))

    def encode_yaml_stream(self, objects):
        return Blob(serialize(objects), "encode_yaml_stream")

    def k8s_yaml(self, yaml_values):
        items = yaml_values if isinstance(yaml_values, list) else [yaml_values]
        for item in items:
            text = str(item) if isinstance(item, Blob) else str(self.read_file(item))
            self.k8s_yaml_docs.extend(documents(text))

    # --- the evaluation
    def globals(self):
        tilt = self

        class Namespace:
            pass

        config = Namespace()
        config.define_bool = self.define_bool
        config.parse = self.parse
        tilt_os = Namespace()
        tilt_os.getenv = self.getenv
        tilt_os.path = Namespace()
        tilt_os.path.join = os.path.join
        tilt_os.path.exists = lambda p: os.path.exists(tilt.path(p))
        names = ["read_file", "local", "fail", "load", "local_resource", "docker_build", "custom_build",
                 "sync", "run", "fall_back_on", "link", "port_forward", "probe", "http_get_action",
                 "tcp_socket_action", "k8s_context", "k8s_kind", "k8s_resource", "helm", "filter_yaml",
                 "decode_yaml_stream", "encode_yaml_stream", "k8s_yaml"]
        g = {n: getattr(self, n) for n in names}
        g.update({"config": config, "os": tilt_os, "__name__": "tiltfile"})
        return g

    def evaluate(self):
        with open(self.tiltfile) as f:
            source = f.read()
        code = compile(source, self.tiltfile, "exec")
        exec(code, self.globals())
        return self


# ---------------------------------------------------------------------------------------------
# Tilt's grouping of objects into resources (tiltfile_state.go: assembleK8s), redone

def pod_template(obj):
    spec = obj.get("spec", {})
    if obj["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
        return spec.get("template")
    if obj["kind"] == "CronJob":
        return spec.get("jobTemplate", {}).get("spec", {}).get("template")
    return None


def full_name(obj):
    meta = obj["metadata"]
    return ("%s:%s:%s" % (meta["name"], obj["kind"], meta.get("namespace", ""))).lower()


def fragments(obj):
    parts = full_name(obj).split(":")
    return {":".join(parts[:i]) for i in range(1, len(parts) + 1)}


def image_name(ref):
    """The repository of an image reference, without tag or digest."""
    ref = ref.split("@")[0]
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        ref = ref[: len(ref) - len(last)] + last.split(":")[0]
    return ref


def images_of(obj, kinds):
    template = pod_template(obj)
    if template:
        containers = template["spec"].get("containers", []) + template["spec"].get("initContainers", [])
        return [c["image"] for c in containers]
    for k in kinds:
        if k["kind"] == obj["kind"] and k["image_json_path"]:
            check(k["image_json_path"] == "{.spec.image}", "only {.spec.image} is read here")
            return [obj["spec"]["image"]]
    return []


def assemble(t):
    """Returns {resource name: resource} as Tilt would make them."""
    built = {image_name(i["ref"]) for i in t.images}
    kinds = {k["kind"] for k in t.k8s_kinds}
    unresourced = list(t.k8s_yaml_docs)
    resources = {}

    def new_resource(name, kind):
        check(name not in resources, "two resources named %s" % name)
        resources[name] = dict(name=name, type=kind, objects=[], labels=[], port_forwards=[], links=[],
                               resource_deps=[], images=[])
        return resources[name]

    # Workloads: a kind named by k8s_kind, an object with an image Tilt builds, or a pod template.
    workloads = [o for o in unresourced
                 if o["kind"] in kinds or pod_template(o) or
                 any(image_name(i) in built for i in images_of(o, t.k8s_kinds))]
    for w in workloads:
        unresourced.remove(w)
        r = new_resource(w["metadata"]["name"], "k8s")
        r["objects"].append(w)
        r["images"] = images_of(w, t.k8s_kinds)
        template = pod_template(w)
        if template:
            pod_labels = template.get("metadata", {}).get("labels", {})
            for o in list(unresourced):
                selector = o.get("spec", {}).get("selector") if o["kind"] == "Service" else None
                if selector and o["metadata"].get("namespace") == w["metadata"].get("namespace") and \
                        all(pod_labels.get(k) == v for k, v in selector.items()):
                    unresourced.remove(o)
                    r["objects"].append(o)
    # k8s_resource(): new groups, renames, options, objects moved out of what is left.
    for opts in t.k8s_resources:
        if opts["workload"]:
            check(opts["workload"] in resources,
                  "k8s_resource(%r): no such workload; there are %s" % (opts["workload"], sorted(resources)))
            r = resources[opts["workload"]]
            if opts["new_name"]:
                del resources[r["name"]]
                check(opts["new_name"] not in resources, "two resources named %s" % opts["new_name"])
                r["name"] = opts["new_name"]
                resources[r["name"]] = r
        else:
            check(opts["new_name"], "k8s_resource() needs a workload or a new_name")
            r = new_resource(opts["new_name"], "k8s")
            check(opts["objects"], "k8s_resource(new_name=%r) groups no object" % opts["new_name"])
        r["labels"] += opts["labels"]
        r["port_forwards"] += opts["port_forwards"]
        r["links"] += opts["links"]
        r["resource_deps"] += opts["resource_deps"]
        for sel in opts["objects"]:
            everywhere = [o for o in t.k8s_yaml_docs if sel.lower() in fragments(o)]
            check(len(everywhere) == 1, "object selector %r matches %d objects" % (sel, len(everywhere)))
            check(everywhere[0] in unresourced,
                  "object selector %r: its object is already in a resource" % sel)
            unresourced.remove(everywhere[0])
            r["objects"].append(everywhere[0])
    if unresourced:
        r = new_resource("uncategorized", "k8s")
        r["objects"] = unresourced
    for lr in t.local_resources:
        r = new_resource(lr["name"], "local")
        r.update(labels=lr["labels"], links=lr["links"], resource_deps=lr["resource_deps"], local=lr)
    return resources


# ---------------------------------------------------------------------------------------------
# What the Tiltfile must give

def stage_layout(binaries):
    """Runs tilt/stage on stand-in binaries: the paths the image contexts really have."""
    tmp = tempfile.mkdtemp(prefix="check-tilt-stage.")
    try:
        target = os.path.join(tmp, "target", "debug")
        os.makedirs(target)
        for b in binaries:
            shutil.copy("/bin/true", os.path.join(target, b))
        env = dict(os.environ, CARGO_TARGET_DIR=os.path.join(tmp, "target"),
                   SAASCRIPT_STATE=os.path.join(tmp, "state"))
        subprocess.run(["bash", os.path.join(HERE, "stage")] + sorted(binaries), env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        stage = os.path.join(tmp, "state", "tilt")
        layout = set()
        for dirpath, dirnames, filenames in os.walk(stage):
            for n in dirnames + filenames:
                layout.add(os.path.relpath(os.path.join(dirpath, n), stage))
        return layout
    finally:
        shutil.rmtree(tmp)


def dockerfile_sources(path):
    """The context paths that binary.Dockerfile's COPY lines read, with ${BINARY} left in."""
    sources = []
    with open(path) as f:
        for line in f:
            words = line.split()
            if words and words[0] == "COPY" and not any(w.startswith("--from") for w in words):
                sources += [w for w in words[1:-1] if not w.startswith("--")]
    return sources


def check_common(t, resources, on_host, checks):
    # One host build of the whole workspace, which every image waits for.
    builds = [lr for lr in t.local_resources if "cargo build" in lr["cmd"]]
    check(len(builds) == 1, "one local_resource runs cargo build; found %d" % len(builds))
    build = builds[0]
    for flag in ("--locked", "--workspace", "--bins"):
        check(flag in build["cmd"].split(), "the host build runs cargo build %s" % flag)
    dep_paths = {os.path.normpath(os.path.join(t.dir, d)) for d in build["deps"]}
    for src in ("Cargo.toml", "Cargo.lock", "operator", "services", "crds", "catalog", "process"):
        check(os.path.join(ROOT, src) in dep_paths, "the host build watches %s" % src)
    checks.append("one host build (cargo build --locked --workspace --bins), watching the Rust sources")

    # One image per component, each of the staged binary, each live-updated.
    built = {image_name(i["ref"]): i for i in t.images}
    expected = [c for c in COMPONENTS if not (on_host and c == "operator")]
    check(len(t.images) == len(expected), "%d images built, expected %d" % (len(t.images), len(expected)))
    layout = stage_layout({i["build_args"].get("BINARY") for i in t.images})
    dockerfile = None
    for c in expected:
        ref = "localhost:5001/saascript/" + c
        check(ref in built, "no image %s" % ref)
        img = built[ref]
        binary = img["build_args"].get("BINARY")
        check(binary == "saascript-" + c, "%s: BINARY=%s" % (ref, binary))
        check(img["dockerfile"] and os.path.isfile(t.path(img["dockerfile"])), "%s: no Dockerfile" % ref)
        dockerfile = t.path(img["dockerfile"])
        context = os.path.normpath(t.path(img["context"]))
        stage = os.path.join(ROOT, ".saascript", "tilt")
        check(os.path.dirname(context) == stage, "%s: context %s is not one that tilt/stage makes" % (ref, context))
        staged = {os.path.relpath(p, binary) for p in layout if p.startswith(binary + os.sep)}
        check(staged, "%s: tilt/stage makes no context %s" % (ref, os.path.relpath(context, ROOT)))
        for o in img["only"]:
            check(o in staged, "%s: only=%r is not something tilt/stage makes" % (ref, o))
        for src in dockerfile_sources(dockerfile):
            src = src.replace("${BINARY}", binary).rstrip("/")
            check(src in staged, "%s: the Dockerfile copies %s, which tilt/stage does not make" % (ref, src))
            check(not img["only"] or any(src == o or src.startswith(o + "/") for o in img["only"]),
                  "%s: the Dockerfile copies %s, which only= leaves out of the context" % (ref, src))
        check("root/usr/local/bin/" + binary in staged, "%s: tilt/stage does not stage %s" % (ref, binary))
        steps = img["live_update"]
        syncs = [s for s in steps if s.kind == "sync"]
        runs = [s for s in steps if s.kind == "run"]
        check(syncs and runs, "%s: live_update needs a sync and a run" % ref)
        check(steps[-1].kind == "run", "%s: live_update must end by restarting the process" % ref)
        check(all(s.kind != "fall_back_on" for s in steps[steps.index(syncs[0]):]),
              "%s: fall_back_on must come before sync" % ref)
        for s in syncs:
            local = os.path.normpath(t.path(s.local))
            check(local.startswith(context + os.sep), "%s: sync source %s is outside the context" % (ref, s.local))
            check(os.path.relpath(local, context) in staged, "%s: sync source %s is not staged" % (ref, s.local))
            check(s.remote.startswith("/tmp/"), "%s: sync into %s, but only /tmp is writable" % (ref, s.remote))
    check(dockerfile_sources(dockerfile), "binary.Dockerfile copies nothing")
    checks.append("%d images (%s) of the staged binaries, each with live_update sync + run" %
                  (len(expected), ", ".join(expected)))

    # Every image is used by a workload, and every workload's image is built.
    used = set()
    for r in resources.values():
        for i in r["images"]:
            check(image_name(i) in built, "%s runs %s, which the Tiltfile does not build" % (r["name"], i))
            used.add(image_name(i))
    check(used == set(built), "images no workload uses: %s" % sorted(set(built) - used))
    checks.append("every workload's image is built, and every image has a workload")

    # The chart, once, with the Tilt values and the CRDs assumed.
    check(len(t.helm_calls) == 1, "helm() called %d times" % len(t.helm_calls))
    h = t.helm_calls[0]
    check(h["path"] == os.path.join(ROOT, "charts", "saascript"), "helm() renders %s" % h["path"])
    check(h["namespace"] == NAMESPACE, "helm() namespace %r" % h["namespace"])
    check(h["name"] == "saascript", "helm() release name %r" % h["name"])
    check(os.path.join(HERE, "values-tilt.yaml") in h["values"], "helm() without values-tilt.yaml")
    with open(os.path.join(HERE, "values-tilt.yaml")) as f:
        tilt_values = yaml.safe_load(f)
    check(tilt_values["crds"]["assumeInstalled"] is True, "values-tilt.yaml: crds.assumeInstalled")
    check(tilt_values["image"]["registry"] == "localhost:5001", "values-tilt.yaml: image.registry")
    for s in h["set"]:
        check("127.0.0.1" not in s, "--set %s: pods cannot reach the host's loopback" % s)
    checks.append("helm() once: charts/saascript, release saascript in %s, values-tilt.yaml, renders" %
                  NAMESPACE)

    # ServiceDeployments: images injected, pods followed.
    sd = [k for k in t.k8s_kinds if k["kind"] == "ServiceDeployment"]
    check(len(sd) == 1 and sd[0]["image_json_path"] == "{.spec.image}",
          "k8s_kind('ServiceDeployment', image_json_path='{.spec.image}') missing")
    check(sd[0]["pod_readiness"] == "wait", "ServiceDeployment: pod_readiness must be 'wait'")
    sds = [o for o in t.k8s_yaml_docs if o["kind"] == "ServiceDeployment"]
    check(sorted(o["metadata"]["name"] for o in sds) == sorted(SERVICES), "ServiceDeployments rendered: %s" %
          sorted(o["metadata"]["name"] for o in sds))
    for o in sds:
        check(image_name(o["spec"]["image"]) == "localhost:5001/saascript/" + o["metadata"]["name"],
              "%s: spec.image %s is not the image Tilt builds" % (o["metadata"]["name"], o["spec"]["image"]))
        check(o["metadata"]["name"] in resources, "no resource for ServiceDeployment %s" % o["metadata"]["name"])
    checks.append("k8s_kind ServiceDeployment {.spec.image}, pod_readiness wait; one resource per service")

    # The CRDs in a resource of their own, which the workloads wait for through crds-established.
    crd_res = [r for r in resources.values() if r["objects"] and
               all(o["kind"] == "CustomResourceDefinition" for o in r["objects"])]
    check(len(crd_res) == 1 and len(crd_res[0]["objects"]) == 3, "the three CRDs in one resource")
    for o in crd_res[0]["objects"]:
        check(o["metadata"].get("annotations", {}).get("tilt.dev/down-policy") == "keep",
              "%s: `tilt down` would delete it, and every Tenant with it" % o["metadata"]["name"])
    waiters = [r for r in resources.values() if r["type"] == "local" and crd_res[0]["name"] in r["resource_deps"]
               and "Established" in r["local"]["cmd"]]
    check(len(waiters) == 1, "one local_resource waits for the CRDs to be Established")
    for name in SERVICES:
        check(waiters[0]["name"] in resources[name]["resource_deps"],
              "%s does not wait for the CRDs to be Established" % name)
    checks.append("CRDs in their own resource, kept by `tilt down`; every ServiceDeployment waits for "
                  "them to be Established")

    # Every resource labelled; no uncategorized; every dependency exists; the build comes first.
    check("uncategorized" not in resources, "objects left uncategorized (no label): %s" %
          [full_name(o) for o in resources.get("uncategorized", {}).get("objects", [])])
    for r in resources.values():
        check(r["labels"], "resource %s has no label" % r["name"])
        check(set(r["labels"]) <= LABELS, "resource %s: labels %s" % (r["name"], r["labels"]))
        for d in r["resource_deps"]:
            check(d in resources, "resource %s depends on %s, which does not exist" % (r["name"], d))
        if r["images"]:
            check(build["name"] in r["resource_deps"], "%s does not wait for the host build" % r["name"])
    checks.append("%d resources, each labelled %s; no uncategorized; every resource_dep exists" %
                  (len(resources), "/".join(sorted(LABELS))))

    # The gateway: the only entry, on 8080, with links.
    gw = resources["gateway"]
    check(any(p.local == 8080 and p.container == 8080 for p in gw["port_forwards"]), "gateway: no 8080 forward")
    check(gw["links"], "gateway: no links")
    check("services" in gw["labels"], "gateway: not labelled services")
    checks.append("gateway: port_forward 8080, links %s" % [l.url for l in gw["links"]])

    # The operator, as the resource everything it makes waits for.
    check("operator" in resources and "operator" in resources["operator"]["labels"], "no operator resource")
    for name in SERVICES:
        check("operator" in resources[name]["resource_deps"], "%s does not wait for the operator" % name)
    check(any("9090" in l.url for l in resources["operator"]["links"]), "operator: no metrics link")


def check_in_kind(t, resources, checks):
    op = resources["operator"]
    check(op["type"] == "k8s", "operator: not the chart's Deployment")
    check([o["metadata"]["name"] for o in op["objects"] if o["kind"] == "Deployment"] == ["saascript-operator"],
          "operator resource: not the Deployment saascript-operator")
    check(any(p.local == 9090 for p in op["port_forwards"]), "operator: no 9090 forward")
    check(op["images"] == [op["images"][0]] and image_name(op["images"][0]) == "localhost:5001/saascript/operator",
          "operator: image %s" % op["images"])
    check(not any(lr["name"] == "operator" for lr in t.local_resources), "operator runs twice")
    checks.append("operator in kind: the chart's Deployment, its image built, port_forward 9090")


def check_on_host(t, resources, checks):
    deployed = [(o["kind"], o["metadata"]["name"]) for o in t.k8s_yaml_docs]
    check(("Deployment", "saascript-operator") not in deployed, "operator-on-host: the Deployment is still applied")
    check(("Deployment", "saascript-mailer") in deployed, "operator-on-host: the filter took the mailer too")
    check(len([k for k, _ in deployed if k == "ServiceDeployment"]) == len(SERVICES),
          "operator-on-host: the filter took ServiceDeployments")
    op = resources["operator"]
    check(op["type"] == "local", "operator-on-host: the operator is not a local_resource")
    lr = op["local"]
    check("cargo run" in lr["serve_cmd"] and "-p saascript-operator" in lr["serve_cmd"],
          "operator-on-host: serve_cmd %r" % lr["serve_cmd"])
    kubeconfig = lr["serve_env"].get("KUBECONFIG", "")
    check(kubeconfig, "operator-on-host: no KUBECONFIG")
    check("kind get kubeconfig --name saascript" in lr["cmd"] and kubeconfig in lr["cmd"],
          "operator-on-host: KUBECONFIG is not kind's")
    check(lr["serve_env"].get("SAASCRIPT_WORKLOAD_LOOPBACK_HOST") == HOST,
          "operator-on-host: tenants' workloads would get 127.0.0.1")
    # Restarted after each host build: it watches what tilt/stage replaces.
    stage = os.path.join(ROOT, ".saascript", "tilt")
    layout = stage_layout({"saascript-operator"})
    watched = [os.path.relpath(os.path.normpath(t.path(d)), stage) for d in lr["deps"]]
    check(watched and all(w in layout for w in watched),
          "operator-on-host: deps %s are not what tilt/stage makes" % lr["deps"])
    checks.append("operator on host: no Deployment applied, serve_cmd %r with kind's KUBECONFIG" % lr["serve_cmd"])


def main():
    tiltfile = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "Tiltfile"))
    checks = []
    try:
        with open(tiltfile) as f:
            source = f.read()
        try:
            problems = starlark_problems(source)
        except SyntaxError as e:
            raise Failure("not Python-compatible Starlark: %s" % e)
        check(not problems, "constructs Starlark lacks: %s" % "; ".join(problems))
        checks.append("the Tiltfile parses as Python, with no construct Starlark lacks")
        for args, on_host in (([], False), (["--operator-on-host"], True)):
            try:
                t = Tilt(tiltfile, args).evaluate()
            except TiltFail as e:
                raise Failure("%s: the Tiltfile called fail(): %s" % (args or "default", e))
            resources = assemble(t)
            mode = []
            check_common(t, resources, on_host, mode)
            (check_on_host if on_host else check_in_kind)(t, resources, mode)
            checks += ["[%s] %s" % ("operator-on-host" if on_host else "operator in kind", m) for m in mode]
    except Failure as e:
        for c in checks:
            print("  ok   " + c)
        print("  FAIL " + str(e))
        print("test_tiltfile: %d passed, 1 failed" % len(checks))
        return 1
    for c in checks:
        print("  ok   " + c)
    print("test_tiltfile: %d passed, 0 failed" % len(checks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
