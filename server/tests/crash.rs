//! Nothing half-done after SIGKILL. Workers drive the real binary on
//! SQLite over HTTP with a mixed workload (sign-ups with emailed codes,
//! authenticator apps enrolled with their backup codes, sign-ins with a
//! password or a backup code, organizations created, invitations sent
//! through the Backend API and accepted, passwords changed, sessions
//! ended) while the test kills
//! the process with SIGKILL after a pseudo-random number of answered
//! requests, 30 times, restarting it on the same data directory each
//! time. After every kill the database file itself is checked: `PRAGMA
//! integrity_check` is `ok`, every write that was answered 2xx is there,
//! and no state is half-done (an organization without its admin, a
//! completed sign-up without its user, an email address without its user,
//! a backup code answered as used but still usable, an authenticator app
//! verified without its backup codes, an accepted invitation without its
//! membership, a changed password answered but not kept).

mod common;

use common::binary::{serve, Caller};
use serde_json::Value;
use sqlx::{Connection, Row};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

const KILLS: usize = 30;
const WORKERS: usize = 4;
const PASSWORD: &str = "correct-horse-battery-1";
/// The password of the users who changed theirs.
const NEW_PASSWORD: &str = "staple-lantern-orbit-7";
/// The Backend API key of the crash server.
const SECRET_KEY: &str = "sk_test_crash_test_key_0123456789";

/// What the server answered 2xx to, so must be in the database.
#[derive(Default)]
struct Ledger {
    users: Vec<String>,
    orgs: Vec<String>,
    ended_sessions: Vec<String>,
    /// Users whose authenticator app was verified, with their backup codes.
    totp_users: Vec<(String, Vec<String>)>,
    /// Backup codes a sign-in was answered 2xx with, by user.
    used_backup_codes: Vec<String>,
    /// Organizations answered 2xx, as `(slug, id)`, to invite into.
    org_ids: Vec<(String, String)>,
    /// Invitations answered 2xx: the invited email address and the slug.
    invited: Vec<(String, String)>,
    /// Accepted invitations: the member's email address and the slug.
    joined: Vec<(String, String)>,
    /// Users whose password change was sent (answered or not).
    changing_passwords: Vec<String>,
    /// Users whose password change was answered 2xx.
    changed_passwords: Vec<String>,
    answered: usize,
}

impl Ledger {
    /// A copy, to check while the workers go on.
    fn snapshot(&self) -> Ledger {
        Ledger {
            users: self.users.clone(),
            orgs: self.orgs.clone(),
            ended_sessions: self.ended_sessions.clone(),
            totp_users: self.totp_users.clone(),
            used_backup_codes: self.used_backup_codes.clone(),
            org_ids: self.org_ids.clone(),
            invited: self.invited.clone(),
            joined: self.joined.clone(),
            changing_passwords: self.changing_passwords.clone(),
            changed_passwords: self.changed_passwords.clone(),
            answered: self.answered,
        }
    }

    /// The password `email` signs in with now; `None` while unknown (a
    /// change was sent and cut by a kill: it may or may not have been
    /// made).
    fn password_of(&self, email: &str) -> Option<&'static str> {
        if self.changed_passwords.iter().any(|e| e == email) {
            Some(NEW_PASSWORD)
        } else if self.changing_passwords.iter().any(|e| e == email) {
            None
        } else {
            Some(PASSWORD)
        }
    }
}

/// The emailed code for `to`, from the development outbox.
async fn code_for(http: &reqwest::Client, base: &str, to: &str) -> Option<String> {
    let v: Value = serde_json::from_str(&http.get(format!("{base}/v1/dev/outbox?limit=100")).send().await.ok()?.text().await.ok()?).ok()?;
    v["response"]["data"].as_array()?.iter().find(|m| m["to"] == to).and_then(|m| m["code"].as_str()).map(str::to_string)
}

