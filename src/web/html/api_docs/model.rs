//! The OpenAPI document turned into what the page shows: groups of
//! operations with their parameters, bodies and answers, and the schemas.
//! Pure: a JSON value in, plain values out.

use serde_json::Value;

/// A piece of a type's text; a schema's name links to its description.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub text: String,
    pub link: Option<String>,
}

/// A piece of prose; text between backticks is code.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub text: String,
    pub code: bool,
}

pub fn spans(s: &str) -> Vec<Span> {
    s.split('`')
        .enumerate()
        .filter(|(_, t)| !t.is_empty())
        .map(|(i, t)| Span { text: t.to_string(), code: i % 2 == 1 })
        .collect()
}

pub struct Group {
    pub name: String,
    pub description: String,
    pub ops: Vec<Op>,
}

pub struct Op {
    pub anchor: String,
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: Vec<Span>,
    pub auth: Auth,
    pub params: Vec<Param>,
    pub body: Option<Body>,
    pub responses: Vec<Answer>,
}

/// Whether an operation needs `Authorization: Bearer`; `Optional` when it
/// may also be called without.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Auth {
    None,
    Required,
    Optional,
}

pub struct Param {
    pub name: String,
    pub location: String,
    pub required: bool,
    pub ty: Vec<Part>,
    pub description: Vec<Span>,
}

pub struct Body {
    pub content_type: String,
    pub ty: Vec<Part>,
    pub example: Option<String>,
}

pub struct Answer {
    pub status: String,
    pub description: String,
    pub content_type: Option<String>,
    pub ty: Vec<Part>,
    /// The error codes this answer may carry.
    pub codes: Vec<String>,
    pub example: Option<String>,
}

pub struct SchemaDoc {
    pub name: String,
    pub anchor: String,
    pub description: String,
    pub ty: Vec<Part>,
    pub fields: Vec<Field>,
}

pub struct Field {
    pub name: String,
    pub required: bool,
    pub ty: Vec<Part>,
    pub description: Vec<Span>,
}

pub struct ApiDocs {
    pub title: String,
    pub description: String,
    pub groups: Vec<Group>,
    pub schemas: Vec<SchemaDoc>,
}

const METHODS: &[&str] = &["get", "post", "put", "delete", "patch"];

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn plain(s: impl Into<String>) -> Part {
    Part { text: s.into(), link: None }
}

pub fn schema_anchor(name: &str) -> String {
    format!("schema-{name}")
}

fn ref_name(r: &str) -> &str {
    r.rsplit('/').next().unwrap_or(r)
}

fn join(out: &mut Vec<Part>, items: &[Value], sep: &str) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(plain(sep));
        }
        type_parts_into(item, out);
    }
}

/// The type of a schema as short text: `string (uuid)`, `array of AgencyView`, `integer | null`…
pub fn type_parts(schema: &Value) -> Vec<Part> {
    let mut out = Vec::new();
    type_parts_into(schema, &mut out);
    if out.is_empty() {
        out.push(plain("any"));
    }
    out
}

fn type_parts_into(schema: &Value, out: &mut Vec<Part>) {
    if let Some(r) = schema["$ref"].as_str() {
        let name = ref_name(r);
        out.push(Part { text: name.to_string(), link: Some(format!("#{}", schema_anchor(name))) });
        return;
    }
    for (key, sep) in [("oneOf", " | "), ("anyOf", " | "), ("allOf", " & ")] {
        if let Some(items) = schema[key].as_array() {
            // A named schema narrowed inline (an error answer's codes) reads as the name.
            let named: Vec<Value> = items.iter().filter(|i| i.get("$ref").is_some()).cloned().collect();
            let items = if key == "allOf" && !named.is_empty() { &named[..] } else { &items[..] };
            join(out, items, sep);
            return;
        }
    }
    if let Some(values) = schema["enum"].as_array() {
        let list: Vec<String> =
            values.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)).collect();
        out.push(plain(list.join(" | ")));
        return;
    }
    let types: Vec<String> = match &schema["type"] {
        Value::String(t) => vec![t.clone()],
        Value::Array(ts) => ts.iter().map(text).collect(),
        _ => vec![],
    };
    for (i, t) in types.iter().enumerate() {
        if i > 0 {
            out.push(plain(" | "));
        }
        match t.as_str() {
            "array" => {
                out.push(plain("array of "));
                type_parts_into(&schema["items"], out);
            }
            "object" if schema["additionalProperties"].is_object() => {
                out.push(plain("map of "));
                type_parts_into(&schema["additionalProperties"], out);
            }
            _ => {
                let format = schema["format"].as_str().map(|f| format!(" ({f})")).unwrap_or_default();
                out.push(plain(format!("{t}{format}")));
            }
        }
    }
}

