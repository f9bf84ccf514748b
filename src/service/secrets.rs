//! Secrets we hand out (session tokens, email links) and how we keep them: the
//! database stores only a SHA-256 of each token, passwords only as argon2id.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// A fresh random token (256 bits, URL-safe) and the hash to store for it.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn argon2() -> Argon2<'static> {
    // OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(19 * 1024, 2, 1, None).expect("valid argon2 params"))
}

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing: {e}"))
}

/// Checks a password against a stored hash. With no hash (unknown account or an
/// invitation not yet accepted) it still spends the same work on a dummy hash,
/// so response times do not reveal which accounts exist.
pub fn verify_password(stored: Option<&str>, password: &str) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_password("dummy password for timing").unwrap_or_default());
    let (hash, real) = match stored {
        Some(h) => (h, true),
        None => (dummy.as_str(), false),
    };
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    argon2().verify_password(password.as_bytes(), &parsed).is_ok() && real
}

/// A readable random password for demo accounts: four groups of letters and digits.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let mut groups = Vec::new();
    for _ in 0..4 {
        let g: String = (0..4).map(|_| ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()] as char).collect();
        groups.push(g);
    }
    groups.join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_hashed() {
        let (a, ha) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_eq!(ha, token_hash(&a));
        assert_eq!(ha.len(), 64);
    }

    #[test]
    fn passwords_verify() {
        let h = hash_password("đúng-mật-khẩu-1").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(Some(&h), "đúng-mật-khẩu-1"));
        assert!(!verify_password(Some(&h), "sai-mật-khẩu-1"));
        assert!(!verify_password(None, "dummy password for timing"));
    }

    #[test]
    fn generated_passwords_pass_the_rule() {
        let p = generate_password();
        assert_eq!(p.len(), 19);
        assert_eq!(crate::domain::password::problem(&p, "x@y.vn"), None);
    }
}
