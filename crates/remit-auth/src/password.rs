//! Passwords of local accounts.
//!
//! Local accounts are the break-glass path (single sign-on is the normal one), so their hashes
//! must survive a stolen database: argon2id, memory-hard, with the parameters of the OWASP
//! Password Storage Cheat Sheet (19 MiB, 2 passes, 1 lane:
//! <https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#argon2id>)
//! and a fresh 16-byte salt from the operating system per hash.
//! Hashes are PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`): the parameters
//! travel with the hash, so they can be raised later and [`needs_rehash`] tells the server to
//! re-hash at the next successful login.
//!
//! [`verify`] compares the derived key in constant time (argon2's `Output` comparison) and
//! answers `false`, never panics, for a stored value that is not an argon2id hash or whose
//! parameters would make verification itself a denial of service.
//! [`verify_unknown_user`] spends the same time when the user does not exist, so response time
//! does not reveal which usernames exist (OWASP Authentication Cheat Sheet,
//! <https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#authentication-responses>).

use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};

/// OWASP's argon2id minimum: 19 MiB of memory (in KiB), 2 iterations, 1 degree of parallelism.
pub const MEMORY_KIB: u32 = 19 * 1024;
/// Passes over the memory.
pub const ITERATIONS: u32 = 2;
/// Lanes.
pub const PARALLELISM: u32 = 1;

/// The shortest password accepted for a local account.
///
/// NIST SP 800-63B §5.1.1.2 (<https://pages.nist.gov/800-63-3/sp800-63b.html#memsecretver>)
/// makes length, not composition rules, the main defence, and asks for at least 8 characters;
/// Remit's local accounts are administrators' break-glass accounts, so it asks for 12, as the
/// OWASP Authentication Cheat Sheet does for accounts without a second factor
/// (<https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#implement-proper-password-strength-controls>).
pub const MIN_LENGTH: usize = 12;
/// The longest password accepted: long passphrases are welcome (OWASP asks to allow at least
/// 64 characters), but an unbounded one would let a login request cost unbounded hashing time.
pub const MAX_LENGTH: usize = 1024;

/// Hashing failed: the operating system gave no randomness for the salt, or argon2 refused.
#[derive(Debug, thiserror::Error)]
#[error("cannot hash the password: {0}")]
pub struct HashError(String);

/// Why a new password is refused; the message is meant for the person choosing it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WeakPassword {
    /// Fewer than [`MIN_LENGTH`] characters.
    #[error("the password has {0} characters: at least 12 are needed")]
    TooShort(usize),
    /// More than [`MAX_LENGTH`] characters.
    #[error("the password has {0} characters: at most 1024 are accepted")]
    TooLong(usize),
    /// Only lowercase letters, only uppercase letters, only digits, or only symbols.
    #[error("the password uses one kind of character only: mix letters with digits, capitals or symbols")]
    OneClass,
}

/// Checks a new password before it is hashed.
///
/// Beyond the length, one rule only: not all of one class (lowercase, uppercase, digits, other),
/// which refuses the keyboard-walk and repeated-character passwords ("aaaaaaaaaaaa",
/// "123456789012") that pass a length check; NIST advises against heavier composition rules
/// because they push people to predictable patterns (SP 800-63B §5.1.1.2, linked on
/// [`MIN_LENGTH`]). Length counts characters, not bytes, so non-ASCII passphrases are not
/// penalised.
pub fn check_strength(password: &str) -> Result<(), WeakPassword> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(WeakPassword::TooShort(length));
    }
    if length > MAX_LENGTH {
        return Err(WeakPassword::TooLong(length));
    }
    let class = |c: char| {
        if c.is_lowercase() {
            0
        } else if c.is_uppercase() {
            1
        } else if c.is_numeric() {
            2
        } else {
            3
        }
    };
    let mut chars = password.chars().map(class);
    let first = chars.next();
    if chars.all(|it| Some(it) == first) {
        return Err(WeakPassword::OneClass);
    }
    Ok(())
}

/// Hashes a password with argon2id and a fresh salt, as a PHC string.
///
/// Does not check strength (see [`check_strength`]): the caller decides, e.g. an imported hash
/// policy or a test.
pub fn hash(password: &str) -> Result<String, HashError> {
    hash_with(password, owasp_params()?)
}

fn owasp_params() -> Result<Params, HashError> {
    Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).map_err(|e| HashError(e.to_string()))
}

fn hash_with(password: &str, params: Params) -> Result<String, HashError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| HashError(e.to_string()))?;
    let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let hash = hasher.hash_password_with_salt(password.as_bytes(), &salt).map_err(|e| HashError(e.to_string()))?;
    Ok(hash.to_string())
}

