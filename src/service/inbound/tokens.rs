//! Reply tokens: the secret part of a request's reply address
//! (`reply+<token>@domain`). One per request and addressee, derived from an
//! installation key so that every mail to that addressee about that request
//! carries the same address without the token being stored: the database
//! keeps only its SHA-256. Revoking a token makes the next mail carry the
//! next generation's.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::super::Env;
use super::super::error::AppResult;
use super::super::installation_keys;
use super::super::secrets::token_hash;
use crate::db::models::ReplyTokenRow;
use crate::db::{DbConn, inbound};
use crate::mail::Recipient;

/// The installation key reply tokens are derived from.
pub const KEY: &str = "reply_token_hmac_sha256";

/// A token is 32 lowercase hex digits (128 bits): mail systems may change
/// the case of an address, and hex survives that.
pub const TOKEN_LEN: usize = 32;

fn derive(key: &[u8], request_id: &str, email: &str, generation: i32) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(format!("reply\0{request_id}\0{email}\0{generation}").as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..TOKEN_LEN / 2])
}

/// The Reply-To address for `to`'s mails about a request, issuing the token
/// the first time; None when inbound mail is off or `to` is no account.
pub fn reply_address(conn: &mut DbConn, env: Env<'_>, request_id: &str, to: &Recipient) -> AppResult<Option<String>> {
    let (Some(settings), Some(user_id)) = (&env.config.inbound, &to.user_id) else { return Ok(None) };
    let email = to.email.to_lowercase();
    let key = installation_keys::get_or_create(conn, env.now, KEY)?;
    let generation = match inbound::current_token(conn, request_id, &email)? {
        Some(t) => t.generation,
        None => {
            let generation = inbound::last_generation(conn, request_id, &email)?.map_or(0, |g| g + 1);
            let token = derive(&key, request_id, &email, generation);
            inbound::insert_token(
                conn,
                &ReplyTokenRow {
                    token_hash: token_hash(&token),
                    request_id: request_id.to_string(),
                    email: email.clone(),
                    user_id: Some(user_id.clone()),
                    generation,
                    created_at: env.now.naive_utc(),
                    revoked_at: None,
                },
            )?;
            generation
        }
    };
    Ok(Some(settings.address_for(&derive(&key, request_id, &email, generation))))
}

/// The token in an address of ours (`local+token@domain`, any case), if any.
pub fn token_in(address: &str, local: &str, domain: &str) -> Option<String> {
    let address = address.trim().to_ascii_lowercase();
    let (l, d) = address.rsplit_once('@')?;
    let token = l.strip_prefix(local)?.strip_prefix('+')?;
    (d == domain && token.len() == TOKEN_LEN && token.bytes().all(|b| b.is_ascii_hexdigit())).then(|| token.to_string())
}

/// The stored token for a token found in an address (revoked ones too).
pub fn lookup(conn: &mut DbConn, token: &str) -> AppResult<Option<ReplyTokenRow>> {
    Ok(inbound::token_by_hash(conn, &token_hash(token))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inbound_tokens_are_found_in_our_addresses_only() {
        let t = derive(b"k", "r1", "a@b.vn", 0);
        assert_eq!(t.len(), TOKEN_LEN);
        assert_ne!(t, derive(b"k", "r1", "a@b.vn", 1));
        assert_ne!(t, derive(b"k", "r2", "a@b.vn", 0));
        let addr = format!("Reply+{}@Tiepcan.Example.VN", t.to_uppercase());
        assert_eq!(token_in(&addr, "reply", "tiepcan.example.vn"), Some(t.clone()));
        assert_eq!(token_in(&format!("reply+{t}@other.vn"), "reply", "tiepcan.example.vn"), None);
        assert_eq!(token_in(&format!("replyx+{t}@tiepcan.example.vn"), "reply", "tiepcan.example.vn"), None);
        assert_eq!(token_in("reply+abc@tiepcan.example.vn", "reply", "tiepcan.example.vn"), None);
    }
}
