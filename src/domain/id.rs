//! The id of a stored thing (a request, an agency, an escalation, a file) as it
//! arrives from outside: parsed once where it enters (a path, a form), so that
//! the layers below never see text that is not an id. Every id is a UUID and
//! is kept in its one canonical spelling (lower case, hyphenated), the one the
//! database holds: `0193…-…` typed in capitals still finds its row.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, utoipa::ToSchema)]
#[schema(value_type = String, format = Uuid)]
pub struct Id(String);

impl Id {
    /// `None` for anything that is not a UUID (surrounding spaces allowed).
    pub fn parse(s: &str) -> Option<Id> {
        uuid::Uuid::parse_str(s.trim()).ok().map(|u| Id(u.hyphenated().to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Id, D::Error> {
        let s = String::deserialize(d)?;
        Id::parse(&s).ok_or_else(|| serde::de::Error::custom("not an id"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_canonical_spelling() {
        let id = Id::parse(" 0193F2A4-7C1E-7B3A-9D4E-2F1A0B9C8D7E ").unwrap();
        assert_eq!(id.as_str(), "0193f2a4-7c1e-7b3a-9d4e-2f1a0b9c8d7e");
        assert_eq!(Id::parse(id.as_str()), Some(id.clone()));
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"0193f2a4-7c1e-7b3a-9d4e-2f1a0b9c8d7e\"");
    }

    #[test]
    fn not_ids() {
        for s in ["", "42", "../etc/passwd", "0193f2a4-7c1e-7b3a-9d4e", "0193f2a4-7c1e-7b3a-9d4e-2f1a0b9c8d7e'--"] {
            assert_eq!(Id::parse(s), None, "{s}");
        }
        assert!(serde_json::from_str::<Id>("\"x\"").is_err());
    }
}
