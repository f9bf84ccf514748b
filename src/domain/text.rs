//! Text folding for search: Vietnamese is often typed without diacritics, so
//! "so y te" must find "Sở Y tế" and "đ" must match "d".

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower-cases, strips diacritics (decomposing first, so "ở" becomes "o"), maps
/// "đ"/"Đ" to "d" (a letter of its own, not a combining mark) and collapses
/// whitespace to single spaces.
pub fn fold(s: &str) -> String {
    let lower = s.to_lowercase();
    let stripped: String = lower
        .nfd()
        .filter(|c| !is_combining_mark(*c) && !c.is_control())
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect();
    stripped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most this many search words count: each becomes a condition of the
/// query, and a thousand of them overflow the database's expression tree.
pub const MAX_QUERY_TERMS: usize = 8;
/// A longer word is cut to this many characters (no name in the directory has
/// a word near that long).
pub const MAX_TERM_CHARS: usize = 40;

/// Search words of a query, folded; empty words are dropped, only the first
/// `MAX_QUERY_TERMS` count, each cut to `MAX_TERM_CHARS`.
pub fn query_terms(q: &str) -> Vec<String> {
    fold(q)
        .split(' ')
        .filter(|w| !w.is_empty())
        .take(MAX_QUERY_TERMS)
        .map(|w| w.chars().take(MAX_TERM_CHARS).collect())
        .collect()
}

/// Whether a character may appear in a single-line text (names, outlets, press
/// cards, titles, subjects, agency names, file names, CSV cells, CLI
/// arguments). Refused: every control character (C0 including CR, LF and TAB;
/// DEL; C1), the Unicode line and paragraph separators, and the bidirectional
/// embeddings, overrides and isolates, which can make a name read backwards in
/// a mail client or a log. A line break in a name is how a mail header is
/// forged; none of these characters has a use in a one-line field.
pub fn allowed_in_line(c: char) -> bool {
    !(c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'))
}

/// Whether a character may appear in a multi-line text (bodies, questions,
/// reasons, notes): the same as a line, plus LF.
pub fn allowed_in_text(c: char) -> bool {
    c == '\n' || allowed_in_line(c)
}

/// The first character a single-line text may not hold, if any.
pub fn refused_in_line(s: &str) -> Option<char> {
    s.chars().find(|c| !allowed_in_line(*c))
}

/// The first character a multi-line text may not hold, if any (after
/// `normalize_line_breaks`).
pub fn refused_in_text(s: &str) -> Option<char> {
    s.chars().find(|c| !allowed_in_text(*c))
}

/// Browsers send a textarea's line breaks as CR LF, and some mail clients a
/// lone CR: both are a line break, stored as LF. Nothing else is rewritten.
pub fn normalize_line_breaks(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains('\r') { std::borrow::Cow::Owned(s.replace("\r\n", "\n").replace('\r', "\n")) } else { s.into() }
}

/// Escapes `%`, `_` and the escape character itself for a SQL `LIKE … ESCAPE '\'`.
pub fn like_escape(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 2);
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese_diacritics_and_case() {
        assert_eq!(fold("Sở Y tế"), "so y te");
        assert_eq!(fold("Sở Giáo dục và Đào tạo"), "so giao duc va dao tao");
        assert_eq!(fold("  Công   an tỉnh "), "cong an tinh");
        assert_eq!(fold("ĐẮK LẮK"), "dak lak");
        assert_eq!(fold("Thái Nguyên"), "thai nguyen");
    }

    #[test]
    fn d_with_stroke_matches_plain_d() {
        assert_eq!(fold("đường"), fold("duong"));
    }

    #[test]
    fn query_terms_split_and_fold() {
        assert_eq!(query_terms(" Sở  y TẾ "), vec!["so", "y", "te"]);
        assert!(query_terms("   ").is_empty());
    }

    #[test]
    fn query_terms_are_bounded() {
        let many = "so ".repeat(1100);
        assert_eq!(query_terms(&many).len(), MAX_QUERY_TERMS);
        let long = "ạ".repeat(500);
        assert_eq!(query_terms(&long), vec!["a".repeat(MAX_TERM_CHARS)]);
    }

    #[test]
    fn like_escape_neutralises_wildcards() {
        assert_eq!(like_escape("50%_a\\b"), "50\\%\\_a\\\\b");
    }

    #[test]
    fn single_lines_refuse_every_control_and_direction_character() {
        for bad in [
            "Eve\r\nBcc: x@example.com",
            "a\tb",
            "a\nb",
            "a\u{7f}",
            "a\u{85}b",
            "a\u{9b}b",
            "a\u{0}b",
            "a\u{2028}b",
            "a\u{2029}b",
            "a\u{202E}gpj.exe",
            "a\u{2066}b",
            "a\u{2069}b",
            "a\u{FEFF}b",
        ] {
            assert!(refused_in_line(bad).is_some(), "{bad:?} passed");
        }
        for good in ["Nguyễn Thị Ánh", "Báo Thái Nguyên (điện tử)", "Sở Y tế — Health", "«Tuổi Trẻ»", "O'Brien 2/3"]
        {
            assert_eq!(refused_in_line(good), None, "{good:?} refused");
        }
    }

    #[test]
    fn texts_keep_line_feeds_and_nothing_else() {
        assert_eq!(refused_in_text("dòng 1\ndòng 2"), None);
        assert_eq!(refused_in_text("a\tb"), Some('\t'));
        assert_eq!(refused_in_text("a\u{202E}b"), Some('\u{202E}'));
        assert_eq!(normalize_line_breaks("a\r\nb\rc\nd"), "a\nb\nc\nd");
    }

    proptest::proptest! {
        #[test]
        fn a_clean_line_is_a_clean_text_and_holds_no_break(s in "\\PC{0,40}") {
            if refused_in_line(&s).is_none() {
                proptest::prop_assert!(refused_in_text(&s).is_none());
                proptest::prop_assert!(!s.contains(['\r', '\n', '\t']));
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn fold_is_idempotent(s in "\\PC{0,40}") {
            let once = fold(&s);
            proptest::prop_assert_eq!(fold(&once), once);
        }
    }
}
