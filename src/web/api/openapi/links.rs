//! OpenAPI links: which answer feeds which operation (a filed request's id
//! into reading it, acting on it, attaching to it…). Clients read them as
//! documentation; the contract fuzzer follows them to reach past a 404.

use serde_json::{Value, json};

struct Link {
    path: &'static str,
    method: &'static str,
    status: &'static str,
    name: &'static str,
    operation_id: &'static str,
    parameters: &'static [(&'static str, &'static str)],
    /// A JSON request body, whose string values may be runtime expressions.
    body: Option<&'static str>,
}

const fn link(
    (path, method, status): (&'static str, &'static str, &'static str),
    name: &'static str,
    operation_id: &'static str,
    parameters: &'static [(&'static str, &'static str)],
) -> Link {
    Link { path, method, status, name, operation_id, parameters, body: None }
}

const FILED: (&str, &str, &str) = ("/api/v1/requests", "post", "201");
const LISTED: (&str, &str, &str) = ("/api/v1/requests", "get", "200");
const ATTACHED: (&str, &str, &str) = ("/api/v1/requests/{id}/attachments", "post", "201");
const ESCALATIONS: (&str, &str, &str) = ("/api/v1/escalations", "get", "200");
const AGENCIES: (&str, &str, &str) = ("/api/v1/agencies", "get", "200");

const LINKS: &[Link] = &[
    link(FILED, "read", "requests_get", &[("id", "$response.body#/id")]),
    link(FILED, "act", "requests_action", &[("id", "$response.body#/id")]),
    link(FILED, "attach", "requests_attach", &[("id", "$response.body#/id")]),
    link(LISTED, "read_first", "requests_get", &[("id", "$response.body#/items/0/id")]),
    link(LISTED, "act_on_first", "requests_action", &[("id", "$response.body#/items/0/id")]),
    link(ATTACHED, "download", "requests_download", &[("id", "$request.path.id"), ("aid", "$response.body#/id")]),
    link(ESCALATIONS, "act_on_first", "department_act", &[("id", "$response.body#/items/0/id")]),
    link(AGENCIES, "preview_first", "deadlines_preview", &[("agency_id", "$response.body#/items/0/id")]),
    Link {
        body: Some(
            r#"{"agency_id": "$response.body#/items/0/id", "kind": "information",
                "subject": "Kế hoạch tiêm chủng mở rộng năm 2026",
                "body": "Đề nghị cơ quan cung cấp kế hoạch tiêm chủng mở rộng năm 2026 và kinh phí đã bố trí."}"#,
        ),
        ..link(AGENCIES, "file_with_first", "requests_create", &[])
    },
];

/// Adds the links to the answers they start from, in the serialized
/// document (utoipa 5 spells a link's `operationId` in snake case). A link
/// whose answer is missing is skipped here and caught by the tests.
pub fn add(doc: &mut Value) {
    for l in LINKS {
        let Some(response) = doc.pointer_mut(&format!(
            "/paths/{}/{}/responses/{}",
            l.path.replace('~', "~0").replace('/', "~1"),
            l.method,
            l.status
        )) else {
            continue;
        };
        let parameters: serde_json::Map<String, Value> =
            l.parameters.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
        let mut link = json!({"operationId": l.operation_id});
        if !parameters.is_empty() {
            link["parameters"] = Value::Object(parameters);
        }
        if let Some(body) = l.body.and_then(|b| serde_json::from_str::<Value>(b).ok()) {
            link["requestBody"] = body;
        }
        if let Some(obj) = response.as_object_mut() {
            let links = obj.entry("links").or_insert_with(|| json!({}));
            links[l.name] = link;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LINKS;
    use crate::web::api::openapi::document_value;

    #[test]
    fn every_link_starts_from_a_documented_answer_and_names_a_documented_operation() {
        let doc = document_value();
        let ids: Vec<&str> = doc["paths"]
            .as_object()
            .into_iter()
            .flat_map(|p| p.values())
            .flat_map(|item| item.as_object().into_iter().flat_map(|o| o.values()))
            .filter_map(|op| op["operationId"].as_str())
            .collect();
        for l in LINKS {
            let links = &doc["paths"][l.path][l.method]["responses"][l.status]["links"];
            assert!(links.get(l.name).is_some(), "link {} of {} {} is missing", l.name, l.method, l.path);
            assert!(ids.contains(&l.operation_id), "link {} names unknown {}", l.name, l.operation_id);
            if l.body.is_some() {
                assert!(links[l.name]["requestBody"].is_object(), "link {}: its body is not JSON", l.name);
            }
        }
    }
}
