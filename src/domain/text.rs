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

/// True when the text holds a control character other than line breaks and
/// tabs. PostgreSQL refuses NUL in text, and no field we store needs them.
pub fn has_forbidden_control(s: &str) -> bool {
    s.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
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

    proptest::proptest! {
        #[test]
        fn fold_is_idempotent(s in "\\PC{0,40}") {
            let once = fold(&s);
            proptest::prop_assert_eq!(fold(&once), once);
        }
    }
}
