//! Remit's own users, API tokens, sessions, login failures, suppressions set through the API and
//! the Cedar policies admins add.
//!
//! Why only hashes of secrets: a copy of the database (a backup, a replica, a support bundle)
//! must not let anyone log in. Passwords arrive as argon2id strings, API tokens and session
//! cookies as SHA-256 hex of the secret the client holds; lookups are by that hash, so the
//! secret itself never reaches the store. Why every change is audited in its transaction: a
//! role granted with no record of it, or a record of a change that did not happen, would make
//! the trail useless as evidence. Sessions, token use and login failures are bookkeeping, not
//! changes of rights, and are not audited here (the server audits logins themselves).

use sqlx::{Row, any::AnyRow};

use crate::{AuditEvent, Store, StoreError, now};

/// A user of Remit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    /// The login name.
    pub name: String,
    /// The name shown.
    pub display: String,
    /// An email address.
    pub email: Option<String>,
    /// The role (`admin`, `security-analyst`, `auditor`, `approver`, `requester`).
    pub role: String,
    /// The argon2id PHC string of a local password; `None` for single sign-on only.
    pub password_hash: Option<String>,
    /// `issuer subject` of the OIDC identity bound to the account.
    pub oidc_subject: Option<String>,
    /// Whether logins are refused.
    pub disabled: bool,
    /// When it was created (seconds, UTC).
    pub created_at: i64,
}

/// An API token (only the hash of its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    /// Its public id.
    pub id: String,
    /// Whose it is.
    pub user: String,
    /// What its owner called it.
    pub name: String,
    /// SHA-256 (lowercase hex) of the secret.
    pub hash: String,
    /// What it may be used for.
    pub scopes: Vec<String>,
    /// When it was created (seconds, UTC).
    pub created_at: i64,
    /// When it stops working (seconds, UTC).
    pub expires_at: i64,
    /// When it was last used.
    pub last_used: Option<i64>,
    /// Whether it was revoked.
    pub revoked: bool,
}

/// A login session (only the hash of its cookie).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// SHA-256 (lowercase hex) of the session cookie's value.
    pub id_hash: String,
    /// Whose it is.
    pub user: String,
    /// The CSRF token that goes with it.
    pub csrf: String,
    /// When it began (seconds, UTC).
    pub created_at: i64,
    /// When it ends (seconds, UTC).
    pub expires_at: i64,
    /// Where it was opened from.
    pub source: String,
}

/// A finding suppressed through the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuppressionRow {
    /// The finding's id.
    pub finding: String,
    /// The environment it applies to.
    pub env: String,
    /// Why.
    pub reason: String,
    /// Who.
    pub by: String,
    /// When (seconds, UTC).
    pub created_at: i64,
    /// When it lapses.
    pub expires_at: Option<i64>,
}

const USER_COLUMNS: &str = "name, display, email, role, password_hash, oidc_subject, disabled, created_at";
const TOKEN_COLUMNS: &str = "id, user_name, name, hash, scopes, created_at, expires_at, last_used, revoked";
const SESSION_COLUMNS: &str = "id_hash, user_name, csrf, created_at, expires_at, source";
const SUPPRESSION_COLUMNS: &str = "finding, env, reason, by_user, created_at, expires_at";

fn user_row(r: &AnyRow) -> Result<UserRow, sqlx::Error> {
    Ok(UserRow {
        name: r.try_get(0)?,
        display: r.try_get(1)?,
        email: r.try_get(2)?,
        role: r.try_get(3)?,
        password_hash: r.try_get(4)?,
        oidc_subject: r.try_get(5)?,
        disabled: r.try_get::<i64, _>(6)? != 0,
        created_at: r.try_get(7)?,
    })
}

