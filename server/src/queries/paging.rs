//! Page sizes, opaque cursors and filter checks shared by every list.
//!
//! A cursor is the hex of `<list>:<key>`, where the key is the last item's
//! id or sequence number. It is checked on the way back in: one list's
//! cursor, a hand-made one or a damaged one is `VALIDATION_FAILED`.
//!
//! Exact-match text (a search query, a `reference` filter) is trimmed and
//! compared with `=`, never `LIKE`, so no character is a wildcard.

use crate::error::{LedgerError, LedgerResult};
use crate::time::parse_rfc3339;
use ledgerdeck_client::reads::{DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT};
use ledgerdeck_client::search::MAX_QUERY_CHARS;
use ledgerdeck_client::{FieldError, Page};

/// The longest key a cursor may carry.
const MAX_KEY_CHARS: usize = 200;

/// Collects every problem with a list's parameters before failing.
#[derive(Debug, Default)]
pub(crate) struct Checks(Vec<FieldError>);

impl Checks {
    pub(crate) fn new() -> Self {
        Checks::default()
    }

    /// The page size: default 50, and 1 to 500.
    pub(crate) fn limit(&mut self, limit: Option<i64>) -> i64 {
        self.bounded_limit(limit, DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT)
    }

    /// `limit` within 1 to `max`, `default` when absent.
    pub(crate) fn bounded_limit(&mut self, limit: Option<i64>, default: i64, max: i64) -> i64 {
        match limit {
            None => default,
            Some(n) if (1..=max).contains(&n) => n,
            Some(_) => {
                self.fail("limit", format!("must be between 1 and {max}"));
                default
            }
        }
    }

    /// The id (a UUID) a cursor of `list` carries.
    pub(crate) fn id_cursor(&mut self, list: &str, cursor: Option<&str>) -> Option<String> {
        let key = self.cursor_key(list, cursor)?;
        match uuid::Uuid::parse_str(&key) {
            Ok(id) if id.hyphenated().to_string() == key => Some(key),
            _ => self.bad_cursor(),
        }
    }

    /// The text key a cursor of `list` carries (for lists keyed by other ids).
    pub(crate) fn text_cursor(&mut self, list: &str, cursor: Option<&str>) -> Option<String> {
        let key = self.cursor_key(list, cursor)?;
        let plain = key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '_' | '.'));
        if plain { Some(key) } else { self.bad_cursor() }
    }

    /// The sequence number a cursor of `list` carries.
    pub(crate) fn seq_cursor(&mut self, list: &str, cursor: Option<&str>) -> Option<i64> {
        let key = self.cursor_key(list, cursor)?;
        match key.parse::<i64>() {
            Ok(seq) if seq > 0 && seq.to_string() == key => Some(seq),
            _ => self.bad_cursor(),
        }
    }

    /// Exact-match text for `field`, trimmed: it must not be empty and may
    /// hold at most 512 characters. `None` when not given or refused.
    pub(crate) fn exact_text(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        let text = value?.trim();
        if text.is_empty() {
            self.fail(field, "must not be empty");
            None
        } else if text.chars().count() > MAX_QUERY_CHARS {
            self.fail(field, format!("must be at most {MAX_QUERY_CHARS} characters"));
            None
        } else {
            Some(text.to_string())
        }
    }

    /// A time range `[from, to)` of RFC 3339 times, as stored microseconds;
    /// a time that does not parse, or a `to` before `from`, is refused.
    pub(crate) fn time_range(&mut self, from: Option<&str>, to: Option<&str>) -> (Option<i64>, Option<i64>) {
        let from = self.time("from", from);
        let to = self.time("to", to);
        if let (Some(a), Some(b)) = (from, to)
            && b < a
        {
            self.fail("to", "must not be before from");
        }
        (from, to)
    }

    fn time(&mut self, field: &str, value: Option<&str>) -> Option<i64> {
        let value = value?;
        let parsed = parse_rfc3339(value.trim());
        if parsed.is_none() {
            self.fail(field, "must be an RFC 3339 time, e.g. 2026-01-31T09:30:00Z");
        }
        parsed
    }

    /// Checks that `value`, if given, is one of `allowed`.
    pub(crate) fn one_of(&mut self, field: &str, value: Option<&str>, allowed: &[&str]) {
        if let Some(value) = value
            && !allowed.contains(&value)
        {
            self.fail(field, format!("must be one of {}", allowed.join(", ")));
        }
    }

    /// Records a problem with `field`.
    /// `seconds` ago from `now` (microseconds), for an age filter such as
    /// `older_than_seconds`; a negative age is refused.
    pub(crate) fn age_before(&mut self, field: &str, seconds: Option<i64>, now: i64) -> Option<i64> {
        match seconds? {
            seconds if seconds >= 0 => Some(now.saturating_sub(seconds.saturating_mul(1_000_000))),
            _ => {
                self.fail(field, "must not be negative");
                None
            }
        }
    }

    pub(crate) fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// `Ok` when nothing failed, else every problem found.
    pub(crate) fn finish(self) -> LedgerResult<()> {
        if self.0.is_empty() { Ok(()) } else { Err(LedgerError::Validation(self.0)) }
    }

    fn cursor_key(&mut self, list: &str, cursor: Option<&str>) -> Option<String> {
        let cursor = cursor?;
        let key = hex::decode(cursor)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|text| text.strip_prefix(&format!("{list}:")).map(str::to_string))
            .filter(|key| !key.is_empty() && key.len() <= MAX_KEY_CHARS);
        if key.is_none() {
            self.bad_cursor::<()>();
        }
        key
    }

    fn bad_cursor<T>(&mut self) -> Option<T> {
        self.fail("cursor", "is not a cursor of this list; pass back a next_cursor unchanged");
        None
    }
}