fn pretty(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => serde_json::to_string_pretty(other).ok(),
    }
}

fn resolve_schema<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => &doc["components"]["schemas"][ref_name(r)],
        None => schema,
    }
}

/// The example of a media type, else of its schema (directly or through its `$ref`).
fn example_of(doc: &Value, media: &Value) -> Option<String> {
    if let Some(e) = pretty(&media["example"]) {
        return Some(e);
    }
    let schema = resolve_schema(doc, &media["schema"]);
    pretty(&schema["example"]).or_else(|| pretty(&schema["examples"][0]))
}

/// The codes an error answer names (its schema narrows `error.code` to them).
fn codes_of(schema: &Value) -> Vec<String> {
    schema["allOf"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["properties"]["error"]["properties"]["code"]["enum"].as_array())
        .flatten()
        .map(text)
        .collect()
}

fn answer(doc: &Value, status: &str, response: &Value) -> Answer {
    let response = match response["$ref"].as_str() {
        Some(r) => &doc["components"]["responses"][ref_name(r)],
        None => response,
    };
    let content = response["content"].as_object().and_then(|c| c.iter().next());
    Answer {
        status: status.to_string(),
        description: text(&response["description"]),
        content_type: content.map(|(ct, _)| ct.clone()),
        ty: content.map(|(_, m)| type_parts(&m["schema"])).unwrap_or_default(),
        codes: content.map(|(_, m)| codes_of(&m["schema"])).unwrap_or_default(),
        example: content.and_then(|(_, m)| example_of(doc, m)),
    }
}

fn auth_of(op: &Value) -> Auth {
    let Some(reqs) = op["security"].as_array() else { return Auth::None };
    let bearer = reqs.iter().any(|r| r.get("bearer").is_some());
    let anonymous = reqs.iter().any(|r| r.as_object().is_some_and(|o| o.is_empty()));
    match (bearer, anonymous) {
        (true, true) => Auth::Optional,
        (true, false) => Auth::Required,
        _ => Auth::None,
    }
}

fn operation(doc: &Value, path: &str, method: &str, op: &Value) -> Op {
    let params = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| Param {
            name: text(&p["name"]),
            location: text(&p["in"]),
            required: p["required"].as_bool().unwrap_or(false),
            ty: type_parts(&p["schema"]),
            description: spans(&text(&p["description"])),
        })
        .collect();
    let body = op["requestBody"]["content"].as_object().and_then(|c| c.iter().next()).map(|(ct, m)| Body {
        content_type: ct.clone(),
        ty: type_parts(&m["schema"]),
        example: example_of(doc, m),
    });
    let responses =
        op["responses"].as_object().into_iter().flatten().map(|(status, r)| answer(doc, status, r)).collect();
    Op {
        anchor: text(&op["operationId"]),
        method: method.to_uppercase(),
        path: path.to_string(),
        summary: text(&op["summary"]),
        description: spans(&text(&op["description"])),
        auth: auth_of(op),
        params,
        body,
        responses,
    }
}

fn schema_doc(name: &str, schema: &Value) -> SchemaDoc {
    let required: Vec<&str> = schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let fields: Vec<Field> = schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(field, s)| Field {
            name: field.clone(),
            required: required.contains(&field.as_str()),
            ty: type_parts(s),
            description: spans(&text(&s["description"])),
        })
        .collect();
    SchemaDoc {
        name: name.to_string(),
        anchor: schema_anchor(name),
        description: text(&schema["description"]),
        ty: if fields.is_empty() { type_parts(schema) } else { vec![plain("object")] },
        fields,
    }
}

/// Where an operation stands in the route table, which lists them in the
/// order a client meets them (the document's own map is sorted by path).
fn route_rank(method: &str, path: &str) -> usize {
    let under = path.strip_prefix(crate::web::api::API_PREFIX);
    crate::web::api::ROUTES
        .iter()
        .position(|(m, p)| *m == method && Some(*p) == under)
        .unwrap_or(crate::web::api::ROUTES.len())
}

