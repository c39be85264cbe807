//! The published OpenAPI documents against the router that serves them:
//! every documented operation is routed, and on a documented path every
//! method the document does not list is refused with 405. (Routes are
//! declared through `openapi::Api`, which documents each route it adds;
//! this test keeps the two sides honest from outside.) Schemathesis, run
//! by `cargo xtask test`, checks the bodies against the schemas.

mod common;

use axum::http::Method;
use common::TestApp;
use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "patch", "delete", "put"];

async fn document(app: &TestApp, path: &str) -> Value {
    let resp = app.call(Method::GET, path).send().await.ok("the document");
    assert_eq!(resp.header("content-type"), Some("application/json"));
    let doc: Value = serde_json::from_slice(&resp.body).expect("the document is JSON");
    assert_eq!(doc["openapi"], "3.1.0");
    doc
}

/// Calls every method on every documented path of the API at `base`;
/// answers the mismatches.
async fn mismatches(app: &TestApp, base: &str) -> (usize, Vec<String>) {
    let doc = document(app, &format!("{base}/openapi.json")).await;
    assert_eq!(doc["servers"][0]["url"], base);
    let paths = doc["paths"].as_object().expect("paths");
    let mut operations = 0;
    let mut wrong = Vec::new();
    for (path, item) in paths {
        let concrete: String = path
            .split('/')
            .map(|seg| if seg.starts_with('{') { "x1" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        for method in METHODS {
            let documented = item.get(method).is_some();
            operations += usize::from(documented);
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let resp = app
                .call(m, &format!("{base}{concrete}"))
                .bearer(&app.secret_key)
                .send()
                .await;
            let refused_method = resp.status.as_u16() == 405;
            if documented == refused_method {
                wrong.push(format!(
                    "{} {base}{path}: documented {documented}, answered {}",
                    method.to_uppercase(),
                    resp.status
                ));
            }
            if documented {
                let op = &item[method];
                assert!(
                    op["responses"]["4XX"]["content"]["application/json"]["schema"]["$ref"]
                        == "#/components/schemas/ErrorEnvelope"
                );
                assert!(
                    op["operationId"].is_string() && op["summary"].is_string(),
                    "{method} {path}"
                );
            }
        }
    }
    (operations, wrong)
}

#[tokio::test]
async fn every_documented_operation_is_routed_and_no_other_method_is() {
    let app = TestApp::new().await;
    let (frontend, wrong_frontend) = mismatches(&app, "/v1").await;
    let (backend, wrong_backend) = mismatches(&app, "/backend/v1").await;
    let wrong: Vec<String> = wrong_frontend.into_iter().chain(wrong_backend).collect();
    assert!(
        wrong.is_empty(),
        "the documents and the router disagree:\n{}",
        wrong.join("\n")
    );
    // Sign-in, sign-up, sessions, the user, MFA, organizations, phone
    // numbers, the client: far more than a handful of operations.
    assert!(
        frontend >= 45,
        "{frontend} Frontend API operations documented"
    );
    assert!(backend >= 11, "{backend} Backend API operations documented");
}

#[tokio::test]
async fn the_documents_describe_parameters_and_answers_from_the_code() {
    let app = TestApp::new().await;
    let doc = document(&app, "/v1/openapi.json").await;
    let attempt = &doc["paths"]["/client/sign_ins/{id}/attempt_second_factor"]["post"];
    let form = &attempt["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"];
    assert_eq!(
        form["properties"]["strategy"]["enum"],
        serde_json::json!(["totp", "phone_code", "backup_code"])
    );
    assert_eq!(form["required"], serde_json::json!(["strategy", "code"]));
    assert_eq!(attempt["parameters"][0]["name"], "id");
    assert_eq!(attempt["parameters"][0]["in"], "path");
    assert_eq!(
        attempt["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/SignInJsonEnvelope"
    );
    let schemas = &doc["components"]["schemas"];
    // The sign-in's status is the closed set of `SignInStatus`.
    let status = &schemas["SignInJson"]["properties"]["status"];
    let status = if status["$ref"].is_string() {
        &schemas["SignInStatus"]
    } else {
        status
    };
    assert!(
        status["enum"]
            .as_array()
            .expect("enum")
            .iter()
            .any(|s| s == "needs_second_factor"),
        "{status}"
    );
    // The Backend API asks for the secret key, except for its own document.
    let backend = document(&app, "/backend/v1/openapi.json").await;
    assert_eq!(
        backend["security"],
        serde_json::json!([{ "secretKey": [] }])
    );
    assert_eq!(
        backend["paths"]["/openapi.json"]["get"]["security"],
        serde_json::json!([])
    );
    let patch = &backend["paths"]["/instance"]["patch"]["requestBody"]["content"]
        ["application/x-www-form-urlencoded"]["schema"];
    assert_eq!(
        patch["properties"]["mfa_required"]["anyOf"][0]["enum"],
        serde_json::json!(["true", "false", "1", "0"])
    );
    assert_eq!(patch["properties"]["allowed_origins"]["type"], "array");
    // The ids one answer gives are linked to the operations that take them.
    let links = &doc["paths"]["/client/sign_ups"]["post"]["responses"]["200"]["links"];
    assert_eq!(
        links["post_client_sign_ups_id_attempt_verification"]["parameters"]["id"],
        "$response.body#/response/id"
    );
    let links = doc["paths"].as_object().expect("paths").values().flat_map(|item| item.as_object().expect("item").values());
    let count: usize = links.filter_map(|op| op["responses"]["200"]["links"].as_object()).map(|l| l.len()).sum();
    assert!(count >= 25, "{count} links");
    // Without the key the Backend API refuses, but its document is public.
    let resp = app.call(Method::GET, "/backend/v1/instance").send().await;
    assert_eq!(resp.status.as_u16(), 401);
}
