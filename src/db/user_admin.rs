//! The queries of user administration and of accounts changing themselves:
//! the filtered list, status and role changes, assignments ending, the
//! profile and the address.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::models::User;
use super::schema::{agencies, jurisdictions, spokesperson_assignments as sa, users};
use crate::domain::account::{Locale, Role};
use crate::domain::text::like_escape;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// Whether an account can sign in, waits for its invitation, or was deactivated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Active,
    Invited,
    Deactivated,
}

/// What the list is narrowed to; every part is optional.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub role: Option<Role>,
    pub agency_id: Option<String>,
    pub status: Option<Status>,
    /// Already lower-cased; matched anywhere in the name or the address.
    pub q: Option<String>,
    /// Department staff see the spokespeople of this jurisdiction's agencies only.
    pub spokespeople_of_jurisdiction: Option<String>,
}

/// A page of accounts by name (then id, so paging is stable) and the total.
pub fn page(conn: &mut DbConn, f: &Filter, offset: i64, limit: i64) -> QueryResult<(Vec<User>, i64)> {
    let build = || {
        let mut q = users::table.into_boxed();
        if let Some(r) = f.role {
            q = q.filter(users::role.eq(r.as_str()));
        }
        match f.status {
            Some(Status::Active) => {
                q = q.filter(users::disabled_at.is_null()).filter(users::password_hash.is_not_null())
            }
            Some(Status::Invited) => q = q.filter(users::disabled_at.is_null()).filter(users::password_hash.is_null()),
            Some(Status::Deactivated) => q = q.filter(users::disabled_at.is_not_null()),
            None => {}
        }
        if let Some(a) = &f.agency_id {
            let of_agency = sa::table.filter(sa::user_id.eq(users::id)).filter(sa::agency_id.eq(a.clone()));
            q = q.filter(diesel::dsl::exists(of_agency));
        }
        if let Some(j) = &f.spokespeople_of_jurisdiction {
            let in_province = sa::table
                .inner_join(agencies::table)
                .filter(sa::user_id.eq(users::id))
                .filter(agencies::jurisdiction_id.eq(j.clone()));
            q = q.filter(users::role.eq(Role::Spokesperson.as_str())).filter(diesel::dsl::exists(in_province));
        }
        if let Some(text) = &f.q {
            let pattern = format!("%{}%", like_escape(text));
            q = q.filter(
                lower(users::full_name).like(pattern.clone()).escape('\\').or(users::email.like(pattern).escape('\\')),
            );
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows = build()
        .order((users::full_name.asc(), users::id.asc()))
        .offset(offset)
        .limit(limit)
        .select(User::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// Whether the account speaks, or spoke, for an agency of this jurisdiction.
pub fn is_spokesperson_in(conn: &mut DbConn, user_id: &str, jurisdiction_id: &str) -> QueryResult<bool> {
    let n: i64 = sa::table
        .inner_join(agencies::table)
        .filter(sa::user_id.eq(user_id))
        .filter(agencies::jurisdiction_id.eq(jurisdiction_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The active administrators' ids (not deactivated, and with a password: an
/// invitation never accepted administers nothing). On PostgreSQL their rows stay locked until
/// the transaction ends, so two administrators removing each other at once
/// cannot both succeed; SQLite has one writer at a time anyway.
pub fn lock_active_admins(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    let q = users::table
        .filter(users::role.eq(Role::Admin.as_str()))
        .filter(users::disabled_at.is_null())
        .filter(users::password_hash.is_not_null())
        .order(users::id.asc())
        .select(users::id);
    match conn {
        DbConn::Pg(c) => q.for_update().load(c),
        DbConn::Sqlite(c) => q.load(c),
    }
}

pub fn set_disabled(conn: &mut DbConn, id: &str, at: Option<NaiveDateTime>) -> QueryResult<()> {
    diesel::update(users::table.find(id)).set(users::disabled_at.eq(at)).execute(conn).map(|_| ())
}

pub fn set_role(conn: &mut DbConn, id: &str, role: Role, jurisdiction_id: Option<&str>) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((users::role.eq(role.as_str()), users::jurisdiction_id.eq(jurisdiction_id)))
        .execute(conn)
        .map(|_| ())
}

/// Ends the assignments in force of an account to these agencies (all of them
/// when `agency_ids` is `None`).
pub fn end_assignments(
    conn: &mut DbConn,
    user_id: &str,
    agency_ids: Option<&[String]>,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let in_force = sa::table
        .filter(sa::user_id.eq(user_id))
        .filter(sa::valid_from.le(at))
        .filter(sa::valid_to.is_null().or(sa::valid_to.gt(at)))
        .select(sa::id);
    let mut ids: Vec<String> = match agency_ids {
        Some(a) => in_force.filter(sa::agency_id.eq_any(a)).load(conn)?,
        None => in_force.load(conn)?,
    };
    ids.sort();
    diesel::update(sa::table.filter(sa::id.eq_any(&ids))).set(sa::valid_to.eq(at)).execute(conn)
}

/// A profile's fields (reporters' outlet and press card stay as they are when `None`).
pub struct ProfileFields<'a> {
    pub full_name: &'a str,
    pub outlet: Option<&'a str>,
    pub press_card_no: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub title: Option<&'a str>,
    pub locale: Locale,
}

pub fn set_profile(conn: &mut DbConn, id: &str, p: &ProfileFields<'_>) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::full_name.eq(p.full_name),
            users::outlet.eq(p.outlet),
            users::press_card_no.eq(p.press_card_no),
            users::phone.eq(p.phone),
            users::title.eq(p.title),
            users::locale.eq(p.locale.as_str()),
        ))
        .execute(conn)
        .map(|_| ())
}

/// `email` must already be normalised.
pub fn set_email(conn: &mut DbConn, id: &str, email: &str) -> QueryResult<()> {
    diesel::update(users::table.find(id)).set(users::email.eq(email)).execute(conn).map(|_| ())
}

/// The code of a jurisdiction by id, for views.
pub fn jurisdiction_code(conn: &mut DbConn, id: &str) -> QueryResult<Option<String>> {
    jurisdictions::table.find(id).select(jurisdictions::code).first(conn).optional()
}
