//! An escalation's life at the Department: open until a member of staff
//! resolves or dismisses it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EscalationStatus {
    Open,
    Resolved,
    Dismissed,
}

impl EscalationStatus {
    pub const ALL: [EscalationStatus; 3] =
        [EscalationStatus::Open, EscalationStatus::Resolved, EscalationStatus::Dismissed];

    pub fn as_str(self) -> &'static str {
        match self {
            EscalationStatus::Open => "open",
            EscalationStatus::Resolved => "resolved",
            EscalationStatus::Dismissed => "dismissed",
        }
    }

    pub fn parse(s: &str) -> Option<EscalationStatus> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn is_open(self) -> bool {
        self == EscalationStatus::Open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for s in EscalationStatus::ALL {
            assert_eq!(EscalationStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(EscalationStatus::parse("Open"), None);
    }
}
