//! Password hashing (Argon2id, OWASP parameters) and the rules a new
//! password must pass: length counted in Unicode characters, the offline
//! breached list, the optional HIBP range check, then zxcvbn.
//!
//! Each hash takes 19 MiB and tens of milliseconds of a core, so the work
//! is bounded: a [`HashingGate`] lets as many hashes run as there are cores
//! and a short queue wait; past it the caller hears 429 with `Retry-After`
//! rather than the server running out of memory.

use crate::error::{ApiError, ApiResult};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use vestibule_protocol::ErrorCode;

/// Longest password accepted, in characters.
pub const MAX_LENGTH: usize = 128;

/// A password as received; redacted in `Debug`.
#[derive(Clone)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// A job for a hashing thread.
type Job = Box<dyn FnOnce() + Send>;

/// Bounds concurrent Argon2 work: `slots` at once, `queue` more waiting.
/// The hashes run on `slots` threads of their own, never on the shared
/// blocking pool: each hash takes 19 MiB, and the allocator keeps that much
/// per thread that ever hashed, so a fixed set of threads also bounds the
/// memory kept after a burst.
pub struct HashingGate {
    slots: tokio::sync::Semaphore,
    queue: usize,
    waiting: std::sync::atomic::AtomicUsize,
    running: std::sync::atomic::AtomicUsize,
    peak: std::sync::atomic::AtomicUsize,
    finished: std::sync::atomic::AtomicUsize,
    jobs: std::sync::mpsc::Sender<Job>,
}

impl HashingGate {
    /// `slots` hashes at once (the number of cores when 0), `queue` waiting.
    pub fn new(slots: usize, queue: usize) -> HashingGate {
        let slots = match slots {
            0 => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            n => n,
        };
        map_large_blocks();
        let (jobs, inbox) = std::sync::mpsc::channel::<Job>();
        let inbox = std::sync::Arc::new(std::sync::Mutex::new(inbox));
        for i in 0..slots {
            let inbox = inbox.clone();
            let spawned = std::thread::Builder::new().name(format!("argon2-{i}")).spawn(move || loop {
                let job = match inbox.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => return,
                };
                match job {
                    Ok(job) => job(),
                    Err(_) => return,
                }
            });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password hashing thread");
            }
        }
        HashingGate {
            slots: tokio::sync::Semaphore::new(slots),
            queue,
            waiting: Default::default(),
            running: Default::default(),
            peak: Default::default(),
            finished: Default::default(),
            jobs,
        }
    }

    /// The most hashes that ever ran at once (for tests and the benchmark).
    pub fn peak(&self) -> usize {
        self.peak.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// How many hashes and verifications have finished (for tests: an
    /// unknown user's sign-in must verify against the dummy hash too).
    pub fn finished(&self) -> usize {
        self.finished.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Runs `work` on a hashing thread once a slot is free; 429 when the
    /// queue is full.
    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
        use std::sync::atomic::Ordering::SeqCst;
        let permit = match self.slots.try_acquire() {
            Ok(p) => p,
            Err(_) => {
                if self.waiting.fetch_add(1, SeqCst) >= self.queue {
                    self.waiting.fetch_sub(1, SeqCst);
                    return Err(busy());
                }
                let acquired = self.slots.acquire().await;
                self.waiting.fetch_sub(1, SeqCst);
                acquired.map_err(ApiError::internal)?
            }
        };
        let now_running = self.running.fetch_add(1, SeqCst) + 1;
        self.peak.fetch_max(now_running, SeqCst);
        let (tx, rx) = tokio::sync::oneshot::channel();
        let sent = self.jobs.send(Box::new(move || {
            let _ = tx.send(work());
        }));
        let result = match sent {
            Ok(()) => rx.await.map_err(ApiError::internal),
            Err(e) => Err(ApiError::internal(e)),
        };
        self.running.fetch_sub(1, SeqCst);
        self.finished.fetch_add(1, SeqCst);
        drop(permit);
        result
    }
}