/// Everything the page shows, in the document's order of tags.
pub fn build(doc: &Value) -> ApiDocs {
    let mut groups: Vec<Group> = doc["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| Group { name: text(&t["name"]), description: text(&t["description"]), ops: vec![] })
        .collect();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            let Some(op) = item.get(*method) else { continue };
            let tag = op["tags"][0].as_str().unwrap_or("other");
            let at = match groups.iter().position(|g| g.name == tag) {
                Some(i) => i,
                None => {
                    groups.push(Group { name: tag.to_string(), description: String::new(), ops: vec![] });
                    groups.len() - 1
                }
            };
            groups[at].ops.push(operation(doc, path, method, op));
        }
    }
    groups.retain(|g| !g.ops.is_empty());
    for g in &mut groups {
        g.ops.sort_by_key(|op| route_rank(&op.method, &op.path));
    }
    let schemas =
        doc["components"]["schemas"].as_object().into_iter().flatten().map(|(n, s)| schema_doc(n, s)).collect();
    ApiDocs { title: text(&doc["info"]["title"]), description: text(&doc["info"]["description"]), groups, schemas }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn flat(parts: &[Part]) -> String {
        parts.iter().map(|p| p.text.as_str()).collect()
    }

    #[test]
    fn types_read_as_short_text_with_links_to_schemas() {
        assert_eq!(flat(&type_parts(&json!({"type": "string", "format": "uuid"}))), "string (uuid)");
        assert_eq!(flat(&type_parts(&json!({"type": ["integer", "null"]}))), "integer | null");
        let arr = type_parts(&json!({"type": "array", "items": {"$ref": "#/components/schemas/AgencyView"}}));
        assert_eq!(flat(&arr), "array of AgencyView");
        assert_eq!(arr[1].link.as_deref(), Some("#schema-AgencyView"));
        let opt = json!({"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/EscalationView"}]});
        assert_eq!(flat(&type_parts(&opt)), "null | EscalationView");
        assert_eq!(
            flat(&type_parts(&json!({"type": "object", "additionalProperties": {"type": "string"}}))),
            "map of string"
        );
        assert_eq!(flat(&type_parts(&json!({"type": "string", "enum": ["vi", "en"]}))), "vi | en");
        assert_eq!(flat(&type_parts(&json!({}))), "any");
        let narrowed = json!({"allOf": [{"$ref": "#/components/schemas/ErrorBody"}, {"type": "object"}]});
        assert_eq!(flat(&type_parts(&narrowed)), "ErrorBody");
    }

    #[test]
    fn backticks_mark_code() {
        let s = spans("send `Authorization: Bearer` then `x`.");
        assert_eq!(s.iter().map(|s| s.code).collect::<Vec<_>>(), vec![false, true, false, true, false]);
        assert_eq!(s[1].text, "Authorization: Bearer");
    }

    #[test]
    fn the_real_document_gives_every_operation_its_group_and_the_error_codes() {
        let docs = build(crate::web::api::openapi::document_value());
        let ops: Vec<&Op> = docs.groups.iter().flat_map(|g| &g.ops).collect();
        let paths = crate::web::api::ROUTES.len() + 3;
        assert_eq!(ops.len(), paths);
        let accounts: Vec<&str> = docs.groups[0].ops.iter().map(|o| o.path.as_str()).take(2).collect();
        assert_eq!(accounts, ["/api/v1/reporters", "/api/v1/verify-email"], "the route table's order");
        let action = ops.iter().find(|o| o.path == "/api/v1/requests/{id}/actions").expect("actions");
        assert_eq!(action.auth, Auth::Required);
        let conflict = action.responses.iter().find(|r| r.status == "409").expect("409");
        assert!(conflict.codes.contains(&"invalid_transition".to_string()), "{:?}", conflict.codes);
        let body = action.body.as_ref().expect("body");
        assert!(body.example.as_deref().is_some_and(|e| e.contains("Sở Y tế")), "{:?}", body.example);
        assert!(
            docs.schemas.iter().any(|s| s.name == "RequestDetail" && s.fields.iter().any(|f| f.name == "deadline"))
        );
    }
}
