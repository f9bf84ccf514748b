use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{Backend, TestApp, body};

fn names(v: &Value) -> Vec<String> {
    v["items"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap().to_string()).collect()
}

async fn search_ignores_diacritics_and_case(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    app.seed_directory(&admin).await;
    for q in ["so%20y%20te", "S%E1%BB%9F%20Y%20T%E1%BA%BF", "SO%20Y%20TE", "sở%20y", "health"] {
        let r = body(app.get(&format!("/api/v1/agencies?q={q}"), Some(&admin)).await).await;
        assert_eq!(names(&r), vec!["Sở Y tế"], "query {q}");
    }
    // "đ" matches "d", both ways.
    let r = body(app.get("/api/v1/agencies?q=dao%20tao", Some(&admin)).await).await;
    assert_eq!(names(&r), vec!["Sở Giáo dục và Đào tạo"]);
    let r = body(app.get("/api/v1/agencies?q=%C4%91%E1%BB%93n%20bi%C3%AAn", Some(&admin)).await).await;
    assert_eq!(names(&r), vec!["Đồn Biên phòng Đồng Hỷ"]);
    let r = body(app.get("/api/v1/agencies?q=don%20bien%20phong", Some(&admin)).await).await;
    assert_eq!(names(&r), vec!["Đồn Biên phòng Đồng Hỷ"]);
    // Words match at their start: "y" does not find "technology".
    let r = body(app.get("/api/v1/agencies?q=y", Some(&admin)).await).await;
    assert_eq!(names(&r), vec!["Sở Y tế"]);
    // Wildcards are literal.
    let r = body(app.get("/api/v1/agencies?q=%25", Some(&admin)).await).await;
    assert_eq!(r["total"], 0);
    // Paging and the list shape.
    let r = body(app.get("/api/v1/agencies?per_page=2&page=2", Some(&admin)).await).await;
    assert_eq!((r["total"].as_i64(), r["page"].as_i64(), r["per_page"].as_i64()), (Some(4), Some(2), Some(2)));
    assert_eq!(r["items"].as_array().unwrap().len(), 2);
    assert_eq!(r["items"][0]["jurisdiction"], "TNG");
    // Signed-in callers only.
    assert_eq!(app.get("/api/v1/agencies", None).await.status(), StatusCode::UNAUTHORIZED);
}
both!(search_ignores_diacritics_and_case);

async fn csv_import_good_and_bad(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    app.seed_directory(&admin).await;
    // A file with bad rows imports nothing and names every bad line.
    let bad = "jurisdiction,code,name,name_en,level,parent_code,email\n\
               TNG,STC,Sở Tài chính,Department of Finance,department,,\n\
               HNI,SYT,Sở Y tế Hà Nội,,department,,\n\
               TNG,SXD,,,department,,\n\
               TNG,SCT,Sở Công Thương,,planet,,\n\
               TNG,BV,Bệnh viện,,other,NOPE,\n";
    let r = app.import_csv(bad, &admin).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e = body(r).await;
    assert_eq!(e["error"]["code"], "validation_failed");
    let lines: Vec<i64> = e["error"]["lines"].as_array().unwrap().iter().map(|l| l["line"].as_i64().unwrap()).collect();
    assert_eq!(lines, vec![3, 4, 5, 6]);
    assert_eq!(e["error"]["fields"]["line 3"], "jurisdiction is not a known jurisdiction");
    assert_eq!(e["error"]["fields"]["line 4"], "name is required");
    let r = body(app.get("/api/v1/agencies?q=tai%20chinh", Some(&admin)).await).await;
    assert_eq!(r["total"], 0, "nothing of the bad file was imported");

    // A good file imports, parents after children in the file included; a
    // re-import updates instead of duplicating.
    let good = "jurisdiction,code,name,name_en,level,parent_code,email\n\
                TNG,BV-A,Bệnh viện A,Hospital A,other,STC,\n\
                TNG,STC,Sở Tài chính,Department of Finance,department,,stc@tng.test\n\
                TNG,SYT,Sở Y tế tỉnh Thái Nguyên,Department of Health,department,,\n";
    let r = app.import_csv(good, &admin).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(body(r).await, json!({"created": 2, "updated": 1}));
    let r = body(app.get("/api/v1/agencies?q=benh%20vien%20a", Some(&admin)).await).await;
    let stc = app.agency_id("STC", &admin).await;
    assert_eq!(r["items"][0]["parent_id"], stc);
    let r = body(app.get("/api/v1/agencies?q=so%20y%20te", Some(&admin)).await).await;
    assert_eq!(names(&r), vec!["Sở Y tế tỉnh Thái Nguyên"]);

    // Wrong content type, and a wrong header line.
    let r = app.api.post(app.url("/api/v1/agencies/import")).bearer_auth(&admin).body(good).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = app.import_csv("code,name\nX,Y\n", &admin).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body(r).await["error"]["lines"][0]["line"], 1);
    // Reporters cannot import.
    app.register("pv@x.test", "ngày-mai-trời-nắng-7").await;
    let reporter = app.login("pv@x.test", "ngày-mai-trời-nắng-7").await;
    assert_eq!(app.import_csv(good, &reporter).await.status(), StatusCode::FORBIDDEN);
}
both!(csv_import_good_and_bad);

