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
    requests,
    request_events,
    reference_counters,
    idempotency_keys,
    attachments,
    escalations,
    sweep_steps,
    calendar_years,
    rule_state,
);

diesel::table! {
    requests (id) {
        id -> Text,
        reference -> Text,
        jurisdiction_id -> Text,
        agency_id -> Text,
        reporter_id -> Text,
        kind -> Text,
        subject -> Text,
        body -> Text,
        status -> Text,
        outcome -> Nullable<Text>,
        refusal_ground -> Nullable<Text>,
        policy_version -> Text,
        received_at -> Timestamp,
        due_at -> Nullable<Timestamp>,
        acknowledged_at -> Nullable<Timestamp>,
        complex -> Bool,
        extensions -> Integer,
        finished_at -> Nullable<Timestamp>,
        last_seq -> Integer,
        next_check_at -> Nullable<Timestamp>,
        version -> Integer,
        updated_at -> Timestamp,
        search_text -> Text,
    }
}

diesel::table! {
    request_events (id) {
        id -> Text,
        request_id -> Text,
        seq -> Integer,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        actor_role -> Text,
        kind -> Text,
        body -> Nullable<Text>,
        data -> Text,
        internal -> Bool,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    reference_counters (jurisdiction_id, year) {
        jurisdiction_id -> Text,
        year -> Integer,
        last_value -> Integer,
    }
}

diesel::table! {
    idempotency_keys (user_id, idem_key) {
        user_id -> Text,
        idem_key -> Text,
        body_hash -> Text,
        request_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    attachments (id) {
        id -> Text,
        request_id -> Text,
        uploaded_by -> Text,
        filename -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    escalations (id) {
        id -> Text,
        request_id -> Text,
        jurisdiction_id -> Text,
        reason -> Text,
        status -> Text,
        opened_at -> Timestamp,
        due_at -> Nullable<Timestamp>,
        assigned_to -> Nullable<Text>,
        closed_at -> Nullable<Timestamp>,
        resolution -> Nullable<Text>,
    }
}

diesel::table! {
    sweep_steps (request_id, step) {
        request_id -> Text,
        step -> Text,
        done_at -> Timestamp,
    }
}

diesel::table! {
    calendar_years (year) {
        year -> Integer,
        data -> Text,
        updated_at -> Timestamp,
        updated_by -> Nullable<Text>,
    }
}

diesel::table! {
    rule_state (name) {
        name -> Text,
        value -> Text,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(requests -> agencies (agency_id));
diesel::joinable!(requests -> users (reporter_id));
diesel::joinable!(request_events -> requests (request_id));
diesel::joinable!(attachments -> requests (request_id));
diesel::joinable!(escalations -> requests (request_id));
