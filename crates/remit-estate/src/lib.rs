//! One estate: every cloud of an organization read from one bundle, and one person across them.
//!
//! Each cloud has its own importer and engine (`remit-aws-*`, `remit-azure`, `remit-gcp`), each
//! exact in its own terms. Users ask across them: "what can alice@corp.com do, anywhere?", "which
//! findings are there?". This crate loads the parts of a bundle a question needs (a question about
//! an Azure resource does not pay for indexing a large AWS organization), routes each question to
//! the engine of the cloud its names belong to (`route`), and ties every cloud identity to a
//! person (`identities` adapts each cloud's principals for `remit-people`).
//!
//! **Architecture invariant:** no cloud's semantics here: every decision is its engine's.

use std::path::{Path, PathBuf};

use remit_aws_analysis::AwsAnalysis;
use remit_azure::AzureAnalysis;
use remit_gcp::GcpAnalysis;
use remit_model::Cloud;
use remit_people::Directory;

pub mod identities;
mod queries;
pub mod route;

pub use queries::{CloudQueryError, IdentityAccess, PersonAccess, WhatCan};

/// Which parts of a bundle to load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts {
    /// The AWS accounts, organization and Identity Center.
    pub aws: bool,
    /// Every Azure tenant.
    pub azure: bool,
    /// Every Google Cloud organization.
    pub gcp: bool,
    /// The identity provider and HR feed, and the correlation of every identity to a person
    /// (which needs every cloud's identities: it loads them all).
    pub people: bool,
}

impl Parts {
    /// Everything.
    pub const ALL: Parts = Parts { aws: true, azure: true, gcp: true, people: true };

    /// Only one cloud.
    pub fn only(cloud: Cloud) -> Parts {
        Parts { aws: cloud == Cloud::Aws, azure: cloud == Cloud::Azure, gcp: cloud == Cloud::Gcp, people: false }
    }
}

/// An Azure tenant of the estate.
pub struct Tenant {
    /// The tenant id (its directory's name in the bundle).
    pub id: String,
    /// Its analysis.
    pub analysis: AzureAnalysis,
}

/// A Google Cloud organization of the estate.
pub struct Organization {
    /// The organization id (its directory's name in the bundle).
    pub id: String,
    /// Its analysis.
    pub analysis: GcpAnalysis,
}

/// Something of the bundle that could not be read; the rest was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// The cloud (or `people`).
    pub part: &'static str,
    /// The file, relative to the bundle.
    pub file: String,
    /// Where in the file (a JSON path, a line).
    pub location: String,
    /// What is wrong.
    pub message: String,
}

