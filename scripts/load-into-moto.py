#!/usr/bin/env python3
"""Loads one `aws iam get-account-authorization-details` export into a moto server (IAM only),
so that PMapper, which reads a live API, runs on the same account as the offline tools.

usage: load-into-moto.py EXPORT.json ENDPOINT   (run with a Python that has boto3, e.g. the
peer tools' venv)

Permissions boundaries are set where entities are created (moto implements the parameter of
CreateUser/CreateRole, not PutUserPermissionsBoundary). Anything moto refuses is counted and
reported on the last line as JSON, so that a comparison can say what PMapper did not see.
"""
import json
import sys

import boto3

export, endpoint = json.load(open(sys.argv[1])), sys.argv[2]
iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
refused = {}


def attempt(what, call, **kwargs):
    try:
        return call(**kwargs)
    except Exception as e:  # moto's refusal: counted, not fatal
        refused[what] = refused.get(what, 0) + 1
        print(f"refused {what}: {e}", file=sys.stderr)
        return None


# Customer-managed policies get the moto account's ARNs; AWS-managed ones keep theirs.
arns = {}
for p in export.get("Policies", []):
    if ":aws:policy/" in p["Arn"]:
        continue
    doc = next(v["Document"] for v in p["PolicyVersionList"] if v.get("IsDefaultVersion"))
    r = attempt("policy", iam.create_policy, PolicyName=p["PolicyName"], Path=p.get("Path", "/"),
                PolicyDocument=json.dumps(doc))
    if r:
        arns[p["Arn"]] = r["Policy"]["Arn"]


def arn(a):
    return arns.get(a, a)


def boundary(entity):
    b = (entity.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    return {"PermissionsBoundary": arn(b)} if b else {}


for g in export.get("GroupDetailList", []):
    attempt("group", iam.create_group, GroupName=g["GroupName"], Path=g.get("Path", "/"))
    for ip in g.get("GroupPolicyList", []):
        attempt("group inline policy", iam.put_group_policy, GroupName=g["GroupName"], PolicyName=ip["PolicyName"],
                PolicyDocument=json.dumps(ip["PolicyDocument"]))
    for a in g.get("AttachedManagedPolicies", []):
        attempt("group attachment", iam.attach_group_policy, GroupName=g["GroupName"], PolicyArn=arn(a["PolicyArn"]))
for u in export.get("UserDetailList", []):
    if not attempt("user", iam.create_user, UserName=u["UserName"], Path=u.get("Path", "/"), **boundary(u)):
        continue
    for ip in u.get("UserPolicyList", []):
        attempt("user inline policy", iam.put_user_policy, UserName=u["UserName"], PolicyName=ip["PolicyName"],
                PolicyDocument=json.dumps(ip["PolicyDocument"]))
    for a in u.get("AttachedManagedPolicies", []):
        attempt("user attachment", iam.attach_user_policy, UserName=u["UserName"], PolicyArn=arn(a["PolicyArn"]))
    for g in u.get("GroupList", []):
        attempt("group membership", iam.add_user_to_group, GroupName=g, UserName=u["UserName"])
for r in export.get("RoleDetailList", []):
    if not attempt("role", iam.create_role, RoleName=r["RoleName"], Path=r.get("Path", "/"),
                   AssumeRolePolicyDocument=json.dumps(r["AssumeRolePolicyDocument"]), **boundary(r)):
        continue
    for ip in r.get("RolePolicyList", []):
        attempt("role inline policy", iam.put_role_policy, RoleName=r["RoleName"], PolicyName=ip["PolicyName"],
                PolicyDocument=json.dumps(ip["PolicyDocument"]))
    for a in r.get("AttachedManagedPolicies", []):
        attempt("role attachment", iam.attach_role_policy, RoleName=r["RoleName"], PolicyArn=arn(a["PolicyArn"]))
print(json.dumps({"users": len(export.get("UserDetailList", [])), "roles": len(export.get("RoleDetailList", [])),
                  "policies": len(arns), "refused": refused}))