fn token_row(r: &AnyRow) -> Result<TokenRow, sqlx::Error> {
    let scopes: &str = r.try_get(4)?;
    Ok(TokenRow {
        id: r.try_get(0)?,
        user: r.try_get(1)?,
        name: r.try_get(2)?,
        hash: r.try_get(3)?,
        scopes: serde_json::from_str(scopes).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        created_at: r.try_get(5)?,
        expires_at: r.try_get(6)?,
        last_used: r.try_get(7)?,
        revoked: r.try_get::<i64, _>(8)? != 0,
    })
}

fn session_row(r: &AnyRow) -> Result<SessionRow, sqlx::Error> {
    Ok(SessionRow {
        id_hash: r.try_get(0)?,
        user: r.try_get(1)?,
        csrf: r.try_get(2)?,
        created_at: r.try_get(3)?,
        expires_at: r.try_get(4)?,
        source: r.try_get(5)?,
    })
}

fn suppression_row(r: &AnyRow) -> Result<SuppressionRow, sqlx::Error> {
    Ok(SuppressionRow {
        finding: r.try_get(0)?,
        env: r.try_get(1)?,
        reason: r.try_get(2)?,
        by: r.try_get(3)?,
        created_at: r.try_get(4)?,
        expires_at: r.try_get(5)?,
    })
}

/// Runs one statement that changes one thing, and its audit record, in one transaction;
/// `NotFound` when the statement changed nothing.
macro_rules! audited {
    ($store:expr, $audit:expr, $what:expr, $action:literal, $query:expr) => {{
        let store: &Store = $store;
        let mut tx = store.write(concat!("begin to ", $action)).await?;
        let changed = $query.execute(&mut *tx).await.map_err(store.err($action))?.rows_affected();
        if changed == 0 {
            return Err(store.not_found($what));
        }
        store.append_audit(&mut tx, $audit).await?;
        tx.commit().await.map_err(store.err(concat!("commit: ", $action)))?;
        Ok(())
    }};
}