/// The cursor that resumes `list` after the item keyed `key`.
pub(crate) fn cursor(list: &str, key: &str) -> String {
    hex::encode(format!("{list}:{key}"))
}

/// A page from rows fetched with `LIMIT limit + 1`: the extra row, if any,
/// only says that there is a next page, which resumes after the last item.
pub(crate) fn page<T>(mut items: Vec<T>, limit: i64, list: &str, key: impl Fn(&T) -> String) -> Page<T> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|last| cursor(list, &key(last)))
    } else {
        None
    };
    Page { items, next_cursor }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_default_and_bounds() {
        let mut checks = Checks::new();
        assert_eq!(checks.limit(None), 50);
        assert_eq!(checks.limit(Some(1)), 1);
        assert_eq!(checks.limit(Some(500)), 500);
        assert!(checks.finish().is_ok());
        for bad in [0, -1, 501] {
            let mut checks = Checks::new();
            checks.limit(Some(bad));
            let err = checks.finish().unwrap_err();
            assert_eq!(err.field_errors()[0].field, "limit", "{bad}");
        }
    }

    #[test]
    fn cursors_round_trip_and_are_checked() {
        let id = uuid::Uuid::now_v7().to_string();
        let mut checks = Checks::new();
        assert_eq!(checks.id_cursor("holds", Some(&cursor("holds", &id))), Some(id.clone()));
        assert_eq!(checks.seq_cursor("statement", Some(&cursor("statement", "42"))), Some(42));
        assert_eq!(
            checks.text_cursor("accounts", Some(&cursor("accounts", "sys:USD:fees"))),
            Some("sys:USD:fees".into())
        );
        assert_eq!(checks.id_cursor("holds", None), None);
        assert!(checks.finish().is_ok());

        let bad = [
            ("holds", id.clone()),                    // not hex
            ("holds", cursor("audit", &id)),          // another list's cursor
            ("holds", cursor("holds", "not-a-uuid")), // a made-up key
            ("holds", cursor("holds", &id.to_uppercase())),
            ("holds", "zz".to_string()),
            ("holds", String::new()),
        ];
        for (list, text) in bad {
            let mut checks = Checks::new();
            assert_eq!(checks.id_cursor(list, Some(&text)), None);
            assert_eq!(checks.finish().unwrap_err().field_errors()[0].field, "cursor", "{text:?}");
        }
        for text in
            [cursor("statement", "0"), cursor("statement", "-3"), cursor("statement", "007"), cursor("statement", "x")]
        {
            let mut checks = Checks::new();
            assert_eq!(checks.seq_cursor("statement", Some(&text)), None);
            assert!(checks.finish().is_err(), "{text}");
        }
        let mut checks = Checks::new();
        assert_eq!(checks.text_cursor("accounts", Some(&cursor("accounts", "a' OR 1=1"))), None);
        assert!(checks.finish().is_err());
    }

    #[test]
    fn exact_text_is_trimmed_and_bounded() {
        let mut checks = Checks::new();
        assert_eq!(checks.exact_text("q", Some("  PSK-4411\t")), Some("PSK-4411".into()));
        assert_eq!(checks.exact_text("q", Some("%_*")), Some("%_*".into()), "no character is special");
        assert_eq!(checks.exact_text("q", None), None);
        assert_eq!(checks.exact_text("q", Some(&"é".repeat(512))), Some("é".repeat(512)), "characters, not bytes");
        assert!(checks.finish().is_ok());
        for bad in ["", "   ", &"x".repeat(513)] {
            let mut checks = Checks::new();
            assert_eq!(checks.exact_text("reference", Some(bad)), None);
            assert_eq!(checks.finish().unwrap_err().field_errors()[0].field, "reference", "{bad:?}");
        }
    }

    #[test]
    fn time_ranges_parse_rfc3339_and_name_the_bad_field() {
        let mut checks = Checks::new();
        let (from, to) = checks.time_range(Some("2026-01-31T09:30:00Z"), Some("2026-01-31T10:30:00+01:00"));
        assert_eq!((from, to), (Some(1_769_851_800_000_000), Some(1_769_851_800_000_000)));
        assert!(checks.finish().is_ok());
        for (from, to, field) in [
            (Some("yesterday"), None, "from"),
            (None, Some("2026-02-30T00:00:00Z"), "to"),
            (Some("2026-02-01T00:00:00Z"), Some("2026-01-01T00:00:00Z"), "to"),
        ] {
            let mut checks = Checks::new();
            checks.time_range(from, to);
            assert_eq!(checks.finish().unwrap_err().field_errors()[0].field, field);
        }
    }

    #[test]
    fn pages_report_a_next_cursor_only_when_more_rows_exist() {
        let full = page(vec![1, 2, 3], 2, "n", |n| n.to_string());
        assert_eq!(full.items, vec![1, 2]);
        assert_eq!(full.next_cursor, Some(cursor("n", "2")));
        let last = page(vec![1, 2], 2, "n", |n| n.to_string());
        assert_eq!(last.items, vec![1, 2]);
        assert_eq!(last.next_cursor, None);
    }
}