/// One worker's loop: a sign-up with its code and an organization, a
/// session ended, a sign-in of an earlier user; until the server is gone.
async fn work(base: String, worker: usize, round: usize, ledger: Arc<Mutex<Ledger>>, answered: Arc<tokio::sync::Notify>) {
    let http = reqwest::Client::new();
    let record = |f: &dyn Fn(&mut Ledger)| {
        let mut l = ledger.lock().expect("ledger");
        f(&mut l);
        l.answered += 1;
        answered.notify_one();
    };
    for n in 0.. {
        let email = format!("w{worker}-r{round}-n{n}@example.com");
        // Every other user is invited, before signing up, to the latest
        // organization, through the Backend API.
        let latest = ledger.lock().expect("ledger").org_ids.last().cloned();
        if let (Some((slug, org_id)), 1) = (latest, (worker + n) % 2) {
            let invite = http
                .post(format!("{base}/backend/v1/organizations/{org_id}/invitations"))
                .bearer_auth(SECRET_KEY)
                .form(&[("email_address", email.as_str())])
                .send()
                .await;
            match invite.map(|r| r.status().as_u16()) {
                Err(_) => return,
                Ok(200) => record(&|l| l.invited.push((email.clone(), slug.clone()))),
                Ok(status) => panic!("the invitation answered {status}"),
            }
        }
        let mut c = Caller::new(&http, &base);
        let Some(created) = c.post("/v1/client/sign_ups", &[("email_address", &email), ("password", PASSWORD)]).await else { return };
        record(&|_| {});
        let id = created["response"]["id"].as_str().unwrap_or_default().to_string();
        if c.post(&format!("/v1/client/sign_ups/{id}/prepare_verification"), &[("strategy", "email_code")]).await.is_none() {
            return;
        }
        let Some(code) = code_for(&http, &base, &email).await else { return };
        let Some(done) = c.post(&format!("/v1/client/sign_ups/{id}/attempt_verification"), &[("code", &code)]).await else { return };
        let session = done["response"]["created_session_id"].as_str().unwrap_or_default().to_string();
        record(&|l| l.users.push(email.clone()));
        // An invited user joins the organization.
        let invited_to = ledger.lock().expect("ledger").invited.iter().find(|(e, _)| *e == email).map(|(_, slug)| slug.clone());
        if let Some(slug) = invited_to {
            let Some((200, list)) = c.call(reqwest::Method::GET, "/v1/me/organization_invitations", &[]).await else { return };
            let invitation = list["response"]["data"][0]["id"].as_str().unwrap_or_default().to_string();
            if c.post(&format!("/v1/me/organization_invitations/{invitation}/accept"), &[]).await.is_none() {
                return;
            }
            record(&|l| l.joined.push((email.clone(), slug.clone())));
        }
        // Every other user enrols an authenticator app (and gets backup
        // codes); the others change their password.
        if (worker + n).is_multiple_of(2) {
            let Some(totp) = c.post("/v1/me/totp", &[]).await else { return };
            let secret = totp["response"]["secret"].as_str().unwrap_or_default().to_string();
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
            let code = common::totp_code(&secret, now, 0);
            let Some(verified) = c.post("/v1/me/totp/attempt_verification", &[("code", &code)]).await else { return };
            let codes: Vec<String> = verified["response"]["backup_codes"]
                .as_array()
                .map(|a| a.iter().filter_map(|c| c.as_str().map(str::to_string)).collect())
                .unwrap_or_default();
            record(&|l| l.totp_users.push((email.clone(), codes.clone())));
        }
        let slug = format!("org-{worker}-{round}-{n}");
        let Some(org) = c.post("/v1/organizations", &[("name", "Crash Test"), ("slug", &slug)]).await else { return };
        let org_id = org["response"]["id"].as_str().unwrap_or_default().to_string();
        record(&|l| {
            l.orgs.push(slug.clone());
            l.org_ids.push((slug.clone(), org_id.clone()));
        });
        if (worker + n) % 2 == 1 {
            ledger.lock().expect("ledger").changing_passwords.push(email.clone());
            let form = [("current_password", PASSWORD), ("new_password", NEW_PASSWORD)];
            if c.post("/v1/me/change_password", &form).await.is_none() {
                return;
            }
            record(&|l| l.changed_passwords.push(email.clone()));
        }
        if c.post(&format!("/v1/client/sessions/{session}/end"), &[]).await.is_none() {
            return;
        }
        record(&|l| l.ended_sessions.push(session.clone()));
        // A sign-in of a user made earlier (each user is signed in rarely:
        // a sign-in cut by a kill counts against the user's lockout), with a
        // backup code when the user has an authenticator app.
        let earlier = {
            let l = ledger.lock().expect("ledger");
            let pick = l.answered;
            match pick % 2 {
                0 if !l.totp_users.is_empty() => {
                    let (user, codes) = &l.totp_users[pick / 2 % l.totp_users.len()];
                    codes.get(pick / 2 / l.totp_users.len() % codes.len().max(1)).map(|code| (user.clone(), Some(code.clone())))
                }
                _ if !l.users.is_empty() => Some((l.users[pick / 2 % l.users.len()].clone(), None)),
                _ => None,
            }
        };
        if let Some((user, backup_code)) = earlier {
            let mut c = Caller::new(&http, &base);
            let Some(password) = ledger.lock().expect("ledger").password_of(&user) else { continue };
            let form = [("identifier", user.as_str()), ("password", password), ("strategy", "password")];
            let body = match c.call(reqwest::Method::POST, "/v1/client/sign_ins", &form).await {
                None => return,
                Some((200, body)) => body,
                // A user whose sign-ins were cut by kills may be locked out.
                Some((status, body)) if status < 500 => {
                    assert_eq!(body["errors"][0]["code"], "user_locked", "{status} {body}");
                    continue;
                }
                Some((status, body)) => panic!("sign-in answered {status}: {body}"),
            };
            if let (Some(code), "needs_second_factor") = (backup_code, body["response"]["status"].as_str().unwrap_or_default()) {
                let id = body["response"]["id"].as_str().unwrap_or_default().to_string();
                let form = [("strategy", "backup_code"), ("code", code.as_str())];
                match c.call(reqwest::Method::POST, &format!("/v1/client/sign_ins/{id}/attempt_second_factor"), &form).await {
                    None => return,
                    Some((200, _)) => record(&|l| l.used_backup_codes.push(user.clone())),
                    // The code was used already, or the user is locked.
                    Some((status, _)) if status < 500 => continue,
                    Some((status, body)) => panic!("a backup code answered {status}: {body}"),
                }
                continue;
            }
            record(&|_| {});
        }
    }
}

