//! Signs the assertion of the service account JWT bearer grant, so that a key file is enough to
//! collect (no gcloud, no heavyweight auth crate).
//!
//! The JWT is the one documented at
//! https://developers.google.com/identity/protocols/oauth2/service-account#authorizingrequests:
//! header `{"alg":"RS256","typ":"JWT","kid":<private_key_id>}`, claims `iss` (the account's
//! email), `scope`, `aud` (the token endpoint), `iat` and `exp` (at most one hour later),
//! signed with RSASSA-PKCS1-v1_5 SHA-256 by the key file's PKCS #8 private key.

use base64::Engine;
use serde_json::json;

use crate::config::ServiceAccountKey;

const URL_SAFE: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The signed assertion for `audience`, issued at `now` (seconds since the Unix epoch), valid
/// one hour. The error never holds key material.
pub(crate) fn assertion(key: &ServiceAccountKey, scope: &str, audience: &str, now: u64) -> Result<String, String> {
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": key.private_key_id});
    let claims = json!({"iss": key.client_email, "scope": scope, "aud": audience, "iat": now, "exp": now + 3600});
    let signing_input = format!("{}.{}", URL_SAFE.encode(header.to_string()), URL_SAFE.encode(claims.to_string()));
    let der = pem_body(key.private_key.expose())?;
    let pair = ring::signature::RsaKeyPair::from_pkcs8(&der)
        .map_err(|e| format!("the service account's private_key is not an RSA PKCS #8 key ({e})"))?;
    let mut signature = vec![0; pair.public().modulus_len()];
    pair.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        signing_input.as_bytes(),
        &mut signature,
    )
    .map_err(|_| "signing the JWT failed".to_owned())?;
    Ok(format!("{signing_input}.{}", URL_SAFE.encode(signature)))
}

/// The DER bytes of a `-----BEGIN PRIVATE KEY-----` PEM block.
fn pem_body(pem: &str) -> Result<Vec<u8>, String> {
    let begin = "-----BEGIN PRIVATE KEY-----";
    let end = "-----END PRIVATE KEY-----";
    let start = pem.find(begin).ok_or("the service account's private_key has no BEGIN PRIVATE KEY line")? + begin.len();
    let stop = pem[start..].find(end).ok_or("the service account's private_key has no END PRIVATE KEY line")? + start;
    let body: String = pem[start..stop].chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|_| "the service account's private_key is not valid base64".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use remit_rest::Secret;

    fn key(pem: &str) -> ServiceAccountKey {
        ServiceAccountKey {
            client_email: "c@p.iam.gserviceaccount.com".into(),
            private_key_id: "k".into(),
            private_key: Secret::new(pem),
            token_uri: "https://oauth2.googleapis.com/token".into(),
        }
    }

    #[test]
    fn a_key_that_is_not_pem_or_not_rsa_is_refused_without_showing_it() {
        for pem in [
            "SECRETBODY",
            "-----BEGIN PRIVATE KEY-----\nSECRET!BODY\n-----END PRIVATE KEY-----",
            "-----BEGIN PRIVATE KEY-----\nU0VDUkVUQk9EWQ==\n-----END PRIVATE KEY-----",
        ] {
            let error = assertion(&key(pem), "s", "a", 0).err().unwrap_or_default();
            assert!(!error.is_empty());
            assert!(!error.contains("SECRET") && !error.contains("U0VDUkVU"), "{error}");
        }
    }
}
