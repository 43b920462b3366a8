//! The retry schedule: parsing, and the jittered delay before an attempt.

use std::time::Duration;

const fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// The Standard Webhooks example schedule: immediately, 5 s, 5 min, 30 min,
/// 2 h, 5 h, 10 h, 14 h, 20 h, 24 h.
pub const DEFAULT_SCHEDULE: [Duration; 10] = [
    secs(0),
    secs(5),
    secs(300),
    secs(1800),
    secs(7200),
    secs(18_000),
    secs(36_000),
    secs(50_400),
    secs(72_000),
    secs(86_400),
];

/// The longest wait a `Retry-After` header can impose.
pub const MAX_RETRY_AFTER: Duration = secs(86_400);

/// Parses a comma-separated schedule such as `0s,5s,5m,30m,2h` (units `ms`,
/// `s`, `m`, `h`; each at most 24 h).
pub fn parse_schedule(text: &str) -> Result<Vec<Duration>, String> {
    let steps = text
        .split(',')
        .map(|step| {
            let step = step.trim();
            let split = step.find(|c: char| !c.is_ascii_digit()).unwrap_or(step.len());
            let (number, unit) = step.split_at(split);
            let n: u64 = number.parse().map_err(|_| format!("{step:?} is not a number with a unit"))?;
            let d = match unit {
                "ms" => Duration::from_millis(n),
                "s" => Duration::from_secs(n),
                "m" => Duration::from_secs(n.saturating_mul(60)),
                "h" => Duration::from_secs(n.saturating_mul(3600)),
                _ => return Err(format!("{step:?} needs a unit: ms, s, m or h")),
            };
            if d > MAX_RETRY_AFTER { Err(format!("{step:?} is longer than 24 h")) } else { Ok(d) }
        })
        .collect::<Result<Vec<_>, _>>()?;
    if steps.is_empty() { Err("the schedule needs at least one step".into()) } else { Ok(steps) }
}

/// `base` moved by a random factor in ±10 %, never negative.
pub fn jittered(base: Duration) -> Duration {
    let mut bytes = [0u8; 8];
    let unit = match getrandom::fill(&mut bytes) {
        Ok(()) => (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64,
        Err(_) => 0.5,
    };
    base.mul_f64(0.9 + 0.2 * unit)
}

/// The wait before the next attempt after `failed` failed attempts: the
/// jittered schedule step, or a `Retry-After` if that is later (capped at
/// 24 h). `None` when the schedule is used up.
pub fn next_delay(schedule: &[Duration], failed: usize, retry_after: Option<Duration>) -> Option<Duration> {
    let step = jittered(*schedule.get(failed)?);
    Some(match retry_after {
        Some(asked) => step.max(asked.min(MAX_RETRY_AFTER)),
        None => step,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        assert_eq!(
            parse_schedule("0s, 20ms,5m,2h").unwrap(),
            vec![secs(0), Duration::from_millis(20), secs(300), secs(7200)]
        );
        assert!(parse_schedule("5").is_err());
        assert!(parse_schedule("25h").is_err());
        assert!(parse_schedule("").is_err());
    }

    #[test]
    fn jitter_stays_within_ten_percent_and_retry_after_wins_when_later() {
        for _ in 0..200 {
            let d = next_delay(&DEFAULT_SCHEDULE, 1, None).unwrap();
            assert!(d >= Duration::from_millis(4500) && d <= Duration::from_millis(5500), "{d:?}");
        }
        assert_eq!(next_delay(&DEFAULT_SCHEDULE, 0, None), Some(Duration::ZERO));
        assert_eq!(next_delay(&DEFAULT_SCHEDULE, 1, Some(secs(60))), Some(secs(60)));
        let capped = next_delay(&DEFAULT_SCHEDULE, 9, Some(secs(999_999))).unwrap();
        assert!(capped >= MAX_RETRY_AFTER && capped <= MAX_RETRY_AFTER.mul_f64(1.1), "{capped:?}");
        assert_eq!(next_delay(&[secs(1)], 0, Some(secs(999_999))), Some(MAX_RETRY_AFTER));
        assert_eq!(next_delay(&DEFAULT_SCHEDULE, 10, None), None);
    }
}