/// `SELECT COUNT(*) ...` with `binds` for its `?`s.
async fn count(conn: &mut sqlx::SqliteConnection, sql: &str, binds: &[&str]) -> i64 {
    let mut query = sqlx::query(sql);
    for b in binds {
        query = query.bind(*b);
    }
    query.fetch_one(conn).await.unwrap_or_else(|e| panic!("{sql}: {e}")).get(0)
}

/// Checks the database file of a killed server against the ledger.
async fn check(db: &std::path::Path, ledger: &Ledger) -> usize {
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.expect("open the database");
    let verdict: String = sqlx::query("PRAGMA integrity_check").fetch_one(&mut conn).await.expect("integrity_check").get(0);
    assert_eq!(verdict, "ok");
    let mut checked = 0;
    for email in &ledger.users {
        let n = count(&mut conn, "SELECT COUNT(*) FROM email_addresses e JOIN users u ON u.id = e.user_id WHERE e.email = ? AND e.verified", &[email]).await;
        assert_eq!(n, 1, "the answered sign-up of {email} is in the database");
        checked += 1;
    }
    for slug in &ledger.orgs {
        let n = count(&mut conn, "SELECT COUNT(*) FROM organizations o JOIN memberships m ON m.organization_id = o.id AND m.role = 'org:admin' WHERE o.slug = ?", &[slug]).await;
        assert_eq!(n, 1, "the answered organization {slug} is there with its admin");
        checked += 1;
    }
    for session in &ledger.ended_sessions {
        let status: String = sqlx::query("SELECT status FROM sessions WHERE id = ?").bind(session).fetch_one(&mut conn).await.expect("session").get(0);
        assert_ne!(status, "active", "the answered end of {session} is kept");
        checked += 1;
    }
    for (email, _) in &ledger.totp_users {
        let n = count(&mut conn, "SELECT COUNT(*) FROM totps t JOIN email_addresses e ON e.user_id = t.user_id WHERE e.email = ? AND t.verified", &[email]).await;
        assert_eq!(n, 1, "the answered enrolment of {email} is there, verified");
        checked += 1;
    }
    for email in ledger.used_backup_codes.iter().collect::<std::collections::BTreeSet<_>>() {
        let answered = ledger.used_backup_codes.iter().filter(|e| *e == email).count() as i64;
        let used = count(&mut conn, "SELECT COUNT(*) FROM backup_codes b JOIN email_addresses e ON e.user_id = b.user_id WHERE e.email = ? AND b.used_at IS NOT NULL", &[email]).await;
        assert!(used >= answered, "{email}: {answered} backup codes answered as used, {used} marked used");
        checked += 1;
    }
    for (email, slug) in &ledger.joined {
        let n = count(&mut conn, "SELECT COUNT(*) FROM memberships m JOIN organizations o ON o.id = m.organization_id \
             JOIN email_addresses e ON e.user_id = m.user_id WHERE e.email = ? AND o.slug = ?", &[email, slug]).await;
        assert_eq!(n, 1, "the answered acceptance of {email} into {slug} is a membership");
        checked += 1;
    }
    for (email, slug) in &ledger.invited {
        let n = count(&mut conn, "SELECT COUNT(*) FROM invitations i JOIN organizations o ON o.id = i.organization_id WHERE i.email = ? AND o.slug = ?", &[email, slug]).await;
        assert_eq!(n, 1, "the answered invitation of {email} to {slug} is there");
        checked += 1;
    }
    let gate = vestibule_server::password::HashingGate::new(2, 64);
    let dummy = vestibule_server::password::dummy_hash();
    for email in &ledger.changed_passwords {
        let hash: Option<String> = sqlx::query("SELECT u.password_hash FROM users u JOIN email_addresses e ON e.user_id = u.id WHERE e.email = ?")
            .bind(email)
            .fetch_one(&mut conn)
            .await
            .expect("password hash")
            .get(0);
        let secret = vestibule_server::password::Secret(NEW_PASSWORD.to_string());
        let kept = vestibule_server::password::verify(&gate, &secret, hash, &dummy).await.expect("verify");
        assert!(kept, "the answered password change of {email} is kept");
        checked += 1;
    }
    for (what, sql) in [
        ("an organization without an admin", "SELECT COUNT(*) FROM organizations o WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.organization_id = o.id AND m.role = 'org:admin')"),
        ("a completed sign-up without its user", "SELECT COUNT(*) FROM sign_ups s WHERE s.status = 'complete' AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = s.created_user_id)"),
        ("a user without an email address", "SELECT COUNT(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM email_addresses e WHERE e.user_id = u.id)"),
        ("an email address without its user", "SELECT COUNT(*) FROM email_addresses e WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = e.user_id)"),
        ("a membership without its organization", "SELECT COUNT(*) FROM memberships m WHERE NOT EXISTS (SELECT 1 FROM organizations o WHERE o.id = m.organization_id)"),
        (
            "a verified authenticator app without its backup codes",
            "SELECT COUNT(*) FROM totps t WHERE t.verified AND NOT EXISTS (SELECT 1 FROM backup_codes b WHERE b.user_id = t.user_id)",
        ),
        (
            "an accepted invitation without its membership",
            "SELECT COUNT(*) FROM invitations i WHERE i.status = 'accepted' AND NOT EXISTS (SELECT 1 FROM memberships m \
             JOIN email_addresses e ON e.user_id = m.user_id WHERE m.organization_id = i.organization_id AND e.email = i.email)",
        ),
    ] {
        let n = count(&mut conn, sql, &[]).await;
        assert_eq!(n, 0, "{what}");
    }
    conn.close().await.expect("close");
    checked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_at_any_moment_leaves_every_answered_write_and_nothing_half_done() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("vestibule.toml");
    std::fs::write(
        &config,
        format!(
            "secret_key = \"{SECRET_KEY}\"\nsign_in_attempts_per_ip_per_minute = 1000000\nsign_up_attempts_per_ip_per_minute = 1000000\n\
             [instance]\ninstance_type = \"development\"\n"
        ),
    )
    .expect("config");
    let data = dir.path().join("data");
    let config_arg = config.to_string_lossy().to_string();
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let answered = Arc::new(tokio::sync::Notify::new());
    let mut seed: u64 = 0x5eed_1234_abcd_0001;
    let mut checks = 0;
    let killed = AtomicUsize::new(0);
    for round in 0..KILLS {
        let mut served = serve(&data, &["--config", &config_arg], &[]);
        let base = served.base.clone().unwrap_or_else(|| panic!("the server restarted after kill {round}: {}", served.output()));
        let workers: Vec<_> =
            (0..WORKERS).map(|w| tokio::spawn(work(base.clone(), w, round, ledger.clone(), answered.clone()))).collect();
        // Kill after 5 to 44 more answered requests.
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let target = ledger.lock().expect("ledger").answered + 5 + (seed >> 33) as usize % 40;
        while ledger.lock().expect("ledger").answered < target {
            let progress = tokio::time::timeout(std::time::Duration::from_secs(60), answered.notified()).await;
            assert!(progress.is_ok(), "the workload stopped making progress in round {round}: {}", served.output());
        }
        let _ = served.child.kill();
        let _ = served.child.wait();
        killed.fetch_add(1, Ordering::SeqCst);
        for w in workers {
            w.abort();
            if let Err(e) = w.await {
                if e.is_panic() {
                    std::panic::resume_unwind(e.into_panic());
                }
            }
        }
        let snapshot = ledger.lock().expect("ledger").snapshot();
        checks += check(&data.join("vestibule.db"), &snapshot).await;
    }
    let l = ledger.lock().expect("ledger");
    assert!(l.users.len() >= KILLS, "the workload made progress: {} users", l.users.len());
    assert!(!l.totp_users.is_empty() && !l.used_backup_codes.is_empty(), "the workload enrolled authenticator apps and used backup codes");
    assert!(!l.joined.is_empty() && !l.changed_passwords.is_empty(), "the workload joined organizations and changed passwords");
    println!(
        "kills: {}, answered writes checked: {checks} ({} users, {} authenticator apps, {} backup codes used, {} organizations, \
         {} invitations, {} joined, {} passwords changed, {} ended sessions)",
        killed.load(Ordering::SeqCst),
        l.users.len(),
        l.totp_users.len(),
        l.used_backup_codes.len(),
        l.orgs.len(),
        l.invited.len(),
        l.joined.len(),
        l.changed_passwords.len(),
        l.ended_sessions.len()
    );
}
