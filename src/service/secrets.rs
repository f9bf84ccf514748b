//! Secrets we hand out (session tokens, email links) and how we keep them: the
//! database stores only a SHA-256 of each token. Passwords: `passwords.rs`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

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
    fn generated_passwords_pass_the_rule() {
        let p = generate_password();
        assert_eq!(p.len(), 19);
        assert_eq!(crate::domain::password::problem(&p, "x@y.vn"), None);
    }
}
