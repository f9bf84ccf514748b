//! The audit log: administrative changes are recorded with who, when, what,
//! before and after; administrators read all of it, Department staff their
//! province's, nobody else any; the database refuses to change an entry.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{Backend, TestApp, body};

async fn entries(app: &TestApp, token: &str) -> Vec<Value> {
    let r = app.get("/api/v1/audit?per_page=100", Some(token)).await;
    assert_eq!(r.status(), StatusCode::OK);
    body(r).await["items"].as_array().unwrap().clone()
}

async fn administrative_changes_are_logged_and_scoped(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    app.seed_directory(&admin).await;
    let syt = app.agency_id("SYT", &admin).await;
    let r = app
        .post(
            "/api/v1/users",
            &json!({"email": "phatngon@syt.test", "full_name": "Trần Văn Nói", "role": "spokesperson", "agency_ids": [syt]}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let invited = body(r).await["id"].as_str().unwrap().to_string();
    // A re-import that changes one agency's name and leaves the others alone.
    let csv = "jurisdiction,code,name,name_en,level,parent_code,email\n\
               TNG,SYT,Sở Y tế tỉnh Thái Nguyên,Department of Health,department,,syt@tng.test\n\
               TNG,DBP,Đồn Biên phòng Đồng Hỷ,Dong Hy Border Post,other,,\n";
    assert_eq!(body(app.import_csv(csv, &admin).await).await, json!({"created": 0, "updated": 1}));

    let log = entries(&app, &admin).await;
    let actions: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
    // Newest first: the rename, the invitation, then the four agencies of the first import.
    assert_eq!(actions[..2], ["agency.import_update", "user.invite"], "{actions:?}");
    assert_eq!(actions.iter().filter(|a| **a == "agency.import_create").count(), 4, "{actions:?}");
    let rename = &log[0];
    assert_eq!(rename["target_id"], syt.as_str());
    assert_eq!(rename["before"]["name"], "Sở Y tế");
    assert_eq!(rename["after"]["name"], "Sở Y tế tỉnh Thái Nguyên");
    assert_eq!(rename["actor"]["full_name"], "Người dùng admin");
    let invite = &log[1];
    assert_eq!(invite["target_id"], invited.as_str());
    assert_eq!(invite["before"], Value::Null);
    assert_eq!(invite["after"]["role"], "spokesperson");
    assert_eq!(invite["after"]["agency_ids"], json!([syt]));

    // Staff of TNG see TNG's entries; staff of another province none of them.
    app.create_user("canbo@tng.test", "staff", vec![], Some("TNG")).await;
    let tng_staff = app.login("canbo@tng.test", "một-mật-khẩu-dài-42").await;
    assert_eq!(entries(&app, &tng_staff).await.len(), log.len());
    let r = app
        .post(
            "/api/v1/jurisdictions",
            &json!({"code": "HNI", "name": "Hà Nội", "department_name": "Sở VHTT Hà Nội", "department_email": "baochi@hni.test"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    app.create_user("canbo@hni.test", "staff", vec![], Some("HNI")).await;
    let hni_staff = app.login("canbo@hni.test", "một-mật-khẩu-dài-42").await;
    assert!(entries(&app, &hni_staff).await.is_empty());
    // A spokesperson or a reporter reads none of it.
    let spokes = app.create_user("sp@syt.test", "spokesperson", vec![syt.clone()], None).await;
    let spokes = app.login("sp@syt.test", &spokes).await;
    let r = app.get("/api/v1/audit", Some(&spokes)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(body(r).await["error"]["code"], "forbidden");
    assert_eq!(app.get("/api/v1/audit", None).await.status(), StatusCode::UNAUTHORIZED);

    // Append-only: the database itself refuses to edit or remove an entry.
    let refused = app
        .with_db(|c| {
            use diesel::RunQueryDsl;
            let edit = diesel::sql_query("UPDATE audit_log SET action = 'nothing'").execute(c).is_err();
            let remove = diesel::sql_query("DELETE FROM audit_log").execute(c).is_err();
            (edit, remove)
        })
        .await;
    assert_eq!(refused, (true, true));
    assert_eq!(entries(&app, &admin).await.len(), log.len());
}
both!(administrative_changes_are_logged_and_scoped);
