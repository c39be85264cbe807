//! `organizations`, `memberships` and `invitations`.

use super::db::{on_db, Exec};
use sqlx::FromRow;

/// An organization row with its counts.
#[derive(Clone, Debug, FromRow)]
pub struct OrgRow {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub members_count: i64,
    pub pending_invitations_count: i64,
}

/// A membership with its organization.
#[derive(Clone, Debug, FromRow)]
pub struct MembershipRow {
    pub id: String,
    pub user_id: String,
    pub role: String,
    pub created_at: i64,
    pub updated_at: i64,
    #[sqlx(flatten)]
    pub org: OrgRow,
}

/// An invitation with its organization's public data.
#[derive(Clone, Debug, FromRow)]
pub struct InvitationRow {
    pub id: String,
    pub organization_id: String,
    pub email: String,
    pub role: String,
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub org_name: String,
    pub org_slug: String,
}

const ORG_SELECT: &str = "SELECT o.id, o.name, o.slug, o.created_at, o.updated_at,
    (SELECT COUNT(*) FROM memberships m2 WHERE m2.organization_id = o.id) AS members_count,
    (SELECT COUNT(*) FROM invitations i2 WHERE i2.organization_id = o.id AND i2.status = 'pending') AS pending_invitations_count
    FROM organizations o";

const INVITATION_SELECT: &str = "SELECT i.id, i.organization_id, i.email, i.role, i.status, i.created_at, i.updated_at,
    o.name AS org_name, o.slug AS org_slug FROM invitations i JOIN organizations o ON o.id = i.organization_id";

/// Creates an organization, and the creator's admin membership when given
/// (call inside a transaction). `Ok(None)` when the slug is taken.
pub async fn insert(ex: impl Into<Exec<'_>>, name: &str, slug: &str, creator: Option<&str>, now: i64) -> sqlx::Result<Option<String>> {
    let mut ex: Exec<'_> = ex.into();
    let id = crate::ids::new_id("org");
    let inserted = on_db!(ex.reborrow(), |c, sql| sqlx::query(sql(
        "INSERT INTO organizations (id, name, slug, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
    ))
    .bind(&id)
    .bind(name)
    .bind(slug)
    .bind(creator)
    .bind(now)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()));
    if crate::store::users::unique_or(inserted, ())?.is_none() {
        return Ok(None);
    }
    if let Some(user_id) = creator {
        add_member(ex.reborrow(), &id, user_id, "org:admin", now).await?;
    }
    Ok(Some(id))
}

/// Adds a member (no-op when already one).
pub async fn add_member(ex: impl Into<Exec<'_>>, org_id: &str, user_id: &str, role: &str, now: i64) -> sqlx::Result<()> {
    on_db!(ex, |ex, sql| {
        sqlx::query(sql("INSERT INTO memberships (id, organization_id, user_id, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"))
                .bind(crate::ids::new_id("orgmem"))
                .bind(org_id)
                .bind(user_id)
                .bind(role)
                .bind(now)
                .bind(now)
                .execute(ex)
                .await
                .map(|_| ())
    })
}

/// The organization with this id.
pub async fn by_id(ex: impl Into<Exec<'_>>, id: &str) -> sqlx::Result<Option<OrgRow>> {
    on_db!(ex, |ex, sql| sqlx::query_as(sql(&format!("{ORG_SELECT} WHERE o.id = ?"))).bind(id).fetch_optional(ex).await)
}

/// The memberships of a user, oldest first, with a page window.
pub async fn memberships_of_user(ex: impl Into<Exec<'_>>, user_id: &str, limit: i64, offset: i64) -> sqlx::Result<Vec<MembershipRow>> {
    on_db!(ex, |ex, sql| {
        sqlx::query_as(sql(&format!(
            "SELECT m.id, m.user_id, m.role, m.created_at, m.updated_at, x.* FROM memberships m
                 JOIN ({ORG_SELECT}) x ON x.id = m.organization_id
                 WHERE m.user_id = ? ORDER BY m.created_at, m.id LIMIT ? OFFSET ?"
        )))
        .bind(user_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(ex)
        .await
    })
}

/// How many memberships a user has.
pub async fn count_memberships(ex: impl Into<Exec<'_>>, user_id: &str) -> sqlx::Result<i64> {
    on_db!(ex, |ex, sql| {
        sqlx::query_scalar(sql("SELECT COUNT(*) FROM memberships WHERE user_id = ?")).bind(user_id).fetch_one(ex).await
    })
}

/// The user's role in an organization, if a member.
pub async fn role_of(ex: impl Into<Exec<'_>>, org_id: &str, user_id: &str) -> sqlx::Result<Option<String>> {
    on_db!(ex, |ex, sql| {
        sqlx::query_scalar(sql("SELECT role FROM memberships WHERE organization_id = ? AND user_id = ?"))
            .bind(org_id)
            .bind(user_id)
            .fetch_optional(ex)
            .await
    })
}

/// Creates a pending invitation.
pub async fn invite(ex: impl Into<Exec<'_>>, org_id: &str, email: &str, role: &str, now: i64) -> sqlx::Result<String> {
    on_db!(ex, |ex, sql| {
        let id = crate::ids::new_id("orginv");
        sqlx::query(sql("INSERT INTO invitations (id, organization_id, email, role, status, created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)"))
                .bind(&id)
                .bind(org_id)
                .bind(email)
                .bind(role)
                .bind(now)
                .bind(now)
                .execute(ex)
                .await?;
        Ok(id)
    })
}

/// Invitations with this status to any of the user's verified addresses.
pub async fn invitations_for_user(
    ex: impl Into<Exec<'_>>,
    user_id: &str,
    status: &str,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<InvitationRow>> {
    on_db!(ex, |ex, sql| {
        sqlx::query_as(sql(&format!(
            "{INVITATION_SELECT} WHERE i.status = ? AND i.email IN
                    (SELECT email FROM email_addresses WHERE user_id = ? AND verified = TRUE)
                 ORDER BY i.created_at, i.id LIMIT ? OFFSET ?"
        )))
        .bind(status)
        .bind(user_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(ex)
        .await
    })
}

/// How many invitations with this status reach the user's verified addresses.
pub async fn count_invitations_for_user(ex: impl Into<Exec<'_>>, user_id: &str, status: &str) -> sqlx::Result<i64> {
    on_db!(ex, |ex, sql| {
        sqlx::query_scalar(sql("SELECT COUNT(*) FROM invitations WHERE status = ? AND email IN
                    (SELECT email FROM email_addresses WHERE user_id = ? AND verified = TRUE)"))
        .bind(status)
        .bind(user_id)
        .fetch_one(ex)
        .await
    })
}

/// The invitation with this id.
pub async fn invitation(ex: impl Into<Exec<'_>>, id: &str) -> sqlx::Result<Option<InvitationRow>> {
    on_db!(ex, |ex, sql| sqlx::query_as(sql(&format!("{INVITATION_SELECT} WHERE i.id = ?"))).bind(id).fetch_optional(ex).await)
}

/// Marks a pending invitation accepted; false when it was not pending.
pub async fn accept_invitation(ex: impl Into<Exec<'_>>, id: &str, now: i64) -> sqlx::Result<bool> {
    on_db!(ex, |ex, sql| {
        let r = sqlx::query(sql("UPDATE invitations SET status = 'accepted', updated_at = ? WHERE id = ? AND status = 'pending'"))
            .bind(now)
            .bind(id)
            .execute(ex)
            .await?;
        Ok(r.rows_affected() == 1)
    })
}
