//! Real MIME as mail programs write it, for feeding the inbound pipeline and
//! the IMAP mailbox: Gmail (quoted-printable, "On … wrote:"), Outlook (base64,
//! a "From: … Sent: …" block), HTML only, with attachments, auto-replies and
//! delivery status notifications.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Quoted-printable (RFC 2045) of UTF-8 text, lines at most 76 long.
pub fn qp(text: &str) -> String {
    let mut out = String::new();
    for line in text.split('\n') {
        let mut cur = String::new();
        for b in line.bytes() {
            let enc = if (b == b' ' || b.is_ascii_graphic()) && b != b'=' {
                (b as char).to_string()
            } else {
                format!("={b:02X}")
            };
            if cur.len() + enc.len() > 75 {
                out.push_str(&cur);
                out.push_str("=\r\n");
                cur.clear();
            }
            cur.push_str(&enc);
        }
        out.push_str(&cur);
        out.push_str("\r\n");
    }
    out
}

/// Base64 in lines of 76.
pub fn b64(bytes: &[u8]) -> String {
    let s = STANDARD.encode(bytes);
    s.as_bytes().chunks(76).map(|c| format!("{}\r\n", std::str::from_utf8(c).unwrap())).collect()
}

fn encoded_subject(s: &str) -> String {
    format!("=?UTF-8?B?{}?=", STANDARD.encode(s))
}

fn head(from: &str, to: &str, subject: &str, id: &str) -> String {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {}\r\nDate: Fri, 04 Dec 2026 09:30:00 +0700\r\nMessage-ID: <{id}>\r\nMIME-Version: 1.0\r\n",
        encoded_subject(subject)
    )
}

/// A Gmail reply: multipart/alternative, quoted-printable, attribution line and `>` quote.
pub fn gmail_reply(from: &str, to: &str, id: &str, text: &str) -> Vec<u8> {
    let plain = format!(
        "{text}\n\nVào Th 6, 4 thg 12, 2026 vào lúc 09:00 tiepcan <\n{to}> đã viết:\n> Yêu cầu của bạn đã được tiếp nhận.\n> Hạn trả lời: 10/12/2026\n"
    );
    let html = format!(
        "<div dir=\"ltr\">{text}</div><br><div class=\"gmail_quote\">Vào Th 6 … đã viết:<blockquote>Yêu cầu của bạn đã được tiếp nhận.</blockquote></div>"
    );
    format!(
        "{}Content-Type: multipart/alternative; boundary=\"000000000000gm\"\r\n\r\n--000000000000gm\r\nContent-Type: text/plain; charset=\"UTF-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{}--000000000000gm\r\nContent-Type: text/html; charset=\"UTF-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{}--000000000000gm--\r\n",
        head(from, to, "Re: Yêu cầu", id),
        qp(&plain),
        qp(&html)
    )
    .into_bytes()
}

/// An Outlook reply: base64 text and HTML under multipart/mixed with a PDF.
pub fn outlook_reply_with_pdf(from: &str, to: &str, id: &str, text: &str, pdf_name: &str, pdf: &[u8]) -> Vec<u8> {
    let plain = format!(
        "{text}\r\n\r\nTrân trọng,\r\n\r\n________________________________\r\nFrom: tiepcan <no-reply@tiepcan.test>\r\nSent: Friday, December 4, 2026 9:00 AM\r\nTo: Sở Y tế\r\nSubject: Yêu cầu mới\r\n\r\nYêu cầu cung cấp thông tin mới\r\n"
    );
    let html = format!("<html><body><p>{text}</p><p>Trân trọng,</p><hr><b>From:</b> tiepcan</body></html>");
    format!(
        "{}Content-Type: multipart/mixed; boundary=\"_mixed_\"\r\nX-MS-Has-Attach: yes\r\nThread-Topic: Yêu cầu\r\n\r\n--_mixed_\r\nContent-Type: multipart/alternative; boundary=\"_alt_\"\r\n\r\n--_alt_\r\nContent-Type: text/plain; charset=\"utf-8\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}--_alt_\r\nContent-Type: text/html; charset=\"utf-8\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}--_alt_--\r\n--_mixed_\r\nContent-Type: application/pdf; name=\"{pdf_name}\"\r\nContent-Disposition: attachment; filename*=utf-8''{}\r\nContent-Transfer-Encoding: base64\r\n\r\n{}--_mixed_--\r\n",
        head(from, to, "RE: Yêu cầu", id),
        b64(plain.as_bytes()),
        b64(html.as_bytes()),
        url::form_urlencoded::byte_serialize(pdf_name.as_bytes()).collect::<String>().replace('+', "%20"),
        b64(pdf)
    )
    .into_bytes()
}

/// A reply with only an HTML part.
pub fn html_only(from: &str, to: &str, id: &str, text: &str) -> Vec<u8> {
    let html = format!("<html><body><p>{text}</p><blockquote>&gt; thư cũ</blockquote></body></html>");
    format!(
        "{}Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
        head(from, to, "Re: Yêu cầu", id),
        b64(html.as_bytes())
    )
    .into_bytes()
}

/// A plain reply with `n` small text attachments.
pub fn with_attachments(from: &str, to: &str, id: &str, n: usize) -> Vec<u8> {
    let mut s = format!(
        "{}Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nNhiều tệp.\r\n",
        head(from, to, "Re", id)
    );
    for i in 0..n {
        s.push_str(&format!("--b\r\nContent-Type: text/plain; name=\"t{i}.txt\"\r\nContent-Disposition: attachment; filename=\"t{i}.txt\"\r\n\r\nTệp {i}\r\n"));
    }
    s.push_str("--b--\r\n");
    s.into_bytes()
}

/// An out-of-office notice (RFC 3834).
pub fn auto_reply(from: &str, to: &str, id: &str) -> Vec<u8> {
    format!(
        "{}Auto-Submitted: auto-replied\r\nX-Auto-Response-Suppress: All\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nTôi đang nghỉ phép đến 10/12/2026.\r\n",
        head(from, to, "Trả lời Tự động: Yêu cầu", id)
    )
    .into_bytes()
}

/// A delivery status notification (RFC 3464) for `failed`.
pub fn bounce(to: &str, id: &str, failed: &str) -> Vec<u8> {
    format!(
        "{}Content-Type: multipart/report; report-type=delivery-status; boundary=\"dsn\"\r\n\r\n--dsn\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThư không thể chuyển đến {failed}.\r\n--dsn\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mail.tng.test\r\n\r\nFinal-Recipient: rfc822; {failed}\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\r\n--dsn\r\nContent-Type: text/rfc822-headers\r\n\r\nTo: {failed}\r\nSubject: Yêu cầu\r\n--dsn--\r\n",
        head("Mail Delivery System <MAILER-DAEMON@mail.tng.test>", to, "Undelivered Mail Returned to Sender", id)
    )
    .into_bytes()
}
