#!/usr/bin/env python3
"""Remit's findings next to Cloudsplaining's and PMapper's on the same AWS accounts, in one run.

usage: scripts/compare-findings.py --peers DIR [--sizes medium,large] [--moto-size small]
                                   [--seed 1] [--work DIR] [--remit BINARY] [--skip-build]
                                   [--skip-moto] [--reclassify]

DIR is where `setup.sh` of the peer tools installed them (its `venv/` holds cloudsplaining,
pmapper, moto_server and a Python with boto3). Environments are generated (`remit generate
aws-org --seed SEED`) unless they are already under --work.

The account built in moto (--moto-size, small by default): moto_server is started with AWS's
managed policies; the generated export, its account id rewritten to moto's, is loaded into it
(`scripts/load-into-moto.py`, then the export's instance profiles, which that loader leaves out).
PMapper (`pmapper graph create`, `pmapper query 'preset privesc *'`, and its graph's `is_admin`)
and Remit (`remit collect aws --endpoint-url`, then `remit scan`) read that account through the
AWS API; Cloudsplaining scans the export Remit collected. PMapper runs on this size only: its
graph construction grows with the square of the principals (minutes on the small account).

Each of --sizes: `remit scan BUNDLE --format json --no-record` and `cloudsplaining scan -i EXPORT
-o OUT -s` on the same account export.

Every command is timed on the wall clock with its peak memory (wait4), as bench-aws-env.py does.
The reports are read per principal (Cloudsplaining's per-policy results joined to the users and
roles that hold the policies, directly or through groups) and compared row by row: administrator,
privilege escalation (as a path to an administrator, and as holding the actions), data
exfiltration, resource exposure, credentials exposure, infrastructure modification, service
wildcards. Every disagreement is classified:

- what a peer reports and Remit does not is checked with Remit's own engine (`remit what-can
  PRINCIPAL --resource '*'`, `remit who-can`, then `remit explain` of a cited action: the layer
  that takes it away) and, for escalation paths, with the generator's ground truth
  (ground-truth.json: stronger roles and the workloads running as them): a true finding Remit
  does not report is a *remit-miss*, one a boundary, a deny or a condition takes away a peer
  false positive, with the reason;
- what Remit reports and a peer does not is explained from Remit's finding and the principal's
  policies (a role chain, a grant under conditions, on named resources, through a policy
  Cloudsplaining excludes by default, a technique the peer does not model ...).

Principals whose policies, groups, boundary and tags are the same, and about which both reports
say the same, are decided alike: one of each such group is checked (`decidedOn`).

Results: WORK/results.json (every disagreement with its verdict and reason) and Markdown tables
on stdout; docs/comparison.md reports one run. --reclassify compares again from the outputs and
measurements a run saved under --work, without running any tool again.
"""
import argparse
import collections
import datetime
import functools
import glob
import hashlib
import importlib.util
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_spec = importlib.util.spec_from_file_location("bench_aws_env", os.path.join(ROOT, "scripts", "bench-aws-env.py"))
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)
measured, free_port, generate = bench.measured, bench.free_port, bench.generate

MOTO_ACCOUNT = "123456789012"

# Cloudsplaining's risk categories, by the name Remit's over-permission findings give them.
CS_CATEGORIES = {
    "DataExfiltration": "data-exfiltration",
    "ResourceExposure": "resource-exposure",
    "CredentialsExposure": "credentials-exposure",
    "InfrastructureModification": "infrastructure-modification",
}

# The order of the comparison's rows.
CS_ROWS = [
    "administrator",
    "privilege-escalation (path to an administrator)",
    "privilege-escalation (actions held)",
    "data-exfiltration",
    "resource-exposure",
    "credentials-exposure",
    "infrastructure-modification",
    "service-wildcard",
]
PM_ROWS = ["administrator", "privilege-escalation", "administrator or privilege-escalation"]