impl Store {
    /// Creates a user; [`StoreError::Conflict`] when the name (or the OIDC subject) is taken.
    pub async fn create_user(&self, user: &UserRow, audit: &AuditEvent) -> Result<(), StoreError> {
        let mut tx = self.write("begin to create a user").await?;
        sqlx::query(
            "INSERT INTO account_user (name, display, email, role, password_hash, oidc_subject, disabled, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&user.name)
        .bind(&user.display)
        .bind(user.email.as_deref())
        .bind(&user.role)
        .bind(user.password_hash.as_deref())
        .bind(user.oidc_subject.as_deref())
        .bind(i64::from(user.disabled))
        .bind(user.created_at)
        .execute(&mut *tx)
        .await
        .map_err(self.conflict("create a user", format!("user {:?}", user.name)))?;
        self.append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(self.err("commit a new user"))
    }

    /// A user by name.
    pub async fn user(&self, name: &str) -> Result<Option<UserRow>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM account_user WHERE name = $1")))
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err("read a user"))?;
        row.as_ref().map(user_row).transpose().map_err(self.err("read a user"))
    }

    /// The user bound to an OIDC identity (`issuer subject`).
    pub async fn user_by_subject(&self, subject: &str) -> Result<Option<UserRow>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM account_user WHERE oidc_subject = $1"
        )))
        .bind(subject)
        .fetch_optional(&self.pool)
        .await
        .map_err(self.err("read a user"))?;
        row.as_ref().map(user_row).transpose().map_err(self.err("read a user"))
    }

    /// Every user, by name.
    pub async fn users(&self) -> Result<Vec<UserRow>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM account_user")))
            .fetch_all(&self.pool)
            .await
            .map_err(self.err("read users"))?;
        let mut users: Vec<UserRow> =
            rows.iter().map(user_row).collect::<Result<_, _>>().map_err(self.err("read users"))?;
        users.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        Ok(users)
    }

    /// Changes a user's role.
    pub async fn set_role(&self, name: &str, role: &str, audit: &AuditEvent) -> Result<(), StoreError> {
        audited!(
            self,
            audit,
            format!("user {name:?}"),
            "set a role",
            sqlx::query("UPDATE account_user SET role = $1 WHERE name = $2").bind(role).bind(name)
        )
    }

    /// Sets a user's password (its argon2id PHC string).
    pub async fn set_password(&self, name: &str, password_hash: &str, audit: &AuditEvent) -> Result<(), StoreError> {
        audited!(
            self,
            audit,
            format!("user {name:?}"),
            "set a password",
            sqlx::query("UPDATE account_user SET password_hash = $1 WHERE name = $2").bind(password_hash).bind(name)
        )
    }

    /// Binds a user to an OIDC identity (`issuer subject`), or unbinds it.
    pub async fn set_subject(&self, name: &str, subject: Option<&str>, audit: &AuditEvent) -> Result<(), StoreError> {
        let mut tx = self.write("begin to bind an identity").await?;
        let changed = sqlx::query("UPDATE account_user SET oidc_subject = $1 WHERE name = $2")
            .bind(subject)
            .bind(name)
            .execute(&mut *tx)
            .await
            .map_err(self.conflict("bind an identity", format!("a user with OIDC subject {subject:?}")))?
            .rows_affected();
        if changed == 0 {
            return Err(self.not_found(format!("user {name:?}")));
        }
        self.append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(self.err("commit an identity"))
    }

    /// Disables (or enables again) a user.
    pub async fn set_disabled(&self, name: &str, disabled: bool, audit: &AuditEvent) -> Result<(), StoreError> {
        audited!(
            self,
            audit,
            format!("user {name:?}"),
            "disable a user",
            sqlx::query("UPDATE account_user SET disabled = $1 WHERE name = $2").bind(i64::from(disabled)).bind(name)
        )
    }

    /// Stores a new API token (its hash).
    pub async fn create_token(&self, token: &TokenRow, audit: &AuditEvent) -> Result<(), StoreError> {
        let scopes = serde_json::to_string(&token.scopes).unwrap_or_else(|_| "[]".to_owned());
        let mut tx = self.write("begin to create a token").await?;
        sqlx::query(
            "INSERT INTO account_token (id, user_name, name, hash, scopes, created_at, expires_at, last_used, revoked)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&token.id)
        .bind(&token.user)
        .bind(&token.name)
        .bind(&token.hash)
        .bind(&scopes)
        .bind(token.created_at)
        .bind(token.expires_at)
        .bind(token.last_used)
        .bind(i64::from(token.revoked))
        .execute(&mut *tx)
        .await
        .map_err(self.conflict("create a token", format!("token {:?}", token.id)))?;
        self.append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(self.err("commit a new token"))
    }

    /// The token whose secret hashes to `hash` (revoked and expired ones too: the caller
    /// decides).
    pub async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRow>, StoreError> {
        let row =
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {TOKEN_COLUMNS} FROM account_token WHERE hash = $1")))
                .bind(hash)
                .fetch_optional(&self.pool)
                .await
                .map_err(self.err("read a token"))?;
        row.as_ref().map(token_row).transpose().map_err(self.err("read a token"))
    }

    /// The tokens of one user (or of all), newest first.
    pub async fn tokens(&self, user: Option<&str>) -> Result<Vec<TokenRow>, StoreError> {
        let rows = match user {
            Some(user) => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {TOKEN_COLUMNS} FROM account_token WHERE user_name = $1"
                )))
                .bind(user)
                .fetch_all(&self.pool)
                .await
            }
            None => {
                sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {TOKEN_COLUMNS} FROM account_token")))
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .map_err(self.err("read tokens"))?;
        let mut tokens: Vec<TokenRow> =
            rows.iter().map(token_row).collect::<Result<_, _>>().map_err(self.err("read tokens"))?;
        tokens.sort_unstable_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| a.id.cmp(&b.id)));
        Ok(tokens)
    }

    /// Revokes a token.
    pub async fn revoke_token(&self, id: &str, audit: &AuditEvent) -> Result<(), StoreError> {
        audited!(
            self,
            audit,
            format!("token {id:?}"),
            "revoke a token",
            sqlx::query("UPDATE account_token SET revoked = 1 WHERE id = $1").bind(id)
        )
    }

    /// Records a token's use.
    pub async fn touch_token(&self, id: &str, at: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE account_token SET last_used = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(self.err("record a token's use"))?;
        Ok(())
    }

    /// Stores a new session (the hash of its cookie).
    pub async fn create_session(&self, session: &SessionRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO account_session (id_hash, user_name, csrf, created_at, expires_at, source)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&session.id_hash)
        .bind(&session.user)
        .bind(&session.csrf)
        .bind(session.created_at)
        .bind(session.expires_at)
        .bind(&session.source)
        .execute(&self.pool)
        .await
        .map_err(self.conflict("create a session", "the session".to_owned()))?;
        Ok(())
    }

    /// The session whose cookie hashes to `id_hash` (expired ones too: the caller decides).
    pub async fn session(&self, id_hash: &str) -> Result<Option<SessionRow>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SESSION_COLUMNS} FROM account_session WHERE id_hash = $1"
        )))
        .bind(id_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(self.err("read a session"))?;
        row.as_ref().map(session_row).transpose().map_err(self.err("read a session"))
    }

    /// Ends a session; whether there was one.
    pub async fn delete_session(&self, id_hash: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM account_session WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await
            .map_err(self.err("end a session"))?;
        Ok(done.rows_affected() > 0)
    }

    /// Ends every session of a user (disabled, password changed); how many.
    pub async fn delete_sessions_of(&self, user: &str) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM account_session WHERE user_name = $1")
            .bind(user)
            .execute(&self.pool)
            .await
            .map_err(self.err("end sessions"))?;
        Ok(done.rows_affected())
    }

    /// Removes sessions expired at `now`; how many.
    pub async fn purge_sessions(&self, now: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM account_session WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(self.err("purge sessions"))?;
        Ok(done.rows_affected())
    }

    /// Records a failed login for a key (a user name, a client address).
    pub async fn login_failure(&self, key: &str, at: i64) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO account_login_failure (fkey, failed_at) VALUES ($1, $2)")
            .bind(key)
            .bind(at)
            .execute(&self.pool)
            .await
            .map_err(self.err("record a failed login"))?;
        Ok(())
    }

    /// Keeps a single sign-on under way (what `state` names: the nonce and PKCE verifier, as
    /// the caller encodes them) until `expires_at`, in the database so that the provider's
    /// answer may reach any instance; expired ones are purged.
    pub async fn put_pending_login(
        &self,
        state_hash: &str,
        body: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM account_oidc_pending WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(self.err("purge expired sign-ons"))?;
        sqlx::query("INSERT INTO account_oidc_pending (state_hash, body, expires_at) VALUES ($1, $2, $3)")
            .bind(state_hash)
            .bind(body)
            .bind(expires_at)
            .execute(&self.pool)
            .await
            .map_err(self.err("keep a sign-on under way"))?;
        Ok(())
    }

    /// Takes (reads and deletes, once) a sign-on under way that has not expired.
    pub async fn take_pending_login(&self, state_hash: &str, now: i64) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT body, expires_at FROM account_oidc_pending WHERE state_hash = $1")
            .bind(state_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err("read a sign-on under way"))?;
        let deleted = sqlx::query("DELETE FROM account_oidc_pending WHERE state_hash = $1")
            .bind(state_hash)
            .execute(&self.pool)
            .await
            .map_err(self.err("consume a sign-on under way"))?;
        // Two callbacks racing for one state: only the one that deleted the row proceeds.
        if deleted.rows_affected() == 0 {
            return Ok(None);
        }
        let Some(row) = row else { return Ok(None) };
        let body: String = row.try_get(0).map_err(self.err("read a sign-on under way"))?;
        let expires_at: i64 = row.try_get(1).map_err(self.err("read a sign-on under way"))?;
        Ok((expires_at > now).then_some(body))
    }

    /// Failed logins for a key at or after `since`.
    pub async fn login_failures_since(&self, key: &str, since: i64) -> Result<i64, StoreError> {
        sqlx::query("SELECT COUNT(*) FROM account_login_failure WHERE fkey = $1 AND failed_at >= $2")
            .bind(key)
            .bind(since)
            .fetch_one(&self.pool)
            .await
            .and_then(|r| r.try_get(0))
            .map_err(self.err("count failed logins"))
    }

    /// Forgets a key's failed logins (after a successful one).
    pub async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM account_login_failure WHERE fkey = $1")
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(self.err("clear failed logins"))?;
        Ok(())
    }

    /// Forgets failed logins before `before`, every key; how many.
    pub async fn purge_login_failures(&self, before: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM account_login_failure WHERE failed_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await
            .map_err(self.err("purge failed logins"))?;
        Ok(done.rows_affected())
    }

    /// Suppresses a finding in an environment (replacing an earlier suppression of it).
    pub async fn suppress(&self, s: &SuppressionRow, audit: &AuditEvent) -> Result<(), StoreError> {
        let mut tx = self.write("begin to suppress a finding").await?;
        sqlx::query(
            "INSERT INTO suppression (finding, env, reason, by_user, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (env, finding) DO UPDATE SET reason = excluded.reason, by_user = excluded.by_user,
               created_at = excluded.created_at, expires_at = excluded.expires_at",
        )
        .bind(&s.finding)
        .bind(&s.env)
        .bind(&s.reason)
        .bind(&s.by)
        .bind(s.created_at)
        .bind(s.expires_at)
        .execute(&mut *tx)
        .await
        .map_err(self.err("suppress a finding"))?;
        self.append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(self.err("commit a suppression"))
    }

    /// Lifts a finding's suppression.
    pub async fn unsuppress(&self, env: &str, finding: &str, audit: &AuditEvent) -> Result<(), StoreError> {
        audited!(
            self,
            audit,
            format!("suppression of {finding:?} in {env:?}"),
            "lift a suppression",
            sqlx::query("DELETE FROM suppression WHERE env = $1 AND finding = $2").bind(env).bind(finding)
        )
    }

    /// The suppressions of an environment, by finding.
    pub async fn suppressions(&self, env: &str) -> Result<Vec<SuppressionRow>, StoreError> {
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {SUPPRESSION_COLUMNS} FROM suppression WHERE env = $1")))
                .bind(env)
                .fetch_all(&self.pool)
                .await
                .map_err(self.err("read suppressions"))?;
        let mut out: Vec<SuppressionRow> =
            rows.iter().map(suppression_row).collect::<Result<_, _>>().map_err(self.err("read suppressions"))?;
        out.sort_unstable_by(|a, b| a.finding.cmp(&b.finding));
        Ok(out)
    }

    /// The Cedar policies admins added: (name, text), by name.
    pub async fn policies(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query("SELECT name, body FROM cedar_policy")
            .fetch_all(&self.pool)
            .await
            .map_err(self.err("read policies"))?;
        let mut out: Vec<(String, String)> = rows
            .iter()
            .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_, _>>()
            .map_err(self.err("read policies"))?;
        out.sort_unstable();
        Ok(out)
    }

    /// Adds or replaces a policy.
    pub async fn put_policy(&self, name: &str, text: &str, audit: &AuditEvent) -> Result<(), StoreError> {
        let mut tx = self.write("begin to store a policy").await?;
        sqlx::query(
            "INSERT INTO cedar_policy (name, body, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
        )
        .bind(name)
        .bind(text)
        .bind(now())
        .execute(&mut *tx)
        .await
        .map_err(self.err("store a policy"))?;
        self.append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(self.err("commit a policy"))
    }

    /// Removes a policy.
    pub async fn delete_policy(&self, name: &str, audit: &AuditEvent) -> Result<(), StoreError> {
        audited!(
            self,
            audit,
            format!("policy {name:?}"),
            "remove a policy",
            sqlx::query("DELETE FROM cedar_policy WHERE name = $1").bind(name)
        )
    }
}
