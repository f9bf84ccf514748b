//! Separating what a reply says from what it quotes: the history a mail
//! program appends (Gmail's "On … wrote:", Outlook's "From: … Sent: …" block
//! or "-----Original Message-----", `>` lines) and the signature after "-- ".
//! Pure text in, two texts out; the original message is kept whole elsewhere.

/// The reply's own text, and the quoted history with the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub text: String,
    pub quoted: String,
}

/// Headers that open a quoted Outlook message, in English and Vietnamese.
const FROM_HEADERS: &[&str] = &["from:", "từ:", "*from:*", "*từ:*"];
const SENT_HEADERS: &[&str] = &["sent:", "date:", "đã gửi:", "ngày:", "*sent:*", "*đã gửi:*"];
/// How a Gmail-style attribution line ends, in English and Vietnamese.
const WROTE: &[&str] = &["wrote:", "đã viết:", "a écrit :", "schrieb:"];

fn starts_with_any(line: &str, prefixes: &[&str]) -> bool {
    let lower = line.trim_start().to_lowercase();
    prefixes.iter().any(|p| lower.starts_with(p))
}

/// The line at which the quoted part begins, if any.
fn quote_start(lines: &[&str]) -> Option<usize> {
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        let lower = t.to_lowercase();
        if t == "--" || *line == "-- " || lower.contains("-----original message-----") {
            return Some(i);
        }
        if lower.contains("tin nhắn gốc") && t.starts_with('-') {
            return Some(i);
        }
        if WROTE.iter().any(|w| lower.ends_with(w)) {
            // Gmail wraps a long attribution over two lines.
            let prev = i.checked_sub(1).filter(|p| {
                let p = lines[*p].trim().to_lowercase();
                p.starts_with("on ") || p.starts_with("vào ")
            });
            return Some(prev.unwrap_or(i));
        }
        if starts_with_any(t, FROM_HEADERS) && lines[i + 1..].iter().take(4).any(|l| starts_with_any(l, SENT_HEADERS)) {
            // An Outlook header block, maybe under a line of underscores.
            let rule = i.checked_sub(1).filter(|p| lines[*p].trim().starts_with("____"));
            return Some(rule.unwrap_or(i));
        }
        if t.starts_with('>') {
            return Some(i);
        }
    }
    None
}

/// Splits a reply's plain text.
pub fn split(body: &str) -> Split {
    let body = body.replace("\r\n", "\n");
    let lines: Vec<&str> = body.split('\n').collect();
    match quote_start(&lines) {
        Some(at) => {
            Split { text: lines[..at].join("\n").trim().to_string(), quoted: lines[at..].join("\n").trim().to_string() }
        }
        None => Split { text: body.trim().to_string(), quoted: String::new() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inbound_gmail_reply_in_vietnamese() {
        let s = split(
            "Xin gửi số liệu: 1.234 ca.\r\n\r\nVào Th 6, 4 thg 12, 2026 vào lúc 09:00 tiepcan <\r\nreply+ab@x.vn> đã viết:\r\n> Yêu cầu TNG-2026-000001\r\n",
        );
        assert_eq!(s.text, "Xin gửi số liệu: 1.234 ca.");
        assert!(s.quoted.starts_with("Vào Th 6"));
    }

    #[test]
    fn inbound_gmail_reply_in_english_one_line() {
        let s = split("Figures attached.\n\nOn Fri, Dec 4, 2026 at 9:00 AM tiepcan <reply@x.vn> wrote:\n> Hello\n");
        assert_eq!(s.text, "Figures attached.");
    }

    #[test]
    fn inbound_outlook_reply_and_signature() {
        let s = split("Đồng ý cung cấp.\n\nTrân trọng,\n-- \nNguyễn Văn A\nSở Y tế\n");
        assert_eq!(s.text, "Đồng ý cung cấp.\n\nTrân trọng,");
        assert!(s.quoted.contains("Nguyễn Văn A"));
        let s = split(
            "Xin trả lời.\n\n________________________________\nFrom: tiepcan <no-reply@x.vn>\nSent: Friday, December 4, 2026 9:00 AM\nTo: A\nSubject: Re\n\nOld text",
        );
        assert_eq!(s.text, "Xin trả lời.");
        assert!(s.quoted.starts_with("____"));
        let s = split("Trả lời.\n-----Original Message-----\nFrom: x\n");
        assert_eq!(s.text, "Trả lời.");
    }

    #[test]
    fn inbound_text_without_quote_is_kept_whole() {
        let s = split("Một dòng.\nHai dòng.\n");
        assert_eq!(s, Split { text: "Một dòng.\nHai dòng.".into(), quoted: String::new() });
    }
}
