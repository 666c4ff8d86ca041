//! The catalog's costs: decoding the embedded file (paid once per process, on first use),
//! expanding action patterns, and finding the resource type of an ARN and the type of a
//! condition key.
//!
//! `cargo bench -p remit-aws-catalog`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use remit_aws_catalog::{AccessLevel, Catalog};

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    group.sample_size(20);
    group.bench_function("embedded catalog", |b| {
        b.iter(|| Catalog::load_embedded().map(|catalog| black_box(catalog.action_count())))
    });
    group.finish();
}

fn queries(c: &mut Criterion) {
    let catalog = Catalog::aws();
    let mut group = c.benchmark_group("query");
    group.bench_function("action lookup", |b| b.iter(|| catalog.action(black_box("S3:GetObject"))));
    for pattern in ["s3:GetObject", "s3:Get*", "ec2:Describe*", "*", "*:Get*", "iam:*Policy*"] {
        group.bench_function(format!("expand {pattern}"), |b| b.iter(|| catalog.expand(black_box(pattern))));
    }
    let get = catalog.expand("s3:Get*");
    group.bench_function("intersect with a level", |b| {
        b.iter(|| black_box(&get) & catalog.actions_with_level(AccessLevel::Read))
    });
    for arn in
        ["arn:aws:s3:::bucket/key", "arn:aws:iam::123456789012:role/path/x", "arn:aws:ec2:us-east-1:1:instance/i-1"]
    {
        group
            .bench_function(format!("resource type of {arn}"), |b| b.iter(|| catalog.resource_type_of(black_box(arn))));
    }
    for key in ["aws:SourceIp", "aws:ResourceTag/Owner", "s3:ExistingObjectTag/classification"] {
        group.bench_function(format!("condition key {key}"), |b| b.iter(|| catalog.condition_key_type(black_box(key))));
    }
    group.finish();
}

criterion_group!(benches, decode, queries);
criterion_main!(benches);