async fn jurisdictions_and_agencies_api(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let r = app
        .post(
            "/api/v1/jurisdictions",
            &json!({"code": "hni", "name": "Hà Nội", "department_name": "Sở Văn hóa và Thể thao Hà Nội", "department_email": "baochi@hanoi.test", "office_hours": [["08:00","12:00"],["13:30","17:30"]]}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let j = body(r).await;
    assert_eq!(j["code"], "HNI");
    assert_eq!(j["timezone"], "Asia/Ho_Chi_Minh");
    assert_eq!(j["office_hours"], json!([["08:00", "12:00"], ["13:30", "17:30"]]));
    let r = app
        .post("/api/v1/jurisdictions", &json!({"code": "HNI", "name": "x", "department_name": "x", "department_email": "x@x.test", "timezone": "Mars/Base", "office_hours": [["17:00","08:00"]]}), Some(&admin))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let f = body(r).await["error"]["fields"].clone();
    assert_eq!(f["code"], "is already used");
    assert!(f["timezone"].is_string() && f["office_hours"].is_string());

    let r = app
        .post(
            "/api/v1/agencies",
            &json!({"jurisdiction": "HNI", "code": "syt", "name": "Sở Y tế Hà Nội", "level": "department"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(body(r).await["code"], "SYT");
    let r = app
        .post(
            "/api/v1/agencies",
            &json!({"jurisdiction": "HNI", "code": "SYT", "name": "again", "level": "department"}),
            Some(&admin),
        )
        .await;
    assert_eq!(body(r).await["error"]["fields"]["code"], "is already used");
    let r = app
        .post(
            "/api/v1/agencies",
            &json!({"jurisdiction": "XXX", "code": "A", "name": "a", "level": "department"}),
            Some(&admin),
        )
        .await;
    assert_eq!(body(r).await["error"]["fields"]["jurisdiction"], "is not a known jurisdiction");

    let list = body(app.get("/api/v1/jurisdictions", Some(&admin)).await).await;
    assert_eq!(list["total"], 1);
    // Only administrators create jurisdictions.
    app.register("pv@x.test", "ngày-mai-trời-nắng-7").await;
    let reporter = app.login("pv@x.test", "ngày-mai-trời-nắng-7").await;
    let r = app.post("/api/v1/jurisdictions", &json!({"code": "DNG"}), Some(&reporter)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(body(r).await["error"]["code"], "forbidden");
}
both!(jurisdictions_and_agencies_api);

async fn staff_stay_in_their_province(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    app.seed_directory(&admin).await;
    app.post(
        "/api/v1/jurisdictions",
        &json!({"code": "HNI", "name": "Hà Nội", "department_name": "Sở VHTT", "department_email": "b@hn.test"}),
        Some(&admin),
    )
    .await;
    let pw = app.create_user("staff@tng.test", "staff", vec![], Some("TNG")).await;
    let staff = app.login("staff@tng.test", &pw).await;
    let r = app
        .post(
            "/api/v1/agencies",
            &json!({"jurisdiction": "HNI", "code": "X", "name": "X", "level": "other"}),
            Some(&staff),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post(
            "/api/v1/agencies",
            &json!({"jurisdiction": "TNG", "code": "X", "name": "X", "level": "other"}),
            Some(&staff),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = app.import_csv("jurisdiction,code,name,name_en,level,parent_code,email\nHNI,Y,Y,,other,,\n", &staff).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body(r).await["error"]["lines"][0]["line"], 2);
}
both!(staff_stay_in_their_province);
