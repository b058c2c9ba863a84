//! Sign-in attempts: failures are counted per user name and per address by `governor`'s keyed
//! rate limiters (GCRA). A key that has used up its allowance is locked out, for a time that
//! doubles with each lockout in a row; a locked-out key is answered 429 before any password is
//! hashed, so a guesser costs the server almost nothing.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed for one user name before a lockout (then one more every three minutes):
/// five per quarter of an hour.
pub const USER_FAILURES: u32 = 5;
const USER_REFILL: Duration = Duration::from_secs(180);
/// Failures allowed from one address (an office behind one address holds many users).
pub const ADDR_FAILURES: u32 = 20;
const ADDR_REFILL: Duration = Duration::from_secs(45);
/// The longest lockout.
const LOCKOUT_MAX: Duration = Duration::from_secs(3_600);
/// The shortest lockout.
const LOCKOUT_MIN: Duration = Duration::from_secs(60);
/// Keys kept in memory before the forgotten ones are dropped.
const KEYS_MAX: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    User(String),
    Addr(IpAddr),
}

#[derive(Debug, Clone, Copy)]
struct Lockout {
    until: Instant,
    /// Lockouts in a row (the next one lasts twice as long).
    strikes: u32,
}

/// Counts failed sign-ins; see the module's documentation.
pub struct SignInThrottle {
    by_user: DefaultKeyedRateLimiter<String>,
    by_addr: DefaultKeyedRateLimiter<IpAddr>,
    lockouts: Mutex<HashMap<Key, Lockout>>,
}

fn quota(burst: u32, refill: Duration) -> Quota {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(refill)
        .unwrap_or_else(|| Quota::per_minute(NonZeroU32::MIN))
        .allow_burst(burst)
}

/// The key of a user name as typed (case and length do not make new keys).
fn user_key(username: &str) -> String {
    username.trim().to_lowercase().chars().take(64).collect()
}

impl Default for SignInThrottle {
    fn default() -> Self {
        Self::new()
    }
}

impl SignInThrottle {
    pub fn new() -> Self {
        Self {
            by_user: RateLimiter::keyed(quota(USER_FAILURES, USER_REFILL)),
            by_addr: RateLimiter::keyed(quota(ADDR_FAILURES, ADDR_REFILL)),
            lockouts: Mutex::default(),
        }
    }

    fn keys(username: &str, addr: Option<IpAddr>) -> Vec<Key> {
        let mut keys = vec![Key::User(user_key(username))];
        keys.extend(addr.map(Key::Addr));
        keys
    }

    /// `Err(wait)` while the user name or the address is locked out.
    pub fn check(&self, username: &str, addr: Option<IpAddr>) -> Result<(), Duration> {
        let now = Instant::now();
        let lockouts = self.lockouts.lock().unwrap_or_else(|p| p.into_inner());
        let wait = Self::keys(username, addr)
            .iter()
            .filter_map(|k| lockouts.get(k))
            .filter(|l| l.until > now)
            .map(|l| l.until - now)
            .max();
        match wait {
            Some(w) => Err(w),
            None => Ok(()),
        }
    }

    /// Records a failed attempt; `Err(wait)` when it used up a key's allowance (the key is
    /// then locked out for `wait`).
    pub fn failed(&self, username: &str, addr: Option<IpAddr>) -> Result<(), Duration> {
        let clock = DefaultClock::default();
        let mut refused: Vec<(Key, Duration)> = Vec::new();
        let user = user_key(username);
        if let Err(not_until) = self.by_user.check_key(&user) {
            refused.push((Key::User(user), not_until.wait_time_from(clock.now())));
        }
        if let Some(a) = addr
            && let Err(not_until) = self.by_addr.check_key(&a)
        {
            refused.push((Key::Addr(a), not_until.wait_time_from(clock.now())));
        }
        if refused.is_empty() {
            return Ok(());
        }
        let now = Instant::now();
        let mut lockouts = self.lockouts.lock().unwrap_or_else(|p| p.into_inner());
        if lockouts.len() >= KEYS_MAX {
            lockouts.retain(|_, l| l.until > now);
            self.by_user.retain_recent();
            self.by_addr.retain_recent();
        }
        let mut longest = Duration::ZERO;
        for (key, wait) in refused {
            let strikes = lockouts.get(&key).map_or(0, |l| l.strikes) + 1;
            let doubled = wait
                .max(LOCKOUT_MIN)
                .saturating_mul(1 << (strikes - 1).min(10));
            let wait = doubled.min(LOCKOUT_MAX);
            tracing::warn!(
                ?key,
                strikes,
                wait_s = wait.as_secs(),
                "repeated failed sign-ins: locked out"
            );
            lockouts.insert(
                key,
                Lockout {
                    until: now + wait,
                    strikes,
                },
            );
            longest = longest.max(wait);
        }
        Err(longest)
    }

    /// A successful sign-in ends the user name's lockouts in a row.
    pub fn succeeded(&self, username: &str) {
        let mut lockouts = self.lockouts.lock().unwrap_or_else(|p| p.into_inner());
        lockouts.remove(&Key::User(user_key(username)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_of_a_user_then_locked_out_for_longer_each_time() {
        let t = SignInThrottle::new();
        let addr: Option<IpAddr> = "10.0.0.1".parse().ok();
        for _ in 0..USER_FAILURES {
            assert_eq!(t.check("QuanTri", addr), Ok(()));
            assert_eq!(t.failed("quantri", addr), Ok(()));
        }
        let first = t.failed("quantri ", addr).expect_err("locked out");
        assert!(first >= LOCKOUT_MIN, "{first:?}");
        assert!(
            t.check("quantri", None).is_err(),
            "the user name, from anywhere"
        );
        assert_eq!(
            t.check("nguoikhac", addr),
            Ok(()),
            "the address still has room"
        );
        // Lockouts in a row double.
        let second = t.failed("quantri", addr).expect_err("still out");
        assert!(
            second >= first * 2 - Duration::from_secs(1),
            "{first:?} {second:?}"
        );
        t.succeeded("quantri");
    }

    #[test]
    fn an_address_guessing_many_user_names_is_locked_out() {
        let t = SignInThrottle::new();
        let addr: Option<IpAddr> = "10.0.0.2".parse().ok();
        for i in 0..ADDR_FAILURES {
            assert_eq!(t.failed(&format!("nguoi{i}"), addr), Ok(()));
        }
        let locked = t
            .failed("nguoi-cuoi", addr)
            .expect_err("the address is locked out");
        assert!((LOCKOUT_MIN..=LOCKOUT_MAX).contains(&locked), "{locked:?}");
        let wait = t
            .check("mot-nguoi-moi", addr)
            .expect_err("any user name, same address");
        assert!(
            wait > Duration::ZERO && wait <= locked,
            "{wait:?} {locked:?}"
        );
        assert_eq!(t.check("mot-nguoi-moi", "10.0.0.3".parse().ok()), Ok(()));
    }
}
