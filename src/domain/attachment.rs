//! Attachments: the file's type is sniffed from its bytes (never trusted from
//! the uploader), and only documents people exchange with agencies are taken.

/// The content type of the bytes, if it is one we accept.
pub fn sniff(bytes: &[u8], filename: &str) -> Option<&'static str> {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(b"%PDF-") {
        return Some("application/pdf");
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Some("image/png");
    }
    if starts(b"\xff\xd8\xff") {
        return Some("image/jpeg");
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return Some("image/gif");
    }
    if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Some("image/webp");
    }
    if starts(b"PK\x03\x04") {
        return office_zip(bytes, filename);
    }
    if starts(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
        // Legacy Office (OLE compound file): the name tells Word from Excel.
        return match extension(filename).as_str() {
            "xls" => Some("application/vnd.ms-excel"),
            "ppt" => Some("application/vnd.ms-powerpoint"),
            _ => Some("application/msword"),
        };
    }
    if is_plain_text(bytes) {
        return Some("text/plain; charset=utf-8");
    }
    None
}

fn extension(filename: &str) -> String {
    filename.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default()
}

/// OOXML and ODF documents are ZIP files whose entries name their kind; any
/// other ZIP (an archive, an APK) is refused.
fn office_zip(bytes: &[u8], filename: &str) -> Option<&'static str> {
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    if has(b"mimetypeapplication/vnd.oasis.opendocument.text") {
        return Some("application/vnd.oasis.opendocument.text");
    }
    if has(b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet") {
        return Some("application/vnd.oasis.opendocument.spreadsheet");
    }
    if !has(b"[Content_Types].xml") {
        return None;
    }
    if has(b"word/") {
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    } else if has(b"xl/") {
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    } else if has(b"ppt/") {
        Some("application/vnd.openxmlformats-officedocument.presentationml.presentation")
    } else {
        match extension(filename).as_str() {
            "docx" => Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            _ => None,
        }
    }
}

/// UTF-8 without NUL or other binary control bytes.
fn is_plain_text(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(64 * 1024)];
    // A cut in the middle of a multi-byte character at the sample's end is fine.
    let text = match std::str::from_utf8(sample) {
        Ok(t) => t,
        Err(e) if e.valid_up_to() + 4 > sample.len() && bytes.len() > sample.len() => {
            std::str::from_utf8(&sample[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return false,
    };
    !text.is_empty() && !text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
}

/// A file name safe to store and to send back in a header: no path, at most
/// 150 characters, never empty. A name is a single-line text: one holding a
/// control or direction character is refused (the error code for the `file`
/// field), not silently rewritten.
pub fn clean_filename(name: &str) -> Result<String, &'static str> {
    if super::text::refused_in_line(name).is_some() {
        return Err("forbidden_character");
    }
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String =
        base.chars().filter(|c| !matches!(c, '"' | '<' | '>' | '|' | ':' | '*' | '?')).take(150).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    Ok(if cleaned.is_empty() { "tep-dinh-kem".into() } else { cleaned })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_types_by_their_bytes() {
        assert_eq!(sniff(b"%PDF-1.7\n...", "a.pdf"), Some("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n....", "x.bin"), Some("image/png"));
        assert_eq!(sniff(b"\xff\xd8\xff\xe0..", "photo"), Some("image/jpeg"));
        assert_eq!(sniff("Báo cáo số liệu\nDòng 2".as_bytes(), "a.txt"), Some("text/plain; charset=utf-8"));
        let docx = b"PK\x03\x04....[Content_Types].xml....word/document.xml";
        assert_eq!(
            sniff(docx, "a.docx"),
            Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        );
    }

    #[test]
    fn refused_types() {
        assert_eq!(sniff(b"MZ\x90\x00\x03", "setup.pdf"), None, "an executable named .pdf");
        assert_eq!(sniff(b"PK\x03\x04 plain zip archive", "a.zip"), None);
        assert_eq!(sniff(b"\x00\x01\x02binary", "a.txt"), None);
        assert_eq!(sniff(b"", "empty.txt"), None);
        assert_eq!(
            sniff(b"<html><script>alert(1)</script>", "a.html"),
            Some("text/plain; charset=utf-8"),
            "served as text"
        );
    }

    #[test]
    fn filenames() {
        assert_eq!(clean_filename("../../etc/passwd"), Ok("passwd".into()));
        assert_eq!(clean_filename("C:\\Users\\a\\Báo cáo.pdf"), Ok("Báo cáo.pdf".into()));
        assert_eq!(clean_filename("a\"b<c>.pdf"), Ok("abc.pdf".into()));
        assert_eq!(clean_filename("a\r\n.pdf"), Err("forbidden_character"));
        assert_eq!(clean_filename("invoice\u{202E}fdp.exe"), Err("forbidden_character"));
        assert_eq!(clean_filename(".."), Ok("tep-dinh-kem".into()));
        assert_eq!(clean_filename(""), Ok("tep-dinh-kem".into()));
    }
}
