// The tables, written by hand for both backends: only SQL types that PostgreSQL
// and SQLite share (Text, Integer, Bool, Timestamp).

diesel::table! {
    jurisdictions (id) {
        id -> Text,
        code -> Text,
        name -> Text,
        department_name -> Text,
        department_email -> Text,
        timezone -> Text,
        office_hours -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    agencies (id) {
        id -> Text,
        jurisdiction_id -> Text,
        code -> Text,
        name -> Text,
        name_en -> Nullable<Text>,
        level -> Text,
        parent_id -> Nullable<Text>,
        email -> Nullable<Text>,
        search_text -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        password_hash -> Nullable<Text>,
        full_name -> Text,
        role -> Text,
        outlet -> Nullable<Text>,
        press_card_no -> Nullable<Text>,
        phone -> Nullable<Text>,
        title -> Nullable<Text>,
        locale -> Text,
        email_verified_at -> Nullable<Timestamp>,
        jurisdiction_id -> Nullable<Text>,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        disabled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    spokesperson_assignments (id) {
        id -> Text,
        user_id -> Text,
        agency_id -> Text,
        is_primary -> Bool,
        valid_from -> Timestamp,
        valid_to -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        user_agent -> Nullable<Text>,
    }
}

diesel::table! {
    user_tokens (id) {
        id -> Text,
        user_id -> Text,
        purpose -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        created_at -> Timestamp,
        kind -> Text,
        to_email -> Text,
        to_name -> Nullable<Text>,
        locale -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        message_id -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        smtp_reply -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(agencies -> jurisdictions (jurisdiction_id));
diesel::joinable!(users -> jurisdictions (jurisdiction_id));
diesel::joinable!(spokesperson_assignments -> users (user_id));
diesel::joinable!(spokesperson_assignments -> agencies (agency_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(user_tokens -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    jurisdictions,
    agencies,
    users,
    spokesperson_assignments,
    sessions,
    user_tokens,
    outbox,
);