/// Makes glibc map every block of 4 MiB or more on its own and unmap it on
/// free. By default its mmap threshold rises to the size of the largest
/// block freed, so after the first hash each 19 MiB Argon2 block comes from
/// the heaps, where fragmentation keeps it: measured, 100 concurrent
/// sign-ups left 386 MB resident with two hashing threads, 35 MB with this.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn map_large_blocks() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: `mallopt` only tunes the allocator (it takes its own
        // locks); the arguments are a documented parameter and a size.
        let set = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20) };
        if set != 1 {
            tracing::warn!("could not set the allocator's mmap threshold; memory after password hashing may stay resident");
        }
    });
}

/// Other allocators return large blocks by themselves.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn map_large_blocks() {}

/// The answer when every hashing slot and the queue are taken.
fn busy() -> ApiError {
    let mut e = ApiError::too_many(1);
    e.message = "The server is busy. Please try again in a moment.".into();
    e
}

fn argon2() -> Argon2<'static> {
    // OWASP: m = 19 MiB, t = 2, p = 1.
    let params = Params::new(19 * 1024, 2, 1, None).expect("constant Argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes off the async executor, within `gate`; returns a PHC string.
pub async fn hash(gate: &HashingGate, password: &Secret) -> ApiResult<String> {
    let pw = password.0.clone();
    gate.run(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        argon2().hash_password(pw.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await?
    .map_err(ApiError::internal)
}

/// Verifies off the async executor, within `gate`. A missing hash verifies
/// against a dummy so that unknown users cost the same time.
pub async fn verify(gate: &HashingGate, password: &Secret, phc: Option<String>, dummy: &str) -> ApiResult<bool> {
    let pw = password.0.clone();
    let real = phc.is_some();
    let phc = phc.unwrap_or_else(|| dummy.to_string());
    let ok = gate
        .run(move || {
            PasswordHash::new(&phc)
                .map(|h| argon2().verify_password(pw.as_bytes(), &h).is_ok())
                .map_err(|e| e.to_string())
        })
        .await?
        .map_err(ApiError::internal)?;
    Ok(ok && real)
}

/// Checks `password` against the user's hash as a guess within the user
/// lockout; a wrong one is answered `form_password_incorrect` at `param`
/// with `message`.
pub async fn guess(
    gate: &HashingGate,
    dummy: &str,
    password: &Secret,
    phc: Option<String>,
    param: &str,
    message: &str,
) -> ApiResult<crate::lockout::Guess> {
    use crate::lockout::Guess;
    Ok(if verify(gate, password, phc, dummy).await? {
        Guess::Right
    } else {
        Guess::Wrong(ApiError::field(ErrorCode::FormPasswordIncorrect, param, message))
    })
}

/// A dummy hash made once at start.
pub fn dummy_hash() -> String {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    argon2()
        .hash_password(b"vestibule-dummy-password", &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
}

/// Checks the length rules: at least `min`, at most [`MAX_LENGTH`], counted
/// in characters, never truncated.
pub fn check_length(password: &str, min: u32, param: &str) -> ApiResult<()> {
    let n = password.chars().count();
    if n < min as usize {
        return Err(ApiError::field(
            ErrorCode::FormPasswordLengthTooShort,
            param,
            format!("Passwords must be {min} characters or more."),
        ));
    }
    if n > MAX_LENGTH {
        return Err(ApiError::field(
            ErrorCode::FormPasswordLengthTooLong,
            param,
            format!("Passwords must be {MAX_LENGTH} characters or fewer."),
        ));
    }
    Ok(())
}

fn pwned(param: &str) -> ApiError {
    ApiError::field(
        ErrorCode::FormPasswordPwned,
        param,
        "This password has appeared in a data breach and can't be used. Please choose another.",
    )
}

/// What a new password is held to: the instance's numbers and the lists
/// it is checked against.
pub struct NewPasswordRules<'a> {
    /// Fewest characters.
    pub min_length: u32,
    /// Lowest zxcvbn score (0 turns the check off).
    pub min_strength: u32,
    /// The offline breached-password list.
    pub breached: &'a crate::breached::BreachedList,
    /// The HIBP range API and the client to ask it with, when configured.
    pub hibp: Option<(&'a reqwest::Client, String)>,
}

/// The rules for a new password: length, the offline breached list, the
/// HIBP range check when configured (failing open), then the zxcvbn score
/// (`user_inputs`, such as the email address, count against it).
pub async fn check_new(rules: &NewPasswordRules<'_>, password: &str, param: &str, user_inputs: &[&str]) -> ApiResult<()> {
    check_length(password, rules.min_length, param)?;
    if rules.breached.contains(password) {
        return Err(pwned(param));
    }
    if let Some((http, url)) = &rules.hibp {
        if crate::hibp::is_pwned(http, url, password).await {
            return Err(pwned(param));
        }
    }
    check_strength(password, rules.min_strength, param, user_inputs)
}

/// A new password for `user`, in place of the current one: the rules of
/// [`check_new`] (the user's email addresses count against its strength),
/// and not the password it replaces.
pub async fn check_replacement(state: &crate::state::AppState, user: &crate::store::users::UserRow, new: &Secret, param: &str) -> ApiResult<()> {
    let emails: Vec<String> = crate::store::users::emails(&state.pool, &user.id).await?.into_iter().map(|e| e.email).collect();
    let inputs: Vec<&str> = emails.iter().map(String::as_str).collect();
    check_new(&state.new_password_rules(), &new.0, param, &inputs).await?;
    if verify(&state.hashing, new, user.password_hash.clone(), &state.dummy_hash).await? {
        return Err(ApiError::field(ErrorCode::FormNewPasswordMatchesCurrent, param, "Your new password must be different from your current one."));
    }
    Ok(())
}

/// The code of a zxcvbn suggestion in `meta.zxcvbn`: zxcvbn-ts's name for
/// it, which Clerk's UI words in each of its languages
/// (`zxcvbn.suggestions.<code>`) and the portal too
/// (`password.suggestion.<code>`).
fn suggestion_code(suggestion: &zxcvbn::feedback::Suggestion) -> &'static str {
    use zxcvbn::feedback::Suggestion::*;
    match suggestion {
        UseAFewWordsAvoidCommonPhrases => "useWords",
        NoNeedForSymbolsDigitsOrUppercaseLetters => "noNeed",
        AddAnotherWordOrTwo => "anotherWord",
        CapitalizationDoesntHelpVeryMuch => "capitalization",
        AllUppercaseIsAlmostAsEasyToGuessAsAllLowercase => "allUppercase",
        ReversedWordsArentMuchHarderToGuess => "reverseWords",
        PredictableSubstitutionsDontHelpVeryMuch => "l33t",
        UseALongerKeyboardPatternWithMoreTurns => "longerKeyboardPattern",
        AvoidRepeatedWordsAndCharacters => "repeated",
        AvoidSequences => "sequences",
        AvoidRecentYears => "recentYears",
        AvoidYearsThatAreAssociatedWithYou => "associatedYears",
        AvoidDatesAndYearsThatAreAssociatedWithYou => "dates",
    }
}

/// Refuses a password whose zxcvbn score is below `min`, with zxcvbn's
/// suggestions in `meta.zxcvbn`.
pub fn check_strength(password: &str, min: u32, param: &str, user_inputs: &[&str]) -> ApiResult<()> {
    if min == 0 {
        return Ok(());
    }
    let entropy = zxcvbn::zxcvbn(password, user_inputs);
    if u32::from(u8::from(entropy.score())) >= min {
        return Ok(());
    }
    let suggestions = entropy
        .feedback()
        .map(|f| {
            f.suggestions()
                .iter()
                .map(|s| vestibule_protocol::error::ZxcvbnSuggestion { code: suggestion_code(s).to_string(), message: s.to_string() })
                .collect()
        })
        .unwrap_or_default();
    let mut e = ApiError::field(
        ErrorCode::FormPasswordNotStrongEnough,
        param,
        "This password is too easy to guess. Please choose a stronger one.",
    );
    e.meta.zxcvbn = Some(vestibule_protocol::error::ZxcvbnMeta { suggestions });
    Err(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_at_and_past_its_boundaries() {
        assert!(check_length("1234567", 8, "password").is_err());
        assert!(check_length("12345678", 8, "password").is_ok());
        assert!(check_length(&"é".repeat(8), 8, "password").is_ok(), "characters, not bytes");
        assert!(check_length(&"é".repeat(128), 8, "password").is_ok(), "128 characters of 256 bytes");
        let e = check_length(&"é".repeat(129), 8, "password").expect_err("too long");
        assert_eq!(e.code, ErrorCode::FormPasswordLengthTooLong);
        let e = check_length("short", 8, "password").expect_err("too short");
        assert_eq!(e.code, ErrorCode::FormPasswordLengthTooShort);
    }

    #[test]
    fn every_zxcvbn_suggestion_has_words_in_the_portals_tables() {
        use zxcvbn::feedback::Suggestion::*;
        let english: std::collections::BTreeMap<String, String> = serde_json::from_str(crate::locales::BUILT_IN[0].1).expect("en.json");
        for s in [
            UseAFewWordsAvoidCommonPhrases, NoNeedForSymbolsDigitsOrUppercaseLetters, AddAnotherWordOrTwo,
            CapitalizationDoesntHelpVeryMuch, AllUppercaseIsAlmostAsEasyToGuessAsAllLowercase, ReversedWordsArentMuchHarderToGuess,
            PredictableSubstitutionsDontHelpVeryMuch, UseALongerKeyboardPatternWithMoreTurns, AvoidRepeatedWordsAndCharacters,
            AvoidSequences, AvoidRecentYears, AvoidYearsThatAreAssociatedWithYou, AvoidDatesAndYearsThatAreAssociatedWithYou,
        ] {
            let key = format!("password.suggestion.{}", suggestion_code(&s));
            assert_eq!(english.get(&key), Some(&s.to_string()), "{key}");
        }
    }

    #[test]
    fn strength_below_and_at_the_minimum() {
        assert!(check_strength("qwerty12", 2, "password", &[]).is_err(), "a keyboard walk scores below 2");
        let e = check_strength("qwerty12", 2, "password", &[]).expect_err("weak");
        assert_eq!(e.code, ErrorCode::FormPasswordNotStrongEnough);
        let suggestions = e.meta.zxcvbn.map(|z| z.suggestions).unwrap_or_default();
        assert!(!suggestions.is_empty(), "suggestions are given");
        assert!(suggestions.iter().all(|s| s.code.chars().all(|c| c.is_ascii_alphanumeric())), "zxcvbn-ts's names: {suggestions:?}");
        assert!(check_strength("qwerty12", 0, "password", &[]).is_ok(), "0 turns the check off");
        assert!(check_strength("correct-horse-battery-1", 2, "password", &[]).is_ok());
        assert!(check_strength("ada@example.com1", 2, "password", &["ada@example.com"]).is_err(), "user inputs count");
    }

    #[tokio::test]
    async fn hashes_are_argon2id_with_owasp_parameters() {
        let gate = HashingGate::new(0, 4);
        let h = hash(&gate, &Secret("correct horse".into())).await.expect("hash");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        let dummy = dummy_hash();
        assert!(verify(&gate, &Secret("correct horse".into()), Some(h.clone()), &dummy).await.expect("verify"));
        assert!(!verify(&gate, &Secret("wrong".into()), Some(h), &dummy).await.expect("verify"));
        assert!(!verify(&gate, &Secret("vestibule-dummy-password".into()), None, &dummy).await.expect("verify"));
        assert_eq!(format!("{:?}", Secret("hunter2".into())), "Secret(***)");
    }

    /// On one thread every task reaches the gate before the first hash
    /// ends: one runs, three wait, the other sixteen are turned away.
    #[tokio::test]
    async fn the_gate_runs_its_slots_queues_a_few_and_refuses_the_rest() {
        let gate = std::sync::Arc::new(HashingGate::new(1, 3));
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..20 {
            let gate = gate.clone();
            tasks.spawn(async move { hash(&gate, &Secret(format!("password number {i}"))).await });
        }
        let (mut hashed, mut busy) = (0, 0);
        while let Some(done) = tasks.join_next().await {
            match done.expect("task") {
                Ok(_) => hashed += 1,
                Err(e) => {
                    assert_eq!((e.status.as_u16(), e.code, e.retry_after), (429, ErrorCode::TooManyRequests, Some(1)));
                    busy += 1;
                }
            }
        }
        assert_eq!((hashed, busy), (4, 16));
        assert_eq!(gate.peak(), 1, "never more hashes at once than slots");
    }
}
