//! How long the event stream waits before reconnecting: exponential from a
//! base up to a cap, each wait drawn at random from the upper half of that,
//! so that clients cut off together do not all come back together.

use std::time::Duration;

/// `base` doubled for each failure after the first, at most `max`.
pub(crate) fn exponential(base: Duration, max: Duration, failures: u32) -> Duration {
    base.saturating_mul(2u32.saturating_pow(failures.saturating_sub(1))).min(max)
}

/// A wait drawn uniformly from `ceiling / 2 ..= ceiling`.
pub(crate) fn jittered(ceiling: Duration) -> Duration {
    let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(fastrand::u64(nanos - nanos / 2..=nanos))
}

/// The wait before the next attempt after `failures` failed ones (1 first).
pub(crate) fn delay(base: Duration, max: Duration, failures: u32) -> Duration {
    jittered(exponential(base, max, failures))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ceiling doubles from the base to its cap, and never overflows.
    #[test]
    fn the_ceiling_doubles_to_its_cap() {
        let (base, max) = (Duration::from_millis(250), Duration::from_secs(10));
        let ceilings: Vec<u64> = (1..=9).map(|n| exponential(base, max, n).as_millis() as u64).collect();
        assert_eq!(ceilings, [250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
        assert_eq!(exponential(base, max, u32::MAX), max);
    }

    /// Every wait lies in the upper half of its ceiling, and the waits
    /// differ from one draw to the next (so clients spread out).
    #[test]
    fn waits_lie_in_the_upper_half_and_differ() {
        let (base, max) = (Duration::from_millis(250), Duration::from_secs(10));
        for failures in 1..=8 {
            let ceiling = exponential(base, max, failures);
            let waits: Vec<Duration> = (0..200).map(|_| delay(base, max, failures)).collect();
            assert!(waits.iter().all(|w| *w >= ceiling / 2 && *w <= ceiling), "{failures}: {waits:?}");
            let mut distinct = waits.clone();
            distinct.sort();
            distinct.dedup();
            assert!(distinct.len() > 150, "waits after {failures} failures hardly differ: {distinct:?}");
            // Both ends of the range are reached: the draw spans it.
            let low = ceiling / 2 + ceiling / 8;
            let high = ceiling - ceiling / 8;
            assert!(waits.iter().any(|w| *w < low) && waits.iter().any(|w| *w > high), "{failures}: {waits:?}");
        }
        assert_eq!(jittered(Duration::ZERO), Duration::ZERO);
    }
}