/// Why an estate could not be loaded at all.
#[derive(Debug, thiserror::Error)]
pub enum EstateError {
    /// The AWS part could not be read.
    #[error(transparent)]
    Aws(#[from] remit_aws_import::LoadError),
    /// A part of another cloud could not be read.
    #[error("{part} `{}`: {message}", path.display())]
    Part {
        /// `azure`, `gcp` or `people`.
        part: &'static str,
        /// The directory or file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Nothing of a cloud asked about is in the bundle.
    #[error("`{}` holds no {what}", path.display())]
    Missing {
        /// The bundle.
        path: PathBuf,
        /// What was looked for.
        what: String,
    },
}

/// Every cloud of the bundle that was asked for, and the people behind their identities.
pub struct Estate {
    /// The bundle.
    pub path: PathBuf,
    /// The AWS part, when the bundle has one and it was asked for.
    pub aws: Option<AwsAnalysis>,
    /// The Azure tenants.
    pub azure: Vec<Tenant>,
    /// The Google Cloud organizations.
    pub gcp: Vec<Organization>,
    /// The people, when asked for.
    pub people: Option<Directory>,
    /// True when the bundle has a `people/` directory (identity provider, HR feed): without it,
    /// every machine identity would be "without an owner" for want of looking.
    pub people_collected: bool,
    /// What could not be read (the AWS part keeps its own, in its environment).
    pub issues: Vec<Issue>,
}

/// True when `path` holds an AWS part: a bundle's AWS entries, or one exported file.
pub fn has_aws(path: &Path) -> bool {
    !path.is_dir()
        || ["bundle.json", "accounts", "organization", "identity-center"].iter().any(|e| path.join(e).exists())
}

/// The sub-directories of `path/part`, sorted (each a tenant or an organization).
fn sub_directories(path: &Path, part: &'static str) -> Result<Vec<(String, PathBuf)>, EstateError> {
    let dir = path.join(part);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let read = |e: std::io::Error| EstateError::Part { part, path: dir.clone(), message: e.to_string() };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(read)? {
        let entry = entry.map_err(read)?;
        if entry.file_type().map_err(read)?.is_dir() {
            out.push((entry.file_name().to_string_lossy().into_owned(), entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

impl Estate {
    /// Loads the `parts` of the bundle at `path` (a part absent from the bundle is simply
    /// empty). With `people`, every cloud is loaded, as every identity is correlated.
    pub fn load(path: &Path, parts: Parts) -> Result<Estate, EstateError> {
        let parts = if parts.people { Parts::ALL } else { parts };
        let aws = match parts.aws && has_aws(path) {
            true => {
                let env = remit_aws_import::load(path)?;
                Some(AwsAnalysis::new(env))
            }
            false => None,
        };
        Estate::load_with_aws(path, aws, parts)
    }

    /// [`Estate::load`] around an AWS analysis already built (a scan builds its own, with the
    /// probes its rules need).
    pub fn load_with_aws(path: &Path, aws: Option<AwsAnalysis>, parts: Parts) -> Result<Estate, EstateError> {
        let mut estate = Estate::load_beside(path, aws.as_ref(), parts)?;
        estate.aws = aws;
        Ok(estate)
    }

    /// The Azure, Google Cloud and people parts, beside an AWS analysis kept elsewhere (whose
    /// identities the people are correlated with); the estate's own `aws` is `None`.
    pub fn load_beside(path: &Path, aws: Option<&AwsAnalysis>, parts: Parts) -> Result<Estate, EstateError> {
        let mut issues = Vec::new();
        let mut azure = Vec::new();
        if parts.azure {
            for (id, dir) in sub_directories(path, "azure")? {
                let (env, found) = remit_azure::load(&dir).map_err(|e| EstateError::Part {
                    part: "azure",
                    path: dir.clone(),
                    message: e.to_string(),
                })?;
                issues.extend(found.into_iter().map(|i| Issue {
                    part: "azure",
                    file: format!("azure/{id}/{}", i.file.display()),
                    location: i.path,
                    message: i.message,
                }));
                azure.push(Tenant { id, analysis: AzureAnalysis::new(env) });
            }
        }
        let mut gcp = Vec::new();
        if parts.gcp {
            for (id, dir) in sub_directories(path, "gcp")? {
                let (env, found) = remit_gcp::load(&dir).map_err(|e| EstateError::Part {
                    part: "gcp",
                    path: dir.clone(),
                    message: e.to_string(),
                })?;
                issues.extend(found.into_iter().map(|i| Issue {
                    part: "gcp",
                    file: format!("gcp/{id}/{}", i.file.display()),
                    location: i.location,
                    message: i.message,
                }));
                gcp.push(Organization { id, analysis: GcpAnalysis::new(env) });
            }
        }
        let people_collected = path.join("people").is_dir();
        let mut estate =
            Estate { path: path.to_path_buf(), aws: None, azure, gcp, people: None, people_collected, issues };
        if parts.people {
            let dir = path.join("people");
            let inputs = match dir.is_dir() {
                true => remit_people::PeopleInputs::load(&dir).map_err(|e| EstateError::Part {
                    part: "people",
                    path: dir.clone(),
                    message: e.to_string(),
                })?,
                false => remit_people::PeopleInputs::default(),
            };
            estate.issues.extend(inputs.issues.iter().map(|i| Issue {
                part: "people",
                file: format!("people/{}", i.file),
                location: i.location.clone(),
                message: i.message.clone(),
            }));
            let identities = identities::all(&estate, aws);
            estate.people = Some(remit_people::correlate(&inputs, &identities));
        }
        Ok(estate)
    }

    /// The clouds loaded, with at least one account, tenant or organization.
    pub fn clouds(&self) -> Vec<Cloud> {
        let mut out = Vec::new();
        if self.aws.is_some() {
            out.push(Cloud::Aws);
        }
        if !self.azure.is_empty() {
            out.push(Cloud::Azure);
        }
        if !self.gcp.is_empty() {
            out.push(Cloud::Gcp);
        }
        out
    }
}
