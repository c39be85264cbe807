//! Phone numbers: the E.164 form every number is stored and sent in, and
//! how a number is shown to someone who has not signed in yet.

/// The E.164 form of `input` (`+` and 8 to 15 digits, the first not 0),
/// after dropping spaces, dashes, dots and parentheses. `None` when it
/// cannot be one.
pub fn normalise(input: &str) -> Option<String> {
    let kept: String = input.trim().chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.' | '\u{a0}')).collect();
    let digits = kept.strip_prefix('+')?;
    let ok = (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    ok.then(|| format!("+{digits}"))
}

/// The number with all but its last four digits masked: `+*******4567`.
pub fn masked(e164: &str) -> String {
    let digits = e164.trim_start_matches('+');
    let keep = digits.len().saturating_sub(4);
    format!("+{}{}", "*".repeat(keep), &digits[keep..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164_table() {
        let table: [(&str, Option<&str>); 16] = [
            ("+15550100123", Some("+15550100123")),
            ("+1 555 010 0123", Some("+15550100123")),
            ("+1 (555) 010-0123", Some("+15550100123")),
            ("  +44 20 7946 0958 ", Some("+442079460958")),
            ("+49.30.123456", Some("+4930123456")),
            ("+12345678", Some("+12345678")),
            ("+123456789012345", Some("+123456789012345")),
            ("+1234567", None),
            ("+1234567890123456", None),
            ("15550100123", None),
            ("+0155501001", None),
            ("++15550100123", None),
            ("+1555O100123", None),
            ("+1 555 010 0123 ext 4", None),
            ("", None),
            ("+", None),
        ];
        for (input, want) in table {
            assert_eq!(normalise(input).as_deref(), want, "{input:?}");
        }
    }

    #[test]
    fn masking_keeps_the_last_four_digits() {
        assert_eq!(masked("+15550100123"), "+*******0123");
        assert_eq!(masked("+1234"), "+1234");
    }
}
