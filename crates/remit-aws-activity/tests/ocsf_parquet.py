"""Parquet files of OCSF events for tests/ocsf.rs, written by pyarrow: a writer independent of
Remit, so that the tests read what another implementation wrote.

    python ocsf_parquet.py cloudtrail VERSION RECORDS.json OUT.parquet ROWS_PER_GROUP [CODEC]
        CloudTrail records (a JSON array) mapped to OCSF as the OCSF project's CloudTrail
        mappings say (ocsf/examples, mappings/markdown/AWS) and written with nested columns the
        way Amazon Security Lake stores them, compressed with CODEC (zstd, as Security Lake
        does, unless another is named: snappy, gzip, brotli, lz4, none). VERSION:
          1.1.0             Security Lake source version 2 (API Activity is class 6003)
          1.0.0-rc.2        source version 1 (class 3005; the ARN in actor.user.uuid,
                            requestParameters as JSON text in `unmapped`)
          1.0.0-rc.2-flat   the same with requestParameters only as flattened
                            `requestParameters.<name>` keys of `unmapped`
    python ocsf_parquet.py ocsf EVENTS.json OUT.parquet
        OCSF events (a JSON array) written as they are, the schema inferred by pyarrow.
    python ocsf_parquet.py zero IN.parquet OUT.parquet ROW_GROUP
        A copy of IN whose column chunks of ROW_GROUP are overwritten with zeros (a damaged
        row group; the footer is intact).
"""

import datetime
import json
import re
import shutil
import sys

import pyarrow as pa
import pyarrow.parquet as pq

S = pa.string()
MS = pa.timestamp("ms", tz="UTC")


def struct(**fields):
    return pa.struct([pa.field(name, t) for name, t in fields.items()])


COMMON = [
    ("activity_id", pa.int32()),
    ("category_uid", pa.int32()),
    ("class_uid", pa.int32()),
    ("severity_id", pa.int32()),
    ("type_uid", pa.int64()),
    ("status", S),
    ("time", pa.int64()),
    ("src_endpoint", struct(ip=S, domain=S, uid=S)),
    ("http_request", struct(user_agent=S)),
    ("observables", pa.list_(struct(name=S, type=S, type_id=pa.int32(), value=S))),
    ("unmapped", pa.map_(S, S)),
]

SCHEMA_1_1 = pa.schema(
    [
        ("metadata", struct(version=S, uid=S, event_code=S, profiles=pa.list_(S),
                            product=struct(name=S, vendor_name=S, version=S, feature=struct(name=S)))),
        ("time_dt", MS),
        ("actor", struct(
            user=struct(uid=S, uid_alt=S, type=S, name=S, credential_uid=S, account=struct(uid=S)),
            session=struct(issuer=S, is_mfa=pa.bool_(), created_time_dt=MS),
            invoked_by=S,
            idp=struct(name=S, uid=S))),
        ("api", struct(operation=S, version=S, service=struct(name=S), request=struct(uid=S, data=S),
                       response=struct(error=S, message=S, data=S))),
        ("cloud", struct(provider=S, region=S, account=struct(uid=S))),
        ("resources", pa.list_(struct(uid=S, type=S, owner=struct(account=struct(uid=S))))),
    ]
    + COMMON
)

SCHEMA_RC2 = pa.schema(
    [
        ("metadata", struct(version=S, uid=S, product=struct(name=S, vendor_name=S, version=S,
                                                               feature=struct(name=S)))),
        ("actor", struct(
            user=struct(uid=S, uuid=S, type=S, name=S, credential_uid=S, account_uid=S),
            session=struct(issuer=S, mfa=pa.bool_(), created_time=pa.int64()),
            invoked_by=S,
            idp=struct(name=S))),
        ("api", struct(operation=S, version=S, service=struct(name=S), request=struct(uid=S),
                       response=struct(error=S, message=S))),
        ("cloud", struct(provider=S, region=S)),
        ("resources", pa.list_(struct(uid=S, account_uid=S, type=S))),
    ]
    + COMMON
)


def epoch_ms(text):
    if not text:
        return None
    when = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(when.timestamp() * 1000)


def flatten(prefix, value, out):
    """OCSF's `unmapped` as Security Lake writes it: dotted keys, string values."""
    if isinstance(value, dict):
        for k, v in value.items():
            flatten(f"{prefix}.{k}" if prefix else k, v, out)
    elif value is not None:
        out.append((prefix, value if isinstance(value, str) else json.dumps(value)))


