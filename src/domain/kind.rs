//! The kinds of request, each with its own legal clock (see the policy pack).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// Information on an unexpected or unusual event (hours).
    Event,
    /// A reporter's request for information (working days).
    Information,
    /// A press agency's formal request to reply in the press (calendar days).
    PressReply,
    /// A complaint or petition forwarded by a press agency (calendar days).
    Complaint,
}

impl RequestKind {
    pub const ALL: [RequestKind; 4] =
        [RequestKind::Event, RequestKind::Information, RequestKind::PressReply, RequestKind::Complaint];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Event => "event",
            RequestKind::Information => "information",
            RequestKind::PressReply => "press_reply",
            RequestKind::Complaint => "complaint",
        }
    }

    pub fn parse(s: &str) -> Option<RequestKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for k in RequestKind::ALL {
            assert_eq!(RequestKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(RequestKind::parse("gossip"), None);
    }
}
