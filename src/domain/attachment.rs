//! Attachments: the file's type is sniffed from its bytes (never trusted from
//! the uploader), and only documents people exchange with agencies are taken.

/// The content type of the bytes, if it is one we accept.
pub fn sniff(bytes: &[u8], filename: &str) -> Option<&'static str> {
    let mut s = Sniffer::default();
    s.feed(bytes);
    s.finish(filename)
}

/// How much of the start of a file the type is read from (magic numbers,
/// and whether it is plain text).
const HEAD: usize = 64 * 1024;

/// The names inside a ZIP that tell office documents from other archives;
/// they may be anywhere in the file (the central directory is at its end).
const ZIP_MARKS: [&[u8]; 6] = [
    b"mimetypeapplication/vnd.oasis.opendocument.text",
    b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet",
    b"[Content_Types].xml",
    b"word/",
    b"xl/",
    b"ppt/",
];
const ODT: usize = 0;
const ODS: usize = 1;
const CONTENT_TYPES: usize = 2;
const WORD: usize = 3;
const XL: usize = 4;
const PPT: usize = 5;
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// Sniffs a file fed in pieces as it arrives, keeping only its first
/// [`HEAD`] bytes and which ZIP names it has seen: the same answer as
/// [`sniff`] over the whole file, in bounded memory.
#[derive(Debug, Default)]
pub struct Sniffer {
    head: Vec<u8>,
    total: u64,
    marks: [bool; ZIP_MARKS.len()],
    /// The end of what came so far, so a name cut between two pieces is found.
    tail: Vec<u8>,
}

impl Sniffer {
    pub fn feed(&mut self, chunk: &[u8]) {
        if self.head.len() < HEAD {
            let take = chunk.len().min(HEAD - self.head.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.total += chunk.len() as u64;
        // Only a ZIP is searched for names (the magic is known after 4 bytes).
        let n = self.head.len().min(ZIP_MAGIC.len());
        if self.head[..n] != ZIP_MAGIC[..n] || self.marks.iter().all(|m| *m) {
            return;
        }
        let longest = ZIP_MARKS.iter().map(|m| m.len()).max().unwrap_or(1);
        // Across the seam: the previous tail and the start of this piece.
        let mut seam = std::mem::take(&mut self.tail);
        let seam_start = seam.len();
        seam.extend_from_slice(&chunk[..chunk.len().min(longest - 1)]);
        for (i, mark) in ZIP_MARKS.iter().enumerate() {
            if !self.marks[i] {
                self.marks[i] =
                    memchr::memmem::find(&seam, mark).is_some() || memchr::memmem::find(chunk, mark).is_some();
            }
        }
        // The new tail: the last `longest - 1` bytes seen.
        let keep = longest - 1;
        if chunk.len() >= keep {
            seam.clear();
            seam.extend_from_slice(&chunk[chunk.len() - keep..]);
        } else {
            seam.truncate(seam_start);
            seam.extend_from_slice(chunk);
            let cut = seam.len().saturating_sub(keep);
            seam.drain(..cut);
        }
        self.tail = seam;
    }

    /// Bytes fed so far.
    pub fn len(&self) -> u64 {
        self.total
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The content type, if it is one we accept.
    pub fn finish(&self, filename: &str) -> Option<&'static str> {
        let bytes = &self.head[..];
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
        if starts(ZIP_MAGIC) {
            return office_zip(&self.marks, filename);
        }
        if starts(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
            // Legacy Office (OLE compound file): the name tells Word from Excel.
            return match extension(filename).as_str() {
                "xls" => Some("application/vnd.ms-excel"),
                "ppt" => Some("application/vnd.ms-powerpoint"),
                _ => Some("application/msword"),
            };
        }
        if is_plain_text(bytes, self.total > bytes.len() as u64) {
            return Some("text/plain; charset=utf-8");
        }
        None
    }
}

fn extension(filename: &str) -> String {
    filename.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default()
}

/// OOXML and ODF documents are ZIP files whose entries name their kind; any
/// other ZIP (an archive, an APK) is refused.
fn office_zip(has: &[bool; ZIP_MARKS.len()], filename: &str) -> Option<&'static str> {
    if has[ODT] {
        return Some("application/vnd.oasis.opendocument.text");
    }
    if has[ODS] {
        return Some("application/vnd.oasis.opendocument.spreadsheet");
    }
    if !has[CONTENT_TYPES] {
        return None;
    }
    if has[WORD] {
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    } else if has[XL] {
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    } else if has[PPT] {
        Some("application/vnd.openxmlformats-officedocument.presentationml.presentation")
    } else {
        match extension(filename).as_str() {
            "docx" => Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            _ => None,
        }
    }
}

/// UTF-8 without NUL or other binary control bytes, judged on the first
/// [`HEAD`] bytes (`more`: the file goes on past them).
fn is_plain_text(sample: &[u8], more: bool) -> bool {
    // A cut in the middle of a multi-byte character at the sample's end is fine.
    let text = match std::str::from_utf8(sample) {
        Ok(t) => t,
        Err(e) if e.valid_up_to() + 4 > sample.len() && more => {
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

    /// Fed in pieces of any size, the sniffer answers as over the whole file,
    /// also when a ZIP name is cut between two pieces or lies past the head.
    #[test]
    fn pieces_sniff_like_the_whole() {
        let mut far_docx = b"PK\x03\x04".to_vec();
        far_docx.extend(std::iter::repeat_n(b'z', 100_000));
        far_docx.extend_from_slice(b"[Content_Types].xml");
        far_docx.extend(std::iter::repeat_n(b'z', 70_000));
        far_docx.extend_from_slice(b"xl/workbook.xml");
        let mut long_text = "Dòng chữ tiếng Việt có dấu. ".repeat(4000).into_bytes();
        long_text.extend_from_slice(b"\x00 binary after the head");
        let files: Vec<(&[u8], &str)> = vec![
            (b"%PDF-1.7\n...", "a.pdf"),
            (b"PK\x03\x04....[Content_Types].xml....word/document.xml", "a.docx"),
            (b"PK\x03\x04mimetypeapplication/vnd.oasis.opendocument.spreadsheet", "a.ods"),
            (b"PK\x03\x04 plain zip archive", "a.zip"),
            (&far_docx, "b.xlsx"),
            (&long_text, "a.txt"),
            ("Báo cáo số liệu\nDòng 2".as_bytes(), "a.txt"),
            (b"\x00\x01\x02binary", "a.txt"),
        ];
        for (bytes, name) in files {
            let whole = sniff(bytes, name);
            let pieces: &[usize] = if bytes.len() < 1000 { &[1, 2, 3, 7, 19, 64] } else { &[7, 19, 64, 4096, 65_537] };
            for &piece in pieces {
                let mut s = Sniffer::default();
                bytes.chunks(piece).for_each(|c| s.feed(c));
                assert_eq!(s.finish(name), whole, "{name} in pieces of {piece}");
                assert_eq!(s.len(), bytes.len() as u64);
            }
        }
        assert_eq!(
            sniff(&far_docx, "b.xlsx"),
            Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        );
        assert_eq!(sniff(&long_text, "a.txt"), Some("text/plain; charset=utf-8"), "judged on the head");
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