/// Checks a password against a stored PHC string, in constant time.
///
/// `false` for a wrong password and for anything that is not an argon2id hash Remit could have
/// written (another algorithm, missing salt, or parameters beyond 1 GiB of memory or 16 passes,
/// which would turn a login into a denial of service).
pub fn verify(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    if parsed.algorithm.as_str() != "argon2id" {
        return false;
    }
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    if params.m_cost() > 1024 * 1024 || params.t_cost() > 16 || params.p_cost() > 16 {
        return false;
    }
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params).verify_password(password.as_bytes(), &parsed).is_ok()
}

/// A well-formed hash with the current parameters (of no password anyone knows): verifying
/// against it costs what verifying a user's hash costs.
const DUMMY: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$ZHVtbXlzYWx0ZHVtbXlzYWx0$Ab3AqlHaBN0RXn6QB7bQiu/EJcNfcwpi5+wDTcR16aA";

/// Spends the time of a [`verify`] when there is no such user (or the user has no password),
/// so that a login's duration does not tell which usernames exist. Always `false`.
pub fn verify_unknown_user(password: &str) -> bool {
    let _ = verify(password, DUMMY);
    false
}

/// Whether a stored hash was made with weaker settings than today's (another algorithm, or
/// less memory or fewer passes), so the server should re-hash the password, which it only
/// knows at a successful login.
pub fn needs_rehash(stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return true;
    };
    if parsed.algorithm.as_str() != "argon2id" {
        return true;
    }
    match Params::try_from(&parsed) {
        Ok(params) => params.m_cost() < MEMORY_KIB || params.t_cost() < ITERATIONS,
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cheap parameters for tests that do not measure the production cost.
    fn cheap(password: &str) -> String {
        hash_with(password, Params::new(256, 1, 1, None).unwrap()).unwrap()
    }

    #[test]
    fn production_hash_is_argon2id_with_owasp_parameters_and_verifies() {
        let stored = hash("correct horse battery staple").unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
        assert!(verify("correct horse battery staple", &stored));
        assert!(!verify("correct horse battery stapl", &stored));
        assert!(!needs_rehash(&stored));
        // A fresh salt each time: the same password hashes differently.
        assert_ne!(stored, hash("correct horse battery staple").unwrap());
    }

    #[test]
    fn verify_refuses_wrong_passwords_and_malformed_hashes_without_panicking() {
        let stored = cheap("Tr0ub4dor&3xyz");
        assert!(verify("Tr0ub4dor&3xyz", &stored));
        assert!(!verify("tr0ub4dor&3xyz", &stored));
        assert!(!verify("", &stored));
        let salt_only = stored.rsplit_once('$').unwrap().0.to_owned();
        let argon2i = stored.replacen("argon2id", "argon2i", 1);
        let huge = stored.replacen("m=256", "m=4294967295", 1);
        for bad in [
            "",
            "$",
            "plain text",
            "$argon2id$",
            "$argon2id$v=19$m=19456,t=2,p=1$",
            "$argon2id$v=19$m=x,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
            "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
            "$argon2id$v=19$m=19456,t=2,p=1$!!!$!!!",
            salt_only.as_str(),
            argon2i.as_str(),
            huge.as_str(),
        ] {
            assert!(!verify("Tr0ub4dor&3xyz", bad), "{bad}");
            assert!(needs_rehash(bad) || bad == huge, "{bad}");
        }
    }

    #[test]
    fn weaker_parameters_need_a_rehash() {
        assert!(needs_rehash(&cheap("Tr0ub4dor&3xyz")));
        assert!(!verify_unknown_user("anything at all"));
        // The dummy parses and has today's parameters, so it costs what a real hash costs.
        assert!(!needs_rehash(DUMMY));
    }

    #[test]
    fn strength_needs_twelve_characters_of_more_than_one_class() {
        assert_eq!(check_strength("Sh0rt!"), Err(WeakPassword::TooShort(6)));
        assert_eq!(check_strength("aaaaaaaaaaaa"), Err(WeakPassword::OneClass));
        assert_eq!(check_strength("123456789012"), Err(WeakPassword::OneClass));
        assert_eq!(check_strength("ABCDEFGHIJKL"), Err(WeakPassword::OneClass));
        assert_eq!(check_strength("!@#$%^&*()_+"), Err(WeakPassword::OneClass));
        assert_eq!(check_strength(&"ab1".repeat(400)), Err(WeakPassword::TooLong(1200)));
        assert_eq!(check_strength("correct horse"), Ok(()));
        assert_eq!(check_strength("Tr0ub4dor&3xyz"), Ok(()));
        // Characters, not bytes: twelve accented letters and a digit are thirteen characters.
        assert_eq!(check_strength("éééééééééééé1"), Ok(()));
        assert_eq!(check_strength("éééééé1"), Err(WeakPassword::TooShort(7)));
        assert_eq!(WeakPassword::TooShort(6).to_string(), "the password has 6 characters: at least 12 are needed");
    }
}
