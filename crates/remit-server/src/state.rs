//! What every request shares: the store, history, the OIDC client and caches of what is
//! derived from the database (never authoritative: see the crate docs).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use remit_auth::authorize::Authorizer;
use remit_history::History;
use remit_store::Store;
use serde_json::Value;

use crate::{ServerConfig, error::ApiError};

/// An authorizer and the admins' policies (name, text) it was built from.
type BuiltAuthorizer = (Vec<(String, String)>, Arc<Authorizer>);

/// The application's state.
pub struct AppState {
    pub(crate) history: History,
    pub(crate) store: Store,
    pub(crate) config: ServerConfig,
    pub(crate) oidc: Option<remit_auth::oidc::OidcClient>,
    /// The authorizer built from the built-in policies and the admins' extensions, with the
    /// extensions it was built from (rebuilt when the database's differ).
    authorizer: Mutex<Option<BuiltAuthorizer>>,
    /// Per snapshot: derived answers that take seconds (the creep distribution).
    pub(crate) derived: Mutex<HashMap<(i64, &'static str), Arc<Value>>>,
}

impl AppState {
    /// State over `history`'s store.
    pub fn new(history: History, config: ServerConfig, oidc: Option<remit_auth::oidc::OidcClient>) -> AppState {
        AppState {
            store: history.store().clone(),
            history,
            config,
            oidc,
            authorizer: Mutex::new(None),
            derived: Mutex::new(HashMap::new()),
        }
    }

    /// The authorizer for the policies in the database now.
    pub(crate) async fn authorizer(&self) -> Result<Arc<Authorizer>, ApiError> {
        let extensions = self.store.policies().await?;
        {
            let cached = self.authorizer.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((built_from, authorizer)) = cached.as_ref()
                && *built_from == extensions
            {
                return Ok(authorizer.clone());
            }
        }
        let authorizer = match Authorizer::new(&extensions) {
            Ok(a) => Arc::new(a),
            // A policy stored by an older Remit that this one rejects must not lock everyone
            // out: the built-in policies still apply, and the problem is logged.
            Err(err) => {
                eprintln!("remit serve: the stored Cedar policies are ignored: {err}");
                Arc::new(Authorizer::new(&[]).map_err(|e| ApiError::internal(&e))?)
            }
        };
        *self.authorizer.lock().unwrap_or_else(|p| p.into_inner()) = Some((extensions, authorizer.clone()));
        Ok(authorizer)
    }

    pub(crate) fn derived(&self, snapshot: i64, what: &'static str) -> Option<Arc<Value>> {
        self.derived.lock().unwrap_or_else(|p| p.into_inner()).get(&(snapshot, what)).cloned()
    }

    pub(crate) fn remember(&self, snapshot: i64, what: &'static str, value: Value) -> Arc<Value> {
        let value = Arc::new(value);
        let mut derived = self.derived.lock().unwrap_or_else(|p| p.into_inner());
        if derived.len() > 64 {
            derived.clear();
        }
        derived.insert((snapshot, what), value.clone());
        value
    }
}