# Remit's techniques that act on the principal's own permissions (PMapper counts a principal that
# can do one of these to itself as an administrator).
SELF_TECHNIQUES = {
    "aws-put-user-policy", "aws-attach-user-policy", "aws-put-role-policy", "aws-attach-role-policy",
    "aws-put-group-policy", "aws-attach-group-policy", "aws-create-policy-version",
    "aws-set-default-policy-version", "aws-add-user-to-group",
}
# The techniques PMapper 1.1.5 has edge checkers (or admin checks) for, by Remit's ids.
PMAPPER_TECHNIQUES = SELF_TECHNIQUES - {"aws-set-default-policy-version", "aws-add-user-to-group"} | {
    "aws-assume-role", "aws-update-assume-role-policy", "aws-create-access-key", "aws-create-login-profile",
    "aws-update-login-profile", "aws-passrole-ec2", "aws-passrole-lambda-invoke", "aws-passrole-lambda-event-source",
    "aws-lambda-update-code", "aws-passrole-cloudformation", "aws-cloudformation-update-stack",
    "aws-passrole-codebuild", "aws-codebuild-start-build", "aws-passrole-sagemaker-notebook",
    "aws-passrole-sagemaker-training", "aws-passrole-sagemaker-processing", "aws-ssm-send-command",
    "aws-ssm-start-session",
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def sensitive_services():
    """The services Remit's service-wildcard rule covers, read from its source (never stale)."""
    src = open(os.path.join(ROOT, "crates", "remit-aws-risk", "src", "overpermission.rs")).read()
    m = re.search(r"const SENSITIVE: &\[\(&str, Severity\)\] = &\[(.*?)\];", src, re.S)
    return set(re.findall(r'\("([a-z0-9-]+)"', m.group(1))) if m else set()


# ---------------------------------------------------------------------------------------------
# The account as exported: each principal's policies, groups, boundary and tags (what the engine
# reads of it when deciding on `*`), to group principals that are decided alike.


def read_export(path):
    d = json.load(open(path))
    groups = {g["GroupName"]: g for g in d.get("GroupDetailList", [])}
    managed = {p["Arn"]: next((v.get("Document") for v in p.get("PolicyVersionList", []) if v.get("IsDefaultVersion")), {})
               for p in d.get("Policies", [])}

    def digest(obj):
        return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:16]

    out = {}
    for kind, entries, name_key, inline_key in (("user", d.get("UserDetailList", []), "UserName", "UserPolicyList"),
                                                ("role", d.get("RoleDetailList", []), "RoleName", "RolePolicyList")):
        for e in entries:
            sig = {
                "kind": kind,
                "path": e.get("Path", "/"),
                "managed": sorted(a["PolicyArn"] for a in e.get("AttachedManagedPolicies", [])),
                "inline": sorted(digest(p["PolicyDocument"]) for p in e.get(inline_key, [])),
                "groups": sorted(e.get("GroupList", [])),
                "groupPolicies": sorted(
                    [a["PolicyArn"] for g in e.get("GroupList", []) for a in groups.get(g, {}).get("AttachedManagedPolicies", [])]
                    + [digest(p["PolicyDocument"]) for g in e.get("GroupList", []) for p in groups.get(g, {}).get("GroupPolicyList", [])]),
                "boundary": (e.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
                "tags": sorted((t["Key"], t["Value"]) for t in e.get("Tags", [])),
            }
            docs = [(a["PolicyArn"].rsplit("/", 1)[-1], managed.get(a["PolicyArn"], {})) for a in e.get("AttachedManagedPolicies", [])]
            docs += [(p["PolicyName"], p["PolicyDocument"]) for p in e.get(inline_key, [])]
            for g in e.get("GroupList", []):
                docs += [(a["PolicyArn"].rsplit("/", 1)[-1], managed.get(a["PolicyArn"], {}))
                         for a in groups.get(g, {}).get("AttachedManagedPolicies", [])]
                docs += [(p["PolicyName"], p["PolicyDocument"]) for p in groups.get(g, {}).get("GroupPolicyList", [])]
            out[e["Arn"]] = {"name": e[name_key], "kind": kind, "boundary": sig["boundary"],
                             "policies": sorted({n for n, _ in docs}), "documents": docs,
                             "instanceProfiles": [i["Arn"] for i in e.get("InstanceProfileList", [])],
                             "signature": digest({k: v for k, v in sig.items() if k not in ("path",)})}
    return out


# ---------------------------------------------------------------------------------------------
# Cloudsplaining, per principal.


def cloudsplaining_view(results):
    """Per user and role ARN: what Cloudsplaining reports of the policies it holds."""
    policies = {}
    for section in ("aws_managed_policies", "customer_managed_policies", "inline_policies"):
        for pid, p in results.get(section, {}).items():
            if p.get("is_excluded"):
                continue
            if "PolicyDocument" in p:
                doc = p["PolicyDocument"]
            else:
                doc = next((v.get("Document") for v in p.get("PolicyVersionList", []) if v.get("IsDefaultVersion")), {})
            policies[pid] = {
                "name": p.get("PolicyName", pid),
                "privesc": {f["type"]: f["actions"] for f in p["PrivilegeEscalation"]["findings"]},
                "categories": {CS_CATEGORIES[c]: p[c]["findings"] for c in CS_CATEGORIES},
                "serviceWildcard": list(p["ServiceWildcard"]["findings"]),
                "actionStar": allows_everything(doc),
                "notAction": uses_not_action(doc),
            }

    def policy_ids(entity):
        ids = list(entity.get("inline_policies", {}))
        ids += list(entity.get("customer_managed_policies", {}))
        ids += list(entity.get("aws_managed_policies", {}))
        return ids

    view = {}
    for section in ("users", "roles"):
        for entity in results.get(section, {}).values():
            ids = policy_ids(entity)
            for g in entity.get("groups", {}).values():
                if not g.get("is_excluded"):
                    ids += policy_ids(g)
            held = [policies[i] for i in ids if i in policies]
            v = {"excluded": bool(entity.get("is_excluded")), "admin": [], "privesc": {},
                 "categories": collections.defaultdict(set), "serviceWildcard": collections.defaultdict(list),
                 "policies": {p["name"] for p in held}, "notAction": [p["name"] for p in held if p["notAction"]]}
            for p in held:
                if p["actionStar"]:
                    v["admin"].append(p["name"])
                for method, actions in p["privesc"].items():
                    v["privesc"].setdefault(method, actions)
                for cat, actions in p["categories"].items():
                    v["categories"][cat].update(actions)
                for s in p["serviceWildcard"]:
                    v["serviceWildcard"][s].append(p["name"])
            view[entity["arn"]] = v
    # Every action Cloudsplaining counts in each category somewhere in the account.
    counted = collections.defaultdict(set)
    for p in policies.values():
        for cat, actions in p["categories"].items():
            counted[cat].update(a.lower() for a in actions)
        for actions in p["privesc"].values():
            counted["privilege-escalation"].update(a.lower() for a in actions)
    view[None] = counted
    return view


@functools.lru_cache(maxsize=None)
def _pattern(p):
    return re.compile("^" + re.escape(p.lower()).replace(r"\*", ".*").replace(r"\?", ".") + "$")


def unconditional_grants(doc, action, conditional=False):
    """The statements of `doc` that allow `action` on `*` with no condition (with `conditional`,
    only those with one), as (index, uses NotAction, action patterns): only to name the policy a
    grant comes from in explanations (Remit's engine decides; this never does)."""
    stmts = doc.get("Statement", []) if isinstance(doc, dict) else []
    out = []
    for i, st in enumerate(stmts if isinstance(stmts, list) else [stmts]):
        if st.get("Effect") != "Allow" or ("Condition" in st) != conditional or "NotResource" in st:
            continue
        res = st.get("Resource", [])
        if "*" not in ([res] if isinstance(res, str) else res):
            continue
        key = "Action" if "Action" in st else "NotAction"
        pats = st.get(key, [])
        hit = any(_pattern(x).match(action.lower()) for x in ([pats] if isinstance(pats, str) else pats))
        if hit == (key == "Action"):
            out.append((i, key == "NotAction", [pats] if isinstance(pats, str) else pats))
    return out


def uses_not_action(doc):
    stmts = doc.get("Statement", []) if isinstance(doc, dict) else []
    return any(s.get("Effect") == "Allow" and "NotAction" in s for s in (stmts if isinstance(stmts, list) else [stmts]))


def allows_everything(doc):
    """An Allow statement of Action `*` without a condition (what Cloudsplaining's service wildcard
    reads as every service)."""
    stmts = doc.get("Statement", []) if isinstance(doc, dict) else []
    for s in stmts if isinstance(stmts, list) else [stmts]:
        actions = s.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if s.get("Effect") == "Allow" and "*" in actions and "Condition" not in s:
            return True
    return False


# ---------------------------------------------------------------------------------------------
# Remit, per principal.


def finding_actions(f):
    """The actions an over-permission finding names (its evidence lists the first twelve)."""
    names = set()
    for e in f.get("evidence", []):
        m = re.match(r"on `\*`: (.*?)( and \d+ more)?$", e.get("detail") or "")
        if m:
            names.update(a.strip().lower() for a in m.group(1).split(","))
    return names


def remit_view(report):
    v = collections.defaultdict(lambda: {"admin": None, "escalation": None, "categories": {}, "serviceWildcard": {}, "actions": {}})
    # Which of Remit's categories each action is in, as the findings name them.
    v[None]["categoryOf"] = collections.defaultdict(set)
    for f in report["findings"]:
        if f.get("suppressed"):
            continue
        for p in f["principals"]:
            if f["kind"] == "admin-equivalent":
                v[p]["admin"] = f
            elif f["kind"] == "privilege-escalation":
                v[p]["escalation"] = f
            elif f["rule"] == "aws-risky-actions":
                for c in f["categories"]:
                    v[p]["categories"][c] = f
                    for a in finding_actions(f):
                        v[p]["actions"].setdefault(a, set()).add(c)
                        v[None]["categoryOf"][a].add(c)
            elif f["rule"] == "aws-service-wildcard":
                m = re.search(r"holds every (\S+) action", f["title"])
                if m:
                    v[p]["serviceWildcard"][m.group(1)] = f
                # The other services, in one finding: "every action on `*` of: a, b, c".
                for e in f.get("evidence", []):
                    m = re.search(r"every action on `\*` of: (.*)$", e.get("detail") or "")
                    if m:
                        for svc in m.group(1).split(", "):
                            v[p]["serviceWildcard"][svc] = f
    return v


def remit_says(f):
    """One line for a Remit finding."""
    if not f:
        return None
    text = f"{f['rule']}: {f['title']}"
    if f.get("access") == "conditional":
        text += f" (conditional: {'; '.join(f.get('conditions', [])[:2])})"
    return text


# ---------------------------------------------------------------------------------------------
# Remit's engine, asked about one principal (cached: every group asks about one of its members).


class Engine:
    def __init__(self, remit, env):
        self.remit, self.env = remit, env
        self.held_cache, self.explain_cache = {}, {}
        self.calls = 0

    def held(self, principal, service=None):
        """Actions the principal may perform on `*` (allowed or conditional), with the decision;
        and, with `service`, that service's actions on any resource too."""
        key = (principal, service)
        if key not in self.held_cache:
            cmd = [self.remit, "what-can", principal, "--env", self.env, "--format", "json"]
            if service:
                cmd += ["--service", service]
            else:
                cmd += ["--resource", "*"]
            self.calls += 1
            out = subprocess.run(cmd, capture_output=True, text=True)
            if out.returncode != 0:
                raise SystemExit(f"remit what-can failed: {out.stderr[-1000:]}")
            d = json.loads(out.stdout)
            on_star, anywhere = {}, {}
            for a in d["actions"]:
                name = a["action"].lower()
                for r in a["resources"]:
                    anywhere.setdefault(name, r["decision"])
                    if r["resource"] == "*":
                        on_star[name] = r["decision"]
            self.held_cache[key] = (on_star, anywhere)
        return self.held_cache[key]

    def holders(self, action, resource="*"):
        """The principals whose own policies (directly or through groups) allow `action` on
        `resource`, with the decision (one who-can; role chains left out)."""
        key = ("who-can", action, resource)
        if key not in self.held_cache:
            self.calls += 1
            out = subprocess.run([self.remit, "who-can", action, resource, "--env", self.env, "--format", "json"],
                                 capture_output=True, text=True)
            if out.returncode != 0:
                raise SystemExit(f"remit who-can failed: {out.stderr[-1000:]}")
            self.held_cache[key] = {h["arn"]: h["decision"] for h in json.loads(out.stdout)["principals"]
                                    if not any(v["type"] == "assume" for v in h["via"])}
        return self.held_cache[key]

    def explain(self, principal, action, resource="*"):
        key = (principal, action, resource)
        if key not in self.explain_cache:
            self.calls += 1
            out = subprocess.run([self.remit, "explain", principal, action, resource, "--env", self.env, "--format", "json"],
                                 capture_output=True, text=True)
            if out.returncode != 0:
                self.explain_cache[key] = {"decision": "error", "reason": out.stderr.strip()[-300:], "statements": []}
            else:
                self.explain_cache[key] = json.loads(out.stdout)
        return self.explain_cache[key]


def short_source(source):
    s = re.sub(r"arn:aws:iam::(aws|\d{12}):policy/", "", source)
    return s.replace("boundary ", "boundary: ")


def neutralizer(e, action, boundary=None):
    """What takes `action` away, from `remit explain`: the deciding layer and statement."""
    decision = e["decision"]
    denies = [s for s in e["statements"] if s["effect"] == "Deny"]
    layers = {s["layer"] for s in e["statements"]}
    if decision == "explicitlyDenied" or (denies and "denies" in e.get("reason", "")):
        d = next((s for s in denies if not s["conditions"]), denies[0] if denies else None)
        if d:
            layer = {"identity": "an identity-policy deny", "permissionsBoundary": "the permissions boundary's deny",
                     "scp": "an SCP", "rcp": "an RCP", "resource": "a resource-policy deny"}.get(d["layer"], d["layer"])
            cond = " when MFA is absent" if any("MultiFactorAuthPresent" in c for c in d["conditions"]) else ""
            return f"{layer}{cond} ({short_source(d['source'])} {d['statement']})"
    if "permissionsBoundary" in layers or "boundary" in e.get("reason", "") or (boundary and decision == "implicitlyDenied"
                                                                               and any(s["layer"] == "identity" and s["effect"] == "Allow" for s in e["statements"])):
        b = next((s for s in e["statements"] if s["layer"] == "permissionsBoundary"), None)
        name = short_source(b["source"]) if b else short_source(boundary or "boundary")
        return f"the permissions boundary does not allow it ({name.replace('boundary: ', '')})"
    return f"{decision}: {e.get('reason', '')}"


# ---------------------------------------------------------------------------------------------
# Ground truth (escalation paths and administrators known by construction).


def ground_truth(bundle, account_map=None, moto=False):
    """What the generator knows by construction. For the account built in moto (`moto`): moto
    holds no workloads (functions, instances, stacks ...) and only each policy's default
    version, so paths through those are left out and every workload kind is known empty."""
    gt = json.load(open(os.path.join(bundle, "ground-truth.json")))
    if moto:
        gt["escalations"] = [e for e in gt["escalations"]
                             if not any(s["technique"] == "iam:SetDefaultPolicyVersion" for s in e["path"])]
        gt["workloads"] = [{"kind": k} for k in ("ec2-instance", "lambda-function", "codebuild-project", "cloudformation-stack",
                                                 "glue-dev-endpoint", "ecs-task", "sagemaker-notebook", "ec2-launch-template",
                                                 "bedrock-code-interpreter")]

    def m(arn):
        if account_map:
            for a, b in account_map.items():
                arn = arn.replace(a, b)
        return arn

    return {
        "admins": {m(a["principal"]): a for a in gt["adminEquivalent"] if not a.get("blockedBy")},
        "escalations": {m(e["principal"]): e for e in gt["escalations"] if not e.get("blockedBy")},
        "trusts": {m(r["role"]): {t["service"] for t in r.get("trust", []) if t.get("type") == "service"} for r in gt.get("roles", [])},
        "workloads": [(w["kind"], m(w["role"]), w["arn"]) for w in gt.get("workloads", []) if w.get("role")],
        "workloadKinds": {w["kind"] for w in gt.get("workloads", [])},
    }


# Cloudsplaining's escalation methods: what makes one a path in an account. `passrole`: new
# compute of a service that runs a role passed to it; `workload`: existing compute of a kind
# (as ground-truth.json names workloads) running as a role trusting the service; `iam`: IAM writes
# on the principal itself or on a stronger principal.
CS_METHODS = {
    "CreateEC2WithExistingIP": ("passrole", "ec2.amazonaws.com"),
    "PassExistingRoleToNewEC2SpotInstance": ("passrole", "ec2.amazonaws.com"),
    "PassExistingRoleToNewLambdaThenInvoke": ("passrole", "lambda.amazonaws.com"),
    "PassExistingRoleToNewLambdaThenTriggerWithNewDynamo": ("passrole", "lambda.amazonaws.com"),
    "PassExistingRoleToNewLambdaThenTriggerWithExistingDynamo": ("passrole", "lambda.amazonaws.com"),
    "PassExistingRoleToNewLambdaThenAddPermission": ("passrole", "lambda.amazonaws.com"),
    "PassExistingRoleToNewGlueDevEndpoint": ("passrole", "glue.amazonaws.com"),
    "PassExistingRoleToNewGlueJobThenRun": ("passrole", "glue.amazonaws.com"),
    "PassExistingRoleToNewGlueJobViaTrigger": ("passrole", "glue.amazonaws.com"),
    "PassExistingRoleToUpdatedGlueJobThenRun": ("passrole", "glue.amazonaws.com"),
    "PassExistingRoleToUpdatedGlueJobViaTrigger": ("passrole", "glue.amazonaws.com"),
    "PassExistingRoleToCloudFormation": ("passrole", "cloudformation.amazonaws.com"),
    "PassExistingRoleToNewCloudFormationStackSet": ("passrole", "cloudformation.amazonaws.com"),
    "PassRoleToUpdateCloudFormationStackSet": ("passrole", "cloudformation.amazonaws.com"),
    "PassExistingRoleToNewDataPipeline": ("passrole", "datapipeline.amazonaws.com"),
    "PassExistingRoleToNewAppRunnerService": ("passrole", "tasks.apprunner.amazonaws.com"),
    "PassExistingRoleToNewBedrockCodeInterpreter": ("passrole", "bedrock-agentcore.amazonaws.com"),
    "PassExistingRoleToNewCodeBuildProjectThenBuild": ("passrole", "codebuild.amazonaws.com"),
    "PassExistingRoleToNewCodeBuildProjectThenBuildBatch": ("passrole", "codebuild.amazonaws.com"),
    "PassExistingRoleToNewECSClusterServiceTask": ("passrole", "ecs-tasks.amazonaws.com"),
    "PassExistingRoleToNewECSClusterRunTask": ("passrole", "ecs-tasks.amazonaws.com"),
    "PassExistingRoleToNewECSService": ("passrole", "ecs-tasks.amazonaws.com"),
    "PassExistingRoleToNewECSTaskViaRunTask": ("passrole", "ecs-tasks.amazonaws.com"),
    "PassExistingRoleToNewECSTaskViaStartTask": ("passrole", "ecs-tasks.amazonaws.com"),
    "PassExistingRoleToNewSageMakerNotebookInstance": ("passrole", "sagemaker.amazonaws.com"),
    "PassExistingRoleToNewSageMakerTrainingJob": ("passrole", "sagemaker.amazonaws.com"),
    "PassExistingRoleToNewSageMakerProcessingJob": ("passrole", "sagemaker.amazonaws.com"),
    "EditExistingLambdaFunctionWithRole": ("workload", "lambda-function", "lambda.amazonaws.com"),
    "UpdateAndInvokeLambdaFunction": ("workload", "lambda-function", "lambda.amazonaws.com"),
    "UpdateLambdaFunctionAndAddPermission": ("workload", "lambda-function", "lambda.amazonaws.com"),
    "ExecuteCloudFormationChangeSet": ("workload", "cloudformation-stack", "cloudformation.amazonaws.com"),
    "ModifyEC2InstanceUserDataThenRestart": ("workload", "ec2-instance", "ec2.amazonaws.com"),
    "EC2InstanceConnectSendSSHPublicKey": ("workload", "ec2-instance", "ec2.amazonaws.com"),
    "ModifyExistingEC2LaunchTemplate": ("workload", "ec2-launch-template", "ec2.amazonaws.com"),
    "UpdateExistingGlueDevEndpoint": ("workload", "glue-dev-endpoint", "glue.amazonaws.com"),
    "ECSExecuteCommandOnRunningTask": ("workload", "ecs-task", "ecs-tasks.amazonaws.com"),
    "CreatePresignedSageMakerNotebookUrl": ("workload", "sagemaker-notebook", "sagemaker.amazonaws.com"),
    "UpdateSageMakerNotebookLifecycleConfig": ("workload", "sagemaker-notebook", "sagemaker.amazonaws.com"),
    "AccessExistingBedrockCodeInterpreterSession": ("workload", "bedrock-code-interpreter", "bedrock-agentcore.amazonaws.com"),
}


def method_path(method, p, gt, export):
    """Whether a Cloudsplaining method the principal holds (on `*`) leads somewhere stronger in
    this account, from the ground truth: (True, why) or (False, why)."""
    kind = CS_METHODS.get(method, ("iam",))
    stronger = set(gt["admins"]) | set(gt["escalations"])
    if kind[0] == "iam":
        return True, f"{method}: an IAM write on itself or on a stronger principal, held on *"
    service = kind[-1]
    roles = sorted(r for r, services in gt["trusts"].items() if service in services and r in stronger and r != p)
    if service == "ec2.amazonaws.com":
        roles = [r for r in roles if export.get(r, {}).get("instanceProfiles")]
    if not roles:
        return False, f"{method}: no administrator (or escalating) role trusts {service}" + (
            " with an instance profile" if service == "ec2.amazonaws.com" else "")
    if kind[0] == "passrole":
        return True, f"{method}: can pass {roles[0].split(':', 5)[-1]} (stronger) to {service}"
    workload = kind[1]
    if workload in gt["workloadKinds"]:
        running = [(a, r) for k, r, a in gt["workloads"] if k == workload and r in roles]
        if running:
            return True, f"{method}: {running[0][0].split(':', 5)[-1]} runs as {running[0][1].split(':', 5)[-1]} (stronger)"
        return False, f"{method}: no {workload} runs as an administrator (or escalating) role"
    return True, (f"{method}: {roles[0].split(':', 5)[-1]} (stronger) trusts {service}; a {workload} may run as it "
                  "(not in the bundle: Remit reports such paths as conditional)")


def gt_text(p, gt):
    admins, escalations = gt["admins"], gt["escalations"]
    if p in admins:
        return "ground truth: administrator-equivalent"
    if p in escalations:
        e = escalations[p]
        steps = " → ".join(s["technique"] + (f" {s['target'].split(':', 5)[-1]}" if s.get("target") else "") for s in e["path"])
        return f"ground truth: escalates ({steps})"
    return None


# ---------------------------------------------------------------------------------------------
# Comparison bookkeeping.


class Row:
    def __init__(self, name):
        self.name = name
        self.both, self.peer_only, self.remit_only = [], [], []

    def summary(self):
        verdicts = collections.Counter(i["verdict"] for i in self.peer_only)
        misses = verdicts.get("remit-miss", 0)
        elsewhere = verdicts.get("found-elsewhere", 0)
        true = len(self.both) + elsewhere + misses
        fps = collections.Counter(i["reason"] for i in self.peer_only if i["verdict"] == "peer-false-positive")
        return {
            "peer": len(self.both) + len(self.peer_only),
            "remit": len(self.both) + len(self.remit_only),
            "both": len(self.both),
            "foundElsewhere": elsewhere,
            "peerOnly": len(self.peer_only),
            "remitOnly": len(self.remit_only),
            "peerTrue": true,
            "remitMisses": misses,
            "recall": ((len(self.both) + elsewhere) / true) if true else None,
            "peerFalsePositives": sum(fps.values()),
            "peerFalsePositiveReasons": dict(fps.most_common()),
            "remitOnlyReasons": dict(collections.Counter(i["reason"] for i in self.remit_only).most_common()),
            "foundElsewhereReasons": dict(collections.Counter(i["reason"] for i in self.peer_only if i["verdict"] == "found-elsewhere").most_common()),
            "definitionReasons": dict(collections.Counter(i["reason"] for i in self.peer_only if i["verdict"] == "definition").most_common()),
            "missReasons": dict(collections.Counter(i["reason"] for i in self.peer_only if i["verdict"] == "remit-miss").most_common()),
        }

    def json(self):
        return {"summary": self.summary(), "peerOnly": self.peer_only, "remitOnly": self.remit_only}


def classify_groups(items, group_key, decide):
    """Decides one item of each group (the first, by principal) and gives its verdict to the rest."""
    groups = collections.defaultdict(list)
    for it in items:
        groups[group_key(it)].append(it)
    for members in groups.values():
        members.sort(key=lambda i: i["principal"])
        verdict = decide(members[0])
        for it in members:
            it.update(verdict)
            it["decidedOn"] = members[0]["principal"]
            it["groupSize"] = len(members)


# ---------------------------------------------------------------------------------------------
# Remit vs Cloudsplaining.


def compare_cloudsplaining(cs, rv, export, gt, engine, sensitive):
    rows = {name: Row(name) for name in CS_ROWS}
    principals = sorted(p for p in export if not p.split(":", 5)[-1].startswith("role/aws-service-role/"))
    admins = [p for p in principals if rv[p]["admin"] and rv[p]["admin"]["rule"] == "aws-admin-full"]

    def sig(p):
        return export[p]["signature"]

    for p in principals:
        c = cs.get(p)
        r = rv[p]
        radmin = r["admin"]
        # administrator
        peer = bool(c and c["admin"])
        if peer and radmin:
            rows["administrator"].both.append({"principal": p})
        elif peer:
            rows["administrator"].peer_only.append({"principal": p, "peer": f"Action * in {', '.join(c['admin'])}"})
        elif radmin:
            rows["administrator"].remit_only.append({"principal": p, "remit": remit_says(radmin),
                                                     "reason": remit_only_admin(radmin, c)})
        # privilege escalation, as a path
        peer = bool(c and c["privesc"])
        remit = radmin or r["escalation"]
        row = rows["privilege-escalation (path to an administrator)"]
        if peer and remit:
            row.both.append({"principal": p})
        elif peer:
            row.peer_only.append({"principal": p, "peer": sorted(c["privesc"]), "methods": c["privesc"],
                                  "remitCategory": remit_says(r["categories"].get("privilege-escalation"))})
        elif remit:
            row.remit_only.append({"principal": p, "remit": remit_says(remit), "reason": remit_only_path(remit, c, p, export)})
        # privilege escalation, as actions held
        remit = radmin or r["escalation"] or r["categories"].get("privilege-escalation")
        row = rows["privilege-escalation (actions held)"]
        if peer and remit:
            row.both.append({"principal": p})
        elif peer:
            row.peer_only.append({"principal": p, "peer": sorted(c["privesc"]), "methods": c["privesc"]})
        elif remit:
            row.remit_only.append({"principal": p, "remit": remit_says(remit), "finding": remit, "category": "privilege-escalation"})
        # the other categories
        for cat in CS_CATEGORIES.values():
            peer_actions = sorted(c["categories"].get(cat, ())) if c else []
            remit = radmin or r["categories"].get(cat)
            row = rows[cat]
            if peer_actions and remit:
                row.both.append({"principal": p})
            elif peer_actions:
                row.peer_only.append({"principal": p, "peer": peer_actions[:12] + ([f"... {len(peer_actions)} actions"] if len(peer_actions) > 12 else []),
                                      "actions": peer_actions})
            elif remit:
                row.remit_only.append({"principal": p, "remit": remit_says(remit), "finding": remit, "category": cat})
        # service wildcards (a principal Cloudsplaining sees allowed `*` is the administrator row's)
        peer_services = set(c["serviceWildcard"]) if c and not c["admin"] else set()
        remit_services = set(r["serviceWildcard"])
        row = rows["service-wildcard"]
        for s in sorted(peer_services | remit_services):
            if s in peer_services and (radmin or s in remit_services):
                row.both.append({"principal": p, "service": s})
            elif s in peer_services:
                row.peer_only.append({"principal": p, "service": s, "peer": f"{s}:* in {', '.join(c['serviceWildcard'][s])}",
                                      "policies": c["serviceWildcard"][s]})
            elif s in remit_services and not (c and c["admin"]):
                row.remit_only.append({"principal": p, "service": s, "remit": remit_says(r["serviceWildcard"][s]),
                                       "finding": r["serviceWildcard"][s], "category": "service-wildcard"})
            elif s in remit_services:
                row.both.append({"principal": p, "service": s})

    # Who is right, where only Cloudsplaining reports.
    def admin_verdict(it):
        p = it["principal"]
        on_star, _ = engine.held(p)
        for probe in ("iam:PutRolePolicy", "iam:CreateUser", "iam:AttachUserPolicy", "organizations:LeaveOrganization",
                      "s3:PutBucketPolicy", "ec2:RunInstances", "kms:ScheduleKeyDeletion"):
            if probe.lower() not in on_star:
                return {"verdict": "peer-false-positive", "reason": f"{probe} is taken away: " + neutralizer(engine.explain(p, probe), probe, export[p]["boundary"])}
        return {"verdict": "remit-miss", "reason": "Remit's engine allows every probed action on *, but no admin finding"}

    classify_groups(rows["administrator"].peer_only, lambda i: (sig(i["principal"]), i["peer"]), admin_verdict)

    def path_verdict(it):
        p = it["principal"]
        truth = gt_text(p, gt)
        if truth:
            return {"verdict": "remit-miss", "reason": truth}
        on_star, _ = engine.held(p)
        held = [m for m, acts in it["methods"].items() if all(a.lower() in on_star for a in acts)]
        if held:
            paths = [method_path(m, p, gt, export) for m in sorted(held)]
            true = [why for ok, why in paths if ok]
            if true:
                return {"verdict": "remit-miss", "reason": "the method's actions are held on * and lead to a stronger principal",
                        "detail": "; ".join(true[:3])}
            return {"verdict": "peer-false-positive", "reason": "no path: the method's actions are held, but nothing stronger is reachable with them",
                    "detail": "; ".join(why for _, why in paths[:3]) + ("; Remit reports the actions as over-permission" if it.get("remitCategory") else "")}
        method, acts = sorted(it["methods"].items())[0]
        missing = next(a for a in acts if a.lower() not in on_star)
        return {"verdict": "peer-false-positive", "reason": f"{missing} is taken away: " + neutralizer(engine.explain(p, missing), missing, export[p]["boundary"]),
                "detail": f"method {method}"}

    classify_groups(rows["privilege-escalation (path to an administrator)"].peer_only,
                    lambda i: (sig(i["principal"]), tuple(i["peer"])), path_verdict)

    def actions_verdict(it):
        p = it["principal"]
        on_star, _ = engine.held(p)
        held = {m: acts for m, acts in it["methods"].items() if all(a.lower() in on_star for a in acts)}
        if held:
            m, acts = sorted(held.items())[0]
            return {"verdict": "remit-miss", "reason": f"Remit's engine allows {' + '.join(acts)} on * (Cloudsplaining's {m}) but no over-permission privilege-escalation finding"}
        method, acts = sorted(it["methods"].items())[0]
        missing = next(a for a in acts if a.lower() not in on_star)
        return {"verdict": "peer-false-positive", "reason": f"{missing} is taken away: " + neutralizer(engine.explain(p, missing), missing, export[p]["boundary"])}

    classify_groups(rows["privilege-escalation (actions held)"].peer_only,
                    lambda i: (sig(i["principal"]), tuple(i["peer"])), actions_verdict)

    category_of = rv[None]["categoryOf"]

    def elsewhere(p, actions, cat):
        """Remit's other over-permission findings of p that hold these actions, by category."""
        found = {}
        for a in actions:
            cats = (rv[p]["actions"].get(a.lower()) or category_of.get(a.lower()) or set()) - {cat}
            cats = {c for c in cats if c in rv[p]["categories"]}
            if cats:
                found[a] = sorted(cats)
        return found

    for cat in CS_CATEGORIES.values():
        def cat_verdict(it, cat=cat):
            p = it["principal"]
            on_star, _ = engine.held(p)
            held = [a for a in it["actions"] if a.lower() in on_star]
            if held:
                other = elsewhere(p, held, cat)
                if len(other) == len(held):
                    where = sorted({c for cs_ in other.values() for c in cs_})
                    return {"verdict": "found-elsewhere",
                            "reason": f"Remit reports these actions under {', '.join(where)}",
                            "detail": ", ".join(f"{a} ({', '.join(c)})" for a, c in list(other.items())[:6])}
                missing = [a for a in held if a not in other]
                return {"verdict": "remit-miss",
                        "reason": f"Remit's engine allows on * actions Cloudsplaining counts as {cat}, and no Remit finding names them",
                        "detail": ", ".join(missing[:8]) + (f" and {len(missing) - 8} more" if len(missing) > 8 else "")}
            a = it["actions"][0]
            return {"verdict": "peer-false-positive", "reason": f"{cat} actions are taken away: " + neutralizer(engine.explain(p, a), a, export[p]["boundary"]),
                    "detail": f"e.g. {a}"}

        classify_groups(rows[cat].peer_only, lambda i: (sig(i["principal"]), tuple(i["actions"])), cat_verdict)

    reference = {}

    def representative(service, p):
        """An action of `service` (the first an administrator holds on `*`, else one p holds)."""
        if service not in reference:
            pool = engine.held(admins[0])[0] if admins else engine.held(p, service)[1]
            reference[service] = {a for a in pool if a.startswith(service + ":")}
        return min(reference[service]) if reference[service] else None

    def not_on_star(it, action):
        """The service's actions are held only on named resources: the flagged statement names
        them (Cloudsplaining's service wildcard ignores Resource), or a boundary or deny narrows a
        statement on `*`."""
        p, s = it["principal"], it["service"]
        on_star = action and any(unconditional_grants(doc, action) for n, doc in export[p]["documents"] if n in it["policies"])
        if on_star:
            return {"verdict": "peer-false-positive",
                    "reason": f"{s} actions are taken away on *: " + neutralizer(engine.explain(p, action), action, export[p]["boundary"])}
        return {"verdict": "definition", "reason": f"{s}:* is scoped to named resources (Cloudsplaining's service wildcard ignores Resource)"}

    def wildcard_verdict(it):
        p, s = it["principal"], it["service"]
        if s not in sensitive:
            # Outside the services Remit's rule covers: true when the principal holds the
            # service's actions on `*` (one who-can of a representative action answers for every
            # principal).
            action = representative(s, p)
            if action and p in engine.holders(action):
                return {"verdict": "remit-miss", "reason": "service outside the sensitive services Remit's service-wildcard rule covers",
                        "detail": f"{action} allowed on * ({engine.holders(action)[p]})"}
            _, anywhere = engine.held(p, s)
            on_star, _ = engine.held(p)
            n = sum(1 for a in on_star if a.startswith(s + ":"))
            if n:
                return {"verdict": "remit-miss", "reason": "service outside the sensitive services Remit's service-wildcard rule covers",
                        "detail": f"{n} {s} actions allowed on *"}
            if anywhere:
                return not_on_star(it, action)
            if action:
                return {"verdict": "peer-false-positive", "reason": f"{s} actions are taken away: " + neutralizer(engine.explain(p, action), action, export[p]["boundary"])}
            return {"verdict": "peer-false-positive", "reason": f"no {s} action is allowed at all"}
        on_star, _ = engine.held(p)
        mine = {a for a in on_star if a.startswith(s + ":")}
        if not mine:
            _, anywhere = engine.held(p, s)
            if anywhere:
                return not_on_star(it, representative(s, p))
            return {"verdict": "peer-false-positive", "reason": f"no {s} action is allowed on *"}
        representative(s, p)
        missing = sorted(reference.get(s, set()) - mine)
        if missing:
            return {"verdict": "peer-false-positive",
                    "reason": f"not every {s} action: " + neutralizer(engine.explain(p, missing[0]), missing[0], export[p]["boundary"]),
                    "detail": f"{len(missing)} {s} actions taken away, e.g. {missing[0]}"}
        return {"verdict": "remit-miss", "reason": f"every {s} action is allowed on * but no service-wildcard finding"}

    classify_groups(rows["service-wildcard"].peer_only,
                    lambda i: (sig(i["principal"]), i["service"]), wildcard_verdict)

    counted = cs[None]

    def remit_only_verdict(it):
        p, f, cat = it["principal"], it["finding"], it["category"]
        c = cs.get(p)
        if c is None or c["excluded"]:
            return {"reason": "principal not analysed by Cloudsplaining (its default exclusions skip it)"}
        if f["kind"] == "admin-equivalent":
            return {"reason": "administrator: " + remit_only_admin(f, c)}
        if f["kind"] == "privilege-escalation":
            return {"reason": remit_only_path(f, c, p, export)}
        if f.get("access") == "conditional":
            return {"reason": "granted under conditions (Cloudsplaining skips statements with a Condition)",
                    "detail": "; ".join(f.get("conditions", [])[:2])}
        excluded = set(export[p]["policies"]) - c["policies"]
        if cat == "service-wildcard":
            candidates = [a for a in [representative(it["service"], p)] if a]
        else:
            names = sorted(finding_actions(f))
            uncounted = [a for a in names if a not in counted.get(cat, set())]
            if names and len(uncounted) == len(names):
                return {"reason": f"actions Cloudsplaining does not count as {cat}", "detail": ", ".join(names[:6])}
            candidates = [a for a in names if a not in uncounted] + uncounted
        for a in candidates:
            grants = [(n, i, na, pats) for n, doc in export[p]["documents"] for i, na, pats in unconditional_grants(doc, a)]
            if not grants:
                continue
            where = "; ".join(f"{n} #{i} ({'NotAction' if na else 'Action'} {', '.join(pats[:3])})" for n, i, na, pats in grants[:3])
            detail = f"{a}: {where}"
            if all(n in excluded for n, _, _, _ in grants):
                return {"reason": "granted by a policy Cloudsplaining's default exclusions skip", "detail": detail}
            if cat == "service-wildcard":
                if any(na for _, _, na, _ in grants):
                    return {"reason": "granted by a NotAction statement (Cloudsplaining's service wildcard reads only Action)", "detail": detail}
                return {"reason": f"granted by narrower patterns that cover the service (Cloudsplaining looks for {it['service']}:* only)",
                        "detail": detail}
            if a not in counted.get(cat, set()):
                return {"reason": f"actions Cloudsplaining does not count as {cat}", "detail": detail}
            return {"reason": f"Cloudsplaining reads the granting statement but does not report it as {cat}", "detail": detail}
        for a in candidates:
            grants = [(n, i) for n, doc in export[p]["documents"] for i, _, _ in unconditional_grants(doc, a, conditional=True)]
            if grants:
                return {"reason": "granted under conditions (Cloudsplaining skips statements with a Condition)",
                        "detail": f"{a}: " + "; ".join(f"{n} #{i}" for n, i in grants[:3])}
        return {"reason": "other", "detail": ", ".join(candidates[:4])}

    for name in CS_ROWS:
        items = [i for i in rows[name].remit_only if "finding" in i]
        classify_groups(items, lambda i: (sig(i["principal"]), i["category"], i.get("service"), i["finding"]["rule"],
                                          i["finding"].get("access")), remit_only_verdict)
        for i in items:
            del i["finding"]
    return rows


def remit_only_admin(f, c):
    srcs = " ".join(e.get("source", "") for e in f.get("evidence", []))
    if c is None:
        return "principal not analysed by Cloudsplaining (excluded by its default exclusions)"
    if f.get("access") == "conditional":
        return "administrator under conditions (Cloudsplaining skips statements with a Condition)"
    if f["rule"] == "aws-admin-iam":
        return "IAM administrator (every IAM write on every IAM resource) without Action *"
    if "AdministratorAccess" in srcs:
        return "AdministratorAccess (excluded by Cloudsplaining's default exclusions)"
    if "NotAction" in srcs or "PowerUser" in srcs:
        return "NotAction or a combination of policies that leaves out nothing"
    return "every action allowed without a single Action * statement (NotAction, or several policies together)"


def grant_kind(p, action, export):
    """How the principal's own policies grant `action`: `*` without a condition in one of them
    (the policies), only with a condition, or only on named resources (or through NotResource)."""
    star = [n for n, doc in export[p]["documents"] if unconditional_grants(doc, action)]
    if star:
        return "star", star
    if any(unconditional_grants(doc, action, conditional=True) for _, doc in export[p]["documents"]):
        return "conditional", []
    return "named", []


def remit_only_path(f, c, p=None, export=None):
    if c is None:
        return "principal not analysed by Cloudsplaining (excluded by its default exclusions)"
    if f["kind"] == "admin-equivalent":
        return "administrator (Cloudsplaining reports no escalation method for it): " + remit_only_admin(f, c)
    path = f.get("path", [])
    first = path[0] if path else {}
    techniques = [s["technique"] for s in path]
    if first.get("technique") == "aws-assume-role":
        return "role chain: sts:AssumeRole into a stronger role (Cloudsplaining does not follow trust policies)"
    if any("workloads not collected" in x for x in f.get("conditions", [])):
        return "a step needs a workload of a kind the bundle does not list (Remit keeps the path as conditional)"
    if f.get("access") == "conditional" and first.get("access") == "conditional":
        return "the first step is granted under conditions (Cloudsplaining skips statements with a Condition)"
    actions = sorted({x.split(" ", 1)[0] for x in first.get("permissions", [])})
    if p and export and actions:
        kinds = {a: grant_kind(p, a, export) for a in actions}
        named = [a for a, (k, _) in kinds.items() if k == "named"]
        if named:
            return f"the first step's {named[0]} is granted on named resources only (Cloudsplaining flags only Resource: *)"
        if any(k == "conditional" for k, _ in kinds.values()):
            return "the first step is granted under conditions (Cloudsplaining skips statements with a Condition)"
        excluded = set(export[p]["policies"]) - c["policies"]
        if all(set(pols) <= excluded for _, pols in kinds.values()):
            return "the first step is granted by a policy Cloudsplaining's default exclusions skip"
        common = set.intersection(*(set(pols) - excluded for _, pols in kinds.values()))
        if not common:
            return "the first step's actions come from several policies together (Cloudsplaining reads one policy at a time)"
    return "technique Cloudsplaining does not list: " + ", ".join(techniques)


# ---------------------------------------------------------------------------------------------
# Remit vs PMapper (on the moto account).


def pmapper_view(storage, account, privesc_text):
    nodes = json.load(open(os.path.join(storage, account, "graph", "nodes.json")))
    by_name = {}
    admin = {}
    for n in nodes:
        arn = n["arn"]
        res = arn.split(":", 5)[-1].split("/")
        by_name[f"{res[0]}/{res[-1]}"] = arn
        admin[arn] = bool(n.get("is_admin"))
    privesc = {}
    current = None
    for line in privesc_text.splitlines():
        m = re.match(r"^(\S+) can escalate privileges by accessing the administrative principal (\S+):$", line)
        if m:
            current = by_name.get(m.group(1), m.group(1))
            privesc[current] = {"admin": by_name.get(m.group(2), m.group(2)), "edges": []}
        elif current and line.startswith("   "):
            privesc[current]["edges"].append(line.strip())
        else:
            current = None
    return admin, privesc


def compare_pmapper(admin, privesc, rv, gt, engine, export):
    rows = {name: Row(name) for name in PM_ROWS}
    principals = sorted(admin)
    service_linked = {p for p in principals if p.split(":", 5)[-1].startswith("role/aws-service-role/")}

    def one_step_self(f):
        path = (f or {}).get("path", [])
        return len(path) == 1 and path[0]["technique"] in SELF_TECHNIQUES

    for p in principals:
        r = rv[p]
        pa, pe = admin[p], p in privesc
        ra, re_ = r["admin"], r["escalation"]
        # administrator
        row = rows["administrator"]
        if pa and (ra or one_step_self(re_)):
            row.both.append({"principal": p, "remit": remit_says(ra or re_)})
        elif pa:
            row.peer_only.append({"principal": p, "peer": "is_admin"})
        elif ra:
            row.remit_only.append({"principal": p, "remit": remit_says(ra), "reason": pm_remit_only_admin(ra, p, privesc)})
        # escalation
        row = rows["privilege-escalation"]
        if pe and (re_ or ra):
            row.both.append({"principal": p})
        elif pe:
            row.peer_only.append({"principal": p, "peer": privesc[p]["edges"], "admin": privesc[p]["admin"]})
        elif re_ and not (pa and one_step_self(re_)):
            row.remit_only.append({"principal": p, "remit": remit_says(re_), "reason": pm_remit_only_path(re_, pa),
                                   "detail": "; ".join(re_.get("conditions", [])[:3])})
        # either
        row = rows["administrator or privilege-escalation"]
        if (pa or pe) and (ra or re_):
            row.both.append({"principal": p})
        elif pa or pe:
            row.peer_only.append({"principal": p, "peer": "is_admin" if pa else privesc[p]["edges"]})
        elif ra or re_:
            f = ra or re_
            row.remit_only.append({"principal": p, "remit": remit_says(f),
                                   "reason": pm_remit_only_admin(f, p, privesc) if ra else pm_remit_only_path(f, False)})

    def check(p, steps):
        """Remit's engine on each (action, resource) a claim rests on: the first that is taken away."""
        for action, resource in steps:
            e = engine.explain(p, action, resource)
            if e["decision"] not in ("allowed", "conditional"):
                return action, resource, e
        return None

    def admin_verdict(p):
        kind = "User" if ":user/" in p else "Role"
        # PMapper's admin checks, in its order: change its own inline policy, attach
        # AdministratorAccess to itself, create a role and give it a policy, a new version of a
        # customer-managed policy it holds, its groups' policies.
        claims = [[(f"iam:Put{kind}Policy", p)], [(f"iam:Attach{kind}Policy", p)],
                  [("iam:CreateRole", "*"), ("iam:AttachRolePolicy", "*")], [("iam:CreateRole", "*"), ("iam:PutRolePolicy", "*")]]
        for steps in claims:
            if not check(p, steps):
                return {"verdict": "remit-miss", "reason": f"Remit's engine allows {' + '.join(a for a, _ in steps)} (PMapper's admin check)"}
        action, resource, e = check(p, claims[0])
        return {"verdict": "peer-false-positive",
                "reason": f"{action} on itself is taken away: " + neutralizer(e, action, export.get(p, {}).get("boundary"))}

    def edge_claim(edge, p, target):
        """What a PMapper edge rests on, as (action, resource) pairs, and facts to check."""
        if "sts:AssumeRole" in edge:
            return [("sts:AssumeRole", target)], None
        if "update the trust document" in edge:
            return [("iam:UpdateAssumeRolePolicy", target)], None
        if "create access keys" in edge:
            return [("iam:CreateAccessKey", target)], None
        if "login profile" in edge or "set the password" in edge:
            return [("iam:CreateLoginProfile", target)], None
        if "use EC2 to run an instance" in edge:
            steps = [("iam:PassRole", target), ("ec2:RunInstances", "*")]
            if not export.get(target, {}).get("instanceProfiles"):
                steps += [("iam:CreateInstanceProfile", "*")]
            return steps, "instance-profile"
        if "ssm:SendCommand" in edge or "ssm:StartSession" in edge:
            return [("ssm:SendCommand" if "SendCommand" in edge else "ssm:StartSession", "*")], "instance"
        return None, None

    def path_verdict(it):
        p = it["principal"]
        for edge in it["peer"]:
            m = re.match(r"^(?:\(.*?\) )?(\S+) (.*) (\S+)$", edge)
            source = m.group(1) if m else ""
            if source and not p.endswith(source.split("/")[-1]):
                continue  # a later edge, taken by another principal of the path
            target_name = m.group(3) if m else ""
            target = next((a for a in export if a.split(":", 5)[-1].split("/")[0] == target_name.split("/")[0]
                           and a.rsplit("/", 1)[-1] == target_name.split("/")[-1]), target_name)
            steps, fact = edge_claim(edge, p, target)
            if steps is None:
                return {"verdict": "unclassified", "reason": f"PMapper edge not checked by this script: {edge}"}
            if fact == "instance" and not export.get(target, {}).get("instanceProfiles"):
                return {"verdict": "peer-false-positive",
                        "reason": "no instance profile holds the role, so no EC2 instance can run as it (PMapper reads the "
                                  "role's empty InstanceProfileList as having one)",
                        "detail": edge}
            failed = check(p, steps)
            if failed:
                action, resource, e = failed
                why = neutralizer(e, action, export.get(p, {}).get("boundary"))
                if action == "iam:CreateInstanceProfile":
                    why = ("the role has no instance profile and the principal cannot create one: " + why +
                           " (PMapper reads the role's empty InstanceProfileList as having one)")
                return {"verdict": "peer-false-positive", "reason": f"{action} on {resource.split(':', 5)[-1]} is taken away: {why}",
                        "detail": edge}
            return {"verdict": "remit-miss", "reason": f"Remit's engine allows every action of PMapper's edge: {edge}"}
        return {"verdict": "unclassified", "reason": "no edge of this principal"}

    def verdict(it, decide):
        if it["principal"] in service_linked:
            return {"verdict": "peer-false-positive",
                    "reason": "a service-linked role: only its AWS service can use it, and AWS denies changing its trust or policies"}
        return decide(it)

    for it in rows["administrator"].peer_only:
        it.update(verdict(it, lambda i: admin_verdict(i["principal"])))
    for it in rows["privilege-escalation"].peer_only:
        it.update(verdict(it, path_verdict))
    for it in rows["administrator or privilege-escalation"].peer_only:
        it.update(verdict(it, lambda i: admin_verdict(i["principal"]) if i["peer"] == "is_admin" else path_verdict(i)))
    for row in rows.values():
        for it in row.peer_only:
            truth = gt_text(it["principal"], gt)
            if truth:
                it["generatedAccount"] = truth
    return rows


def pm_remit_only_admin(f, p, privesc):
    if f.get("access") == "conditional":
        return "administrator under conditions PMapper evaluates as false (it decides with an empty request context, MFA aside)"
    if f["rule"] == "aws-admin-iam":
        return "IAM administrator that PMapper's five admin checks do not cover"
    return "full administrator that PMapper's admin checks do not recognise"


def pm_remit_only_path(f, peer_admin):
    path = f.get("path", [])
    techniques = [s["technique"] for s in path]
    conditions = f.get("conditions", [])
    if peer_admin:
        return "PMapper counts it as an administrator (its admin checks include this escalation)"
    unmodelled = [t for t in techniques if t not in PMAPPER_TECHNIQUES]
    if unmodelled:
        return "technique PMapper has no edge checker for: " + ", ".join(sorted(set(unmodelled)))
    if any("workloads not collected" not in c for c in conditions):
        return ("a step is granted under request conditions (region, MFA ...) that PMapper, deciding with an empty "
                "request context, reads as denied")
    if any("workloads not collected" in c for c in conditions):
        return ("a step needs a workload of a kind Remit's collector does not list (kept as a conditional path); "
                "PMapper lists them through the API, and moto has none")
    scoped = [x for x in (path[0].get("permissions", []) if path else []) if ":iam::" not in x and " on *" not in x]
    if scoped:
        return ("the principal may create the compute only under names its policy allows: PMapper asks for it on `*` "
                f"(Remit decides on a name the statement allows: {scoped[0]})")
    return "path of techniques PMapper models: " + " → ".join(techniques)


# ---------------------------------------------------------------------------------------------
# Runs.


def remit_scan(remit, bundle, out):
    m = measured([remit, "scan", bundle, "--format", "json", "--no-record", "--out", out])
    if m["status"] != 0:
        raise SystemExit(f"remit scan failed: {m['stderr'][-2000:]}")
    return m, json.load(open(out))


def cloudsplaining_scan(peers, export, out):
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    m = measured([os.path.join(peers, "venv", "bin", "cloudsplaining"), "scan", "-i", export, "-o", out, "-s"])
    files = glob.glob(os.path.join(out, "iam-results-*.json"))
    if m["status"] != 0 or not files:
        raise SystemExit(f"cloudsplaining failed on {export}: {m['stderr'][-2000:]}")
    return m, json.load(open(files[0]))


def timing(m):
    return {"seconds": round(m["seconds"], 3), "peakMiB": round(m["peakMiB"], 1)}


def run_cloudsplaining_comparison(args, remit, size, sensitive):
    bundle = os.path.join(args.work, f"{size}-seed{args.seed}")
    log(f"== {size}: generating {bundle}")
    generate(remit, size, args.seed, bundle)
    export = glob.glob(os.path.join(bundle, "accounts", "*", "authorization-details.json"))
    if len(export) != 1:
        raise SystemExit(f"{bundle}: expected one account")
    export = export[0]
    log(f"== {size}: remit scan")
    rm, report = remit_scan(remit, bundle, os.path.join(args.work, f"{size}-remit-scan.json"))
    log(f"== {size}: cloudsplaining scan ({rm['seconds']:.2f} s for remit)")
    cm, _ = cloudsplaining_scan(args.peers, export, os.path.join(args.work, f"{size}-cloudsplaining"))
    out = {
        "bundle": bundle,
        "principals": report["summary"]["principals"],
        "remit": timing(rm) | {"open": report["summary"]["open"], "byKind": report["summary"]["byKind"]},
        "cloudsplaining": timing(cm),
        "speedRatio": round(cm["seconds"] / rm["seconds"], 1),
        "memoryRatio": round(cm["peakMiB"] / rm["peakMiB"], 1),
    }
    log(f"== {size}: comparing ({cm['seconds']:.1f} s for cloudsplaining)")
    return out | classify_generated(args, remit, size, sensitive)


def classify_generated(args, remit, size, sensitive):
    """The comparison of a generated size, from the outputs its run saved under --work."""
    bundle = os.path.join(args.work, f"{size}-seed{args.seed}")
    export = glob.glob(os.path.join(bundle, "accounts", "*", "authorization-details.json"))[0]
    report = json.load(open(os.path.join(args.work, f"{size}-remit-scan.json")))
    results = json.load(open(glob.glob(os.path.join(args.work, f"{size}-cloudsplaining", "iam-results-*.json"))[0]))
    started = time.monotonic()
    engine = Engine(remit, bundle)
    rows = compare_cloudsplaining(cloudsplaining_view(results), remit_view(report), read_export(export),
                                  ground_truth(bundle), engine, sensitive)
    log(f"== {size}: classified in {time.monotonic() - started:.0f} s ({engine.calls} remit what-can/explain calls)")
    return {"classificationCalls": engine.calls,
            "comparisons": {"cloudsplaining": {name: row.json() for name, row in rows.items()}}}


def run_moto_comparison(args, remit, sensitive):
    venv = os.path.join(args.peers, "venv", "bin")
    size = args.moto_size
    bundle = os.path.join(args.work, f"{size}-seed{args.seed}")
    log(f"== moto: generating {bundle}")
    generate(remit, size, args.seed, bundle)
    export = glob.glob(os.path.join(bundle, "accounts", "*", "authorization-details.json"))[0]
    generated_account = export.split(os.sep)[-2]
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    home = os.path.join(args.work, "moto-home")
    shutil.rmtree(home, ignore_errors=True)
    os.makedirs(home)
    env = dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="true", AWS_ENDPOINT_URL=endpoint,
               AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
               HOME=home, XDG_DATA_HOME=os.path.join(home, "data"))
    env.pop("PMAPPER_STORAGE", None)
    env.pop("AWS_PROFILE", None)
    moto = subprocess.Popen([os.path.join(venv, "moto_server"), "-H", "127.0.0.1", "-p", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = {"bundle": bundle, "size": size}
    try:
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        log("== moto: loading the export")
        # The export's documents name its account (resources, trust): in moto's account they
        # would name another. Loaded with the account id rewritten to moto's.
        rewritten = os.path.join(args.work, "moto-input-authorization-details.json")
        with open(export) as src, open(rewritten, "w") as dst:
            dst.write(src.read().replace(generated_account, MOTO_ACCOUNT))
        m = measured([os.path.join(venv, "python"), os.path.join(ROOT, "scripts", "load-into-moto.py"), rewritten, endpoint], env=env)
        if m["status"] != 0:
            raise SystemExit(f"loading into moto failed: {m['stderr'][-2000:]}")
        out["load"] = timing(m) | {"loaded": json.loads(m["stdout"].strip().splitlines()[-1])}
        # load-into-moto.py leaves out instance profiles, which EC2 escalations need: add the export's.
        m = measured([os.path.join(venv, "python"), "-c", INSTANCE_PROFILES, rewritten, endpoint], env=env)
        if m["status"] != 0:
            raise SystemExit(f"adding instance profiles failed: {m['stderr'][-2000:]}")
        out["instanceProfiles"] = json.loads(m["stdout"].strip().splitlines()[-1])
        log("== moto: remit collect + scan")
        collected = os.path.join(args.work, "moto-collected")
        shutil.rmtree(collected, ignore_errors=True)
        m = measured([remit, "collect", "aws", "--endpoint-url", endpoint, "--region", "us-east-1", "--out", collected], env=env)
        if m["status"] not in (0, 1):
            raise SystemExit(f"remit collect failed: {m['stderr'][-2000:]}")
        out["remitCollect"] = timing(m)
        rm, report = remit_scan(remit, collected, os.path.join(args.work, "moto-remit-scan.json"))
        out["remitScan"] = timing(rm)
        log("== moto: pmapper graph create (minutes)")
        m = measured([os.path.join(venv, "pmapper"), "graph", "create", "--include-regions", "us-east-1"], env=env)
        if m["status"] != 0:
            raise SystemExit(f"pmapper graph create failed: {m['stderr'][-2000:]}")
        out["pmapperGraph"] = timing(m)
        m = measured([os.path.join(venv, "pmapper"), "--account", MOTO_ACCOUNT, "query", "preset privesc *"], env=env)
        if m["status"] != 0:
            raise SystemExit(f"pmapper query failed: {m['stderr'][-2000:]}")
        out["pmapperPrivesc"] = timing(m)
        privesc_text = m["stdout"]
        with open(os.path.join(args.work, "moto-pmapper-privesc.txt"), "w") as f:
            f.write(privesc_text)
    finally:
        moto.terminate()
        moto.wait()
    collected_export = glob.glob(os.path.join(collected, "accounts", "*", "authorization-details.json"))[0]
    log("== moto: cloudsplaining on the collected export")
    # moto's GetAccountAuthorizationDetails leaves out PolicyName and PolicyId of managed policies,
    # which Cloudsplaining needs: a copy with them filled in from the ARN.
    shimmed = os.path.join(args.work, "moto-authorization-details-for-cloudsplaining.json")
    details = json.load(open(collected_export))
    for pol in details.get("Policies", []):
        pol.setdefault("PolicyName", pol["Arn"].rsplit("/", 1)[-1])
        pol.setdefault("PolicyId", "ANPA" + hashlib.sha1(pol["Arn"].encode()).hexdigest()[:17].upper())
    json.dump(details, open(shimmed, "w"))
    cm, _ = cloudsplaining_scan(args.peers, shimmed, os.path.join(args.work, "moto-cloudsplaining"))
    out["cloudsplaining"] = timing(cm)
    out["principals"] = report["summary"]["principals"]
    return out | classify_moto(args, remit, sensitive)


def classify_moto(args, remit, sensitive):
    """The comparison on the account built in moto, from the outputs its run saved under --work."""
    out = {}
    bundle = os.path.join(args.work, f"{args.moto_size}-seed{args.seed}")
    export = glob.glob(os.path.join(bundle, "accounts", "*", "authorization-details.json"))[0]
    generated_account = export.split(os.sep)[-2]
    collected = os.path.join(args.work, "moto-collected")
    collected_export = glob.glob(os.path.join(collected, "accounts", "*", "authorization-details.json"))[0]
    report = json.load(open(os.path.join(args.work, "moto-remit-scan.json")))
    results = json.load(open(glob.glob(os.path.join(args.work, "moto-cloudsplaining", "iam-results-*.json"))[0]))
    privesc_text = open(os.path.join(args.work, "moto-pmapper-privesc.txt")).read()
    storage = os.path.join(args.work, "moto-home", "data", "principalmapper")
    admin, privesc = pmapper_view(storage, MOTO_ACCOUNT, privesc_text)
    rv = remit_view(report)
    gt = ground_truth(bundle, {generated_account: MOTO_ACCOUNT}, moto=True)
    # What moto changed of the account (both tools read it as changed).
    before = read_export(export)
    after = read_export(collected_export)
    dropped = sorted(a.replace(generated_account, MOTO_ACCOUNT) for a, v in before.items()
                     if v["boundary"] and not (after.get(a.replace(generated_account, MOTO_ACCOUNT)) or {}).get("boundary"))
    out["motoDroppedBoundaries"] = dropped
    engine = Engine(remit, collected)
    log("== moto: comparing")
    rows = compare_pmapper(admin, privesc, rv, gt, engine, after)
    cs_rows = compare_cloudsplaining(cloudsplaining_view(results), rv, after, gt, engine, sensitive)
    out["pmapperAdmins"] = sum(admin.values())
    out["pmapperPrivescPrincipals"] = len(privesc)
    out["classificationCalls"] = engine.calls
    out["comparisons"] = {"pmapper": {n: r.json() for n, r in rows.items()},
                          "cloudsplaining": {n: r.json() for n, r in cs_rows.items()}}
    return out


# Run with the peers' Python (boto3): creates each role's instance profiles of the export in moto.
INSTANCE_PROFILES = """
import json, sys, boto3
export, endpoint = json.load(open(sys.argv[1])), sys.argv[2]
iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
made, refused = 0, 0
for r in export.get("RoleDetailList", []):
    for ip in r.get("InstanceProfileList", []):
        try:
            try:
                iam.create_instance_profile(InstanceProfileName=ip["InstanceProfileName"], Path=ip.get("Path", "/"))
            except iam.exceptions.EntityAlreadyExistsException:
                pass
            iam.add_role_to_instance_profile(InstanceProfileName=ip["InstanceProfileName"], RoleName=r["RoleName"])
            made += 1
        except Exception as e:
            refused += 1
            print(f"refused instance profile: {e}", file=sys.stderr)
print(json.dumps({"instanceProfiles": made, "refused": refused}))
"""


def versions(peers, remit):
    def first_line(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
        except Exception:
            return None
    pip = subprocess.run([os.path.join(peers, "venv", "bin", "python"), "-m", "pip", "list", "--format", "json"],
                         capture_output=True, text=True)
    pkgs = {p["name"].lower(): p["version"] for p in json.loads(pip.stdout or "[]")}
    return {"remit": first_line([remit, "--version"]), "cloudsplaining": pkgs.get("cloudsplaining"),
            "principalmapper": pkgs.get("principalmapper"), "moto": pkgs.get("moto")}


def print_tables(results):
    def pct(x):
        return "—" if x is None else f"{100 * x:.0f}%"

    for run, data in results["runs"].items():
        for peer, rows in data.get("comparisons", {}).items():
            print(f"\n### {run}: Remit vs {peer}\n")
            print("| category | peer | Remit | both | peer only | of which Remit misses | peer false positives | Remit only | recall of the peer's true findings |")
            print("|---|---|---|---|---|---|---|---|---|")
            for name, row in rows.items():
                s = row["summary"]
                other = s["peerOnly"] - s["remitMisses"] - s["peerFalsePositives"] - s["foundElsewhere"]
                fp = f"{s['peerFalsePositives']}" + (f" (+{other} scoped to named resources)" if other else "")
                both = f"{s['both']}" + (f" (+{s['foundElsewhere']} in another category)" if s["foundElsewhere"] else "")
                print(f"| {name} | {s['peer']} | {s['remit']} | {both} | {s['peerOnly']} | {s['remitMisses']} | {fp} | {s['remitOnly']} | {pct(s['recall'])} |")
    print("\n### time and peak memory\n")
    print("| run | principals | Remit | Remit peak | Cloudsplaining | Cloudsplaining peak | Cloudsplaining / Remit, time (memory) "
          "| PMapper | PMapper peak | PMapper / Remit, time |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for run, d in results["runs"].items():
        cs = d["cloudsplaining"]
        if "remit" in d:
            r = d["remit"]
            remit = f"{r['seconds']:.2f} s (scan)"
            remit_s, remit_peak = r["seconds"], r["peakMiB"]
            pm = pm_peak = pm_ratio = "—"
        else:
            r = d["remitScan"]
            remit_s, remit_peak = d["remitCollect"]["seconds"] + r["seconds"], max(r["peakMiB"], d["remitCollect"]["peakMiB"])
            remit = f"{remit_s:.2f} s (collect {d['remitCollect']['seconds']:.2f} s + scan {r['seconds']:.2f} s)"
            pm_s = d["pmapperGraph"]["seconds"] + d["pmapperPrivesc"]["seconds"]
            pm = f"{pm_s:.1f} s (graph {d['pmapperGraph']['seconds']:.1f} s + privesc query {d['pmapperPrivesc']['seconds']:.1f} s)"
            pm_peak = f"{max(d['pmapperGraph']['peakMiB'], d['pmapperPrivesc']['peakMiB']):.0f} MiB"
            pm_ratio = f"{pm_s / remit_s:,.0f}× (against the scan alone {pm_s / r['seconds']:,.0f}×)"
        print(f"| {run} | {d['principals']:,} | {remit} | {remit_peak:.0f} MiB | {cs['seconds']:.1f} s | {cs['peakMiB']:.0f} MiB | "
              f"{cs['seconds'] / (r['seconds']):,.1f}× ({cs['peakMiB'] / r['peakMiB']:.1f}×) | {pm} | {pm_peak} | {pm_ratio} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--peers", required=True, help="the directory setup.sh installed the peer tools into")
    ap.add_argument("--sizes", default="medium,large", help="generated single-account sizes to compare with Cloudsplaining")
    ap.add_argument("--moto-size", default="small", help="the generated account loaded into moto for PMapper")
    ap.add_argument("--skip-moto", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", default=os.path.join(ROOT, "target", "compare-findings"))
    ap.add_argument("--remit", help="a remit binary (default: build and use target/release/remit)")
    ap.add_argument("--skip-build", action="store_true")
    ap.add_argument("--reclassify", action="store_true",
                    help="compare again from the outputs and measurements an earlier run saved under --work (no tool is rerun)")
    args = ap.parse_args()
    args.work = os.path.abspath(args.work)
    args.peers = os.path.abspath(args.peers)
    os.makedirs(args.work, exist_ok=True)
    remit = args.remit
    if not remit:
        if not args.skip_build:
            log("== building remit (release)")
            subprocess.run(["cargo", "build", "-q", "--release", "-p", "remit-cli"], cwd=ROOT, check=True)
        remit = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "remit")
    remit = os.path.abspath(remit)
    sensitive = sensitive_services()
    path = os.path.join(args.work, "results.json")
    if args.reclassify:
        results = json.load(open(path))
        for run, data in results["runs"].items():
            log(f"== {run}: comparing again")
            data.update(classify_moto(args, remit, sensitive) if run.startswith("moto") else classify_generated(args, remit, run, sensitive))
        results["reclassified"] = datetime.date.today().isoformat()
        json.dump(results, open(path, "w"), indent=1)
        print_tables(results)
        return
    results = {
        "date": datetime.date.today().isoformat(),
        "machine": {"cores": os.cpu_count(), "system": platform.system(), "machine": platform.machine()},
        "seed": args.seed,
        "versions": versions(args.peers, remit),
        "remitSensitiveServices": sorted(sensitive),
        "runs": {},
    }
    if not args.skip_moto:
        results["runs"][f"moto ({args.moto_size})"] = run_moto_comparison(args, remit, sensitive)
        json.dump(results, open(path, "w"), indent=1)
    for size in [s for s in args.sizes.split(",") if s]:
        results["runs"][size] = run_cloudsplaining_comparison(args, remit, size, sensitive)
        json.dump(results, open(path, "w"), indent=1)
    log(f"== results: {path}")
    print_tables(results)


if __name__ == "__main__":
    main()