def to_ocsf(record, version):
    ui = record.get("userIdentity") or {}
    context = ui.get("sessionContext") or {}
    issuer = context.get("sessionIssuer") or {}
    web = context.get("webIdFederationData") or {}
    on_behalf = ui.get("onBehalfOf") or {}
    attributes = context.get("attributes") or {}
    params = record.get("requestParameters")
    sign_in = record.get("eventType") == "AwsConsoleSignIn"
    rc2 = version.startswith("1.0.0-rc.2")
    unmapped = []
    for key in ("sharedEventID", "readOnly", "managementEvent", "eventCategory"):
        flatten(key, record.get(key), unmapped)
    for key in ("accountId", "type", "principalId", "userName"):
        flatten(f"userIdentity.sessionContext.sessionIssuer.{key}", issuer.get(key), unmapped)
    flatten("userIdentity.sessionContext.sourceIdentity", context.get("sourceIdentity"), unmapped)
    time = epoch_ms(record.get("eventTime"))
    row = {
        "class_uid": (3002 if sign_in else 3005) if rc2 else (3002 if sign_in else 6003),
        "category_uid": 3 if rc2 or sign_in else 6,
        "activity_id": 99,
        "severity_id": 1,
        "status": "Failure" if record.get("errorCode") else "Success",
        "time": time,
        "src_endpoint": {"ip": record.get("sourceIPAddress")},
        "http_request": {"user_agent": record.get("userAgent")},
        "observables": [{"name": "actor.user.name", "type": "User Name", "type_id": 4, "value": ui["userName"]}]
        if ui.get("userName") else [],
        "metadata": {
            "version": "1.0.0-rc.2" if rc2 else version,
            "uid": record.get("eventID"),
            "product": {"name": "CloudTrail", "vendor_name": "AWS", "version": record.get("eventVersion"),
                        "feature": {"name": record.get("eventCategory", "Management")}},
        },
        "api": {
            "operation": record.get("eventName"),
            "version": record.get("apiVersion"),
            "service": {"name": record.get("eventSource")},
            "response": {"error": record.get("errorCode"), "message": record.get("errorMessage")},
        },
    }
    idp_name = ui.get("identityProvider") or web.get("federatedProvider")
    if rc2:
        row["actor"] = {
            "user": {"uid": ui.get("principalId"), "uuid": ui.get("arn"), "type": ui.get("type"),
                     "name": ui.get("userName"), "credential_uid": ui.get("accessKeyId"),
                     "account_uid": ui.get("accountId")},
            "session": {"issuer": issuer.get("arn"), "mfa": attributes.get("mfaAuthenticated") == "true"}
            if context else None,
            "invoked_by": ui.get("invokedBy"),
            "idp": {"name": idp_name} if idp_name else None,
        }
        row["api"]["request"] = {"uid": record.get("requestID")}
        row["cloud"] = {"provider": "AWS", "region": record.get("awsRegion")}
        row["resources"] = [{"uid": r.get("ARN"), "account_uid": r.get("accountId"), "type": r.get("type")}
                            for r in record.get("resources") or []]
        # onBehalfOf postdates OCSF 1.0.0-rc.2's mapping: unmapped, as every field without one.
        flatten("userIdentity.onBehalfOf", on_behalf or None, unmapped)
        flatten("recipientAccountId", record.get("recipientAccountId"), unmapped)
        flatten("eventType", record.get("eventType"), unmapped)
        if isinstance(params, dict):
            if version.endswith("-flat"):
                flatten("requestParameters", params, unmapped)
            else:
                unmapped.append(("requestParameters", json.dumps(params)))
    else:
        # The conditional mapping: onBehalfOf's user in uid_alt, the Identity Store in idp.uid.
        row["actor"] = {
            "user": {"uid": ui.get("arn"), "uid_alt": on_behalf.get("userId") or ui.get("principalId"),
                     "type": ui.get("type"), "name": ui.get("userName"), "credential_uid": ui.get("accessKeyId"),
                     "account": {"uid": ui.get("accountId")}},
            "session": {"issuer": issuer.get("arn"), "is_mfa": attributes.get("mfaAuthenticated") == "true",
                        "created_time_dt": epoch_ms(attributes.get("creationDate"))} if context else None,
            "invoked_by": ui.get("invokedBy"),
            "idp": {"name": idp_name, "uid": on_behalf.get("identityStoreArn")}
            if idp_name or on_behalf else None,
        }
        row["metadata"]["event_code"] = record.get("eventType")
        row["time_dt"] = time
        row["api"]["request"] = {"uid": record.get("requestID"),
                                 "data": json.dumps(params) if params is not None else None}
        row["cloud"] = {"provider": "AWS", "region": record.get("awsRegion"),
                        "account": {"uid": record.get("recipientAccountId")}}
        row["resources"] = [{"uid": r.get("ARN"), "type": r.get("type"),
                             "owner": {"account": {"uid": r.get("accountId")}}}
                            for r in record.get("resources") or []]
    row["unmapped"] = unmapped
    return row


def lenient_json(text):
    # Two of the OCSF project's samples have a comma before a closing brace.
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", text))


def main(argv):
    mode = argv[1]
    if mode == "cloudtrail":
        version, source, out, per_group = argv[2], argv[3], argv[4], int(argv[5])
        codec = argv[6] if len(argv) > 6 else "zstd"
        with open(source) as f:
            records = json.load(f)
        schema = SCHEMA_RC2 if version.startswith("1.0.0-rc.2") else SCHEMA_1_1
        table = pa.Table.from_pylist([to_ocsf(r, version) for r in records], schema=schema)
        pq.write_table(table, out, compression=codec, row_group_size=per_group)
    elif mode == "ocsf":
        source, out = argv[2], argv[3]
        with open(source) as f:
            events = lenient_json(f.read())
        pq.write_table(pa.Table.from_pylist(events), out, compression="zstd")
    elif mode == "zero":
        source, out, group = argv[2], argv[3], int(argv[4])
        shutil.copyfile(source, out)
        meta = pq.ParquetFile(source).metadata.row_group(group)
        with open(out, "r+b") as f:
            for i in range(meta.num_columns):
                column = meta.column(i)
                start = column.dictionary_page_offset or column.data_page_offset
                f.seek(start)
                f.write(b"\0" * column.total_compressed_size)
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv)
