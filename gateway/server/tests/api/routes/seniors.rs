//! /v1/seniors as the portal that holds them: create, get, update (If-Match), list and
//! filters, batch, lookup, idempotency, uniqueness under concurrency, profiles
//! encrypted at rest, and the problems of bad bodies, queries, routes and sizes.

use std::collections::BTreeSet;

use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    both,
    common::{TestApp, fixture, send, senior},
};

async fn create_then_get_returns_the_same_profile(app: &TestApp) {
    let sent = fixture("senior", "design-example.json");
    let response = app
        .request(Method::POST, "/v1/seniors")
        .json(&sent)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["etag"], "\"1\"");
    let created: Value = response.json().await.unwrap();
    let id = created["id"].as_str().unwrap();
    assert!(id.starts_with("sen_") && id.len() == 30, "{id}");
    assert_eq!(created["version"], 1);
    for (key, value) in sent.as_object().unwrap() {
        assert_eq!(&created[key], value, "field {key} comes back as sent");
    }
    let (status, fetched) = app.get(&format!("/v1/seniors/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched, created);
}
both!(create_then_get, create_then_get_returns_the_same_profile);

async fn invalid_profiles_are_refused_with_every_violation(app: &TestApp) {
    let mut sent = fixture("senior", "design-example.json");
    sent["identityDocument"]["number"] = "110105194403080028".into();
    sent["phone"] = "12345".into();
    let response = app
        .request(Method::POST, "/v1/seniors")
        .header("accept-language", "en")
        .json(&sent)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = response.json().await.unwrap();
    assert_eq!(
        problem["type"],
        "https://schemas.jiayang.local/problems/invalid-request"
    );
    let found: Vec<(&str, &str)> = problem["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["path"].as_str().unwrap(), v["rule"].as_str().unwrap()))
        .collect();
    assert_eq!(
        found,
        vec![
            ("/identityDocument/number", "id-card-check-digit"),
            ("/phone", "phone-format")
        ]
    );
    assert!(
        problem["violations"][0]["message"]
            .as_str()
            .unwrap()
            .contains("check digit")
    );
    // Nothing was stored.
    let (_, page) = app.get("/v1/seniors").await;
    assert_eq!(page["seniors"], json!([]));
    // Chinese by default.
    let (_, problem) = app.post("/v1/seniors", &sent).await;
    assert!(
        problem["violations"][0]["message"]
            .as_str()
            .unwrap()
            .contains("校验码")
    );
}
both!(
    invalid_profiles,
    invalid_profiles_are_refused_with_every_violation
);

async fn bodies_that_are_not_json_are_problems(app: &TestApp) {
    let (status, problem) = send(
        app.request(Method::POST, "/v1/seniors")
            .header("content-type", "application/json")
            .body("{\"name\":"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["violations"][0]["rule"], "json-syntax");
}
both!(not_json, bodies_that_are_not_json_are_problems);

async fn updates_need_the_current_version(app: &TestApp) {
    let (_, created) = app.post("/v1/seniors", &senior(1, "110105013000")).await;
    let path = format!("/v1/seniors/{}", created["id"].as_str().unwrap());
    let mut changed = senior(1, "110105013000");
    changed["status"] = "INACTIVE".into();

    let (status, problem) = send(app.request(Method::PUT, &path).json(&changed)).await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED, "{problem}");

    let (status, problem) = app.put(&path, 7, &changed).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(problem["currentVersion"], 1);

    let (status, updated) = app.put(&path, 1, &changed).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["status"], "INACTIVE");
    assert_eq!(updated["createdAt"], created["createdAt"]);

    // The same version cannot win twice.
    let (status, _) = app.put(&path, 1, &changed).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    let (status, _) = app
        .put("/v1/seniors/sen_01JC8W9Q4M5V3X2K7T6N1R0B9A", 1, &changed)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
both!(update_if_match, updates_need_the_current_version);

async fn the_same_idempotency_key_and_body_give_the_same_result(app: &TestApp) {
    let body = senior(2, "110105013000");
    let create = |body: &Value, key: &str| {
        send(
            app.request(Method::POST, "/v1/seniors")
                .header("idempotency-key", key)
                .json(body),
        )
    };
    let (first_status, first) = create(&body, "k-1").await;
    assert_eq!(first_status, StatusCode::CREATED);
    let (again_status, again) = create(&body, "k-1").await;
    assert_eq!(again_status, StatusCode::OK);
    assert_eq!(again, first);
    let mut other = body.clone();
    other["name"] = "李秀兰".into();
    let (status, problem) = create(&other, "k-1").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem["type"],
        "https://schemas.jiayang.local/problems/idempotency-key-reused"
    );

    // Fired at once with one key, every answer is the one resource.
    let body = senior(3, "110105013000");
    let answers = join_all((0..8).map(|_| create(&body, "k-2"))).await;
    let ids: std::collections::BTreeSet<&str> = answers
        .iter()
        .map(|(_, b)| b["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 1, "{answers:?}");
    assert_eq!(
        answers
            .iter()
            .filter(|(s, _)| *s == StatusCode::CREATED)
            .count(),
        1
    );
}
both!(
    idempotency,
    the_same_idempotency_key_and_body_give_the_same_result
);

async fn concurrent_duplicate_creates_yield_exactly_one_record(app: &TestApp) {
    let body = senior(4, "110105013000");
    let answers = join_all((0..10).map(|_| app.post("/v1/seniors", &body))).await;
    let created = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    let conflicts = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, conflicts), (1, 9), "{answers:?}");
    let (_, page) = app.get("/v1/seniors").await;
    assert_eq!(page["seniors"].as_array().unwrap().len(), 1);
    // A different external id with the same identity document is the same senior too.
    let mut same_person = body.clone();
    same_person["externalIds"] = json!([{"participant": "bj-elder-portal", "id": "LNR-other"}]);
    let (status, problem) = app.post("/v1/seniors", &same_person).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
}
both!(
    concurrent_duplicates,
    concurrent_duplicate_creates_yield_exactly_one_record
);

async fn lists_page_through_everything_once(app: &TestApp) {
    let items: Vec<Value> = (0..45).map(|n| senior(100 + n, "110105013000")).collect();
    let (status, _) = app
        .post("/v1/seniors:batchCreate", &json!({"seniors": items}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &token {
            Some(t) => format!("/v1/seniors?pageToken={t}"),
            None => "/v1/seniors".to_owned(),
        };
        let (status, page) = app.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        pages += 1;
        seen.extend(
            page["seniors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].as_str().unwrap().to_owned()),
        );
        match page.get("nextPageToken").and_then(Value::as_str) {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 45);
    // A set: a senior on two pages is rarely next to itself in `seen`.
    let paged: BTreeSet<&str> = seen.iter().map(String::as_str).collect();
    assert_eq!(paged.len(), 45, "no senior twice: {seen:?}");
    let (_, page) = app.get("/v1/seniors?pageSize=500").await;
    assert_eq!(
        page["seniors"].as_array().unwrap().len(),
        45,
        "pageSize is capped at 200, not refused"
    );
    let everyone: BTreeSet<&str> = page["seniors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(paged, everyone, "the pages hold every senior");
    let (_, first) = app.get("/v1/seniors?pageSize=10").await;
    let token = first["nextPageToken"].as_str().unwrap();
    let (status, problem) = app
        .get(&format!(
            "/v1/seniors?pageSize=10&status=ACTIVE&pageToken={token}"
        ))
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a token belongs to its query: {problem}"
    );
    let (status, _) = app.get("/v1/seniors?pageToken=not-a-token").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
both!(list_pagination, lists_page_through_everything_once);

async fn seniors_filter_by_division_and_status(app: &TestApp) {
    let mut inactive = senior(11, "110105014000");
    inactive["status"] = "INACTIVE".into();
    for body in [
        senior(10, "110105013000"),
        inactive,
        senior(12, "110101001000"),
        senior(13, "110105013002"),
    ] {
        let (status, created) = app.post("/v1/seniors", &body).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
    }
    let names = |page: &Value| -> Vec<String> {
        let mut ids: Vec<String> = page["seniors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["externalIds"][0]["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    let (_, page) = app.get("/v1/seniors?division=110105000000").await;
    assert_eq!(names(&page), ["LNR-000010", "LNR-000011", "LNR-000013"]);
    let (_, page) = app.get("/v1/seniors?division=110105013000").await;
    assert_eq!(names(&page), ["LNR-000010", "LNR-000013"]);
    let (_, page) = app
        .get("/v1/seniors?division=110105000000&status=INACTIVE")
        .await;
    assert_eq!(names(&page), ["LNR-000011"]);
    let (status, problem) = app.get("/v1/seniors?division=1101").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["violations"][0]["path"], "/division");
}
both!(senior_filters, seniors_filter_by_division_and_status);

async fn batches_report_each_item_and_keep_the_good_ones(app: &TestApp) {
    let mut bad = senior(21, "110105013000");
    bad["gender"] = "MALE".into();
    let duplicate = senior(20, "110105013000");
    let (status, body) = app
        .post("/v1/seniors:batchCreate", &json!({"seniors": [senior(20, "110105013000"), bad, duplicate, senior(22, "110105013000")]}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    assert!(results[0]["id"].as_str().unwrap().starts_with("sen_"));
    assert_eq!(results[1]["violations"][0]["rule"], "id-card-gender");
    assert_eq!(results[1]["violations"][0]["path"], "/gender");
    assert_eq!(
        results[2]["error"]["type"],
        "https://schemas.jiayang.local/problems/already-exists"
    );
    assert!(results[3]["id"].as_str().unwrap().starts_with("sen_"));
    let (_, page) = app.get("/v1/seniors").await;
    assert_eq!(page["seniors"].as_array().unwrap().len(), 2);

    let too_many: Vec<Value> = (0..5001).map(|_| json!({})).collect();
    let (status, problem) = app
        .post("/v1/seniors:batchCreate", &json!({"seniors": too_many}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["violations"][0]["rule"], "max-items");
}
both!(
    batch_create,
    batches_report_each_item_and_keep_the_good_ones
);

async fn seniors_are_found_by_external_id_and_by_identity_number_in_the_body(app: &TestApp) {
    let body = senior(30, "110105013000");
    let (_, created) = app.post("/v1/seniors", &body).await;
    let (status, found) = app
        .post(
            "/v1/seniors:lookup",
            &json!({"externalId": {"participant": "bj-elder-portal", "id": "LNR-000030"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["id"], created["id"]);
    let number = body["identityDocument"]["number"].clone();
    let (status, found) = app
        .post("/v1/seniors:lookup", &json!({"identityNumber": number}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["id"], created["id"]);
    let (status, _) = app
        .post(
            "/v1/seniors:lookup",
            &json!({"identityNumber": "11010519440308002X"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.post("/v1/seniors:lookup", &json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
both!(
    lookup,
    seniors_are_found_by_external_id_and_by_identity_number_in_the_body
);

/// Nothing about the person but what lists filter on reaches the database in clear text
/// — names, birth dates, numbers, addresses and their points, assessments, guardians —
/// whatever the path of the write (plain, idempotent, batch, update).
async fn profiles_are_encrypted_at_rest(app: &TestApp) {
    let body = fixture("senior", "design-example.json");
    let (status, created) = send(
        app.request(Method::POST, "/v1/seniors")
            .header("idempotency-key", "pii-1")
            .json(&body),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, again) = send(
        app.request(Method::POST, "/v1/seniors")
            .header("idempotency-key", "pii-1")
            .json(&body),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        again["identityDocument"]["number"], "110105194403080027",
        "a replay shows the sealed numbers"
    );
    let mut changed = body.clone();
    changed["phone"] = "13700137000".into();
    let (status, _) = app
        .put(
            &format!("/v1/seniors/{}", created["id"].as_str().unwrap()),
            1,
            &changed,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .post(
            "/v1/seniors:batchCreate",
            &json!({"seniors": [senior(1, "110105013000")]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let batch_number = senior(1, "110105013000")["identityDocument"]["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let bytes = crate::common::database_contents(app).await;
    let id = created["id"].as_str().unwrap();
    assert!(
        bytes.windows(id.len()).any(|w| w == id.as_bytes()),
        "the dump holds the registrations"
    );
    for secret in [
        "110105194403080027",
        "13800138000",
        "13700137000",
        "13900139000",
        batch_number.as_str(),
        "王秀英",
        "1944-03-08",
        "团结湖北里",
        "39.9247",
        "朝阳区老年人能力评估中心",
        "张伟",
        "LIVING_ALONE",
        "selfCare",
    ] {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{secret} is in the database"
        );
    }
}
both!(encrypted_at_rest, profiles_are_encrypted_at_rest);

/// Two updates from the same version: exactly one wins.
async fn concurrent_updates_from_one_version_cannot_both_win(app: &TestApp) {
    let (_, created) = app.post("/v1/seniors", &senior(40, "110105013000")).await;
    let path = format!("/v1/seniors/{}", created["id"].as_str().unwrap());
    let updates = (0..6).map(|i| {
        let mut changed = senior(40, "110105013000");
        changed["name"] = format!("王秀英{i}").into();
        changed
    });
    let bodies: Vec<Value> = updates.collect();
    let answers = join_all(bodies.iter().map(|b| app.put(&path, 1, b))).await;
    let won = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    let lost = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::PRECONDITION_FAILED)
        .count();
    assert_eq!((won, lost), (1, 5), "{answers:?}");
    let (_, now) = app.get(&path).await;
    assert_eq!(now["version"], 2);
}
both!(
    concurrent_updates,
    concurrent_updates_from_one_version_cannot_both_win
);

async fn unknown_routes_and_bad_queries_are_problems(app: &TestApp) {
    let (status, problem) = app.get("/v1/no-such-resource").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        problem["type"],
        "https://schemas.jiayang.local/problems/unknown-route"
    );
    let (status, problem) = app.get("/v1/seniors?pageSize=abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(
        problem["type"],
        "https://schemas.jiayang.local/problems/invalid-request"
    );
    let (status, problem) = app.get("/v1/seniors?pageSize=-1").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["violations"][0]["path"], "/pageSize");
    let (status, problem) = app
        .post(
            "/v1/seniors:lookup",
            &json!({"identityNumber": 110105194403080027u64}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        !problem.to_string().contains("110105194403080027"),
        "errors never echo an identity number: {problem}"
    );
}
both!(unknown_routes, unknown_routes_and_bad_queries_are_problems);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_over_the_limit_are_refused_without_being_read_whole() {
    let app = TestApp::sqlite().await;
    let filler = "x".repeat(jiayang_api::BODY_LIMIT + 1);
    let (status, problem) = send(
        app.request(Method::POST, "/v1/seniors:batchCreate")
            .header("content-type", "application/json")
            .body(format!("{{\"seniors\": [], \"pad\": \"{filler}\"}}")),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{problem}");
    assert_eq!(
        problem["type"],
        "https://schemas.jiayang.local/problems/payload-too-large"
    );
    app.stop().await;
}

/// A participant has at most four batches being written at once on a node (issue 16): a
/// fifth is refused with 429 before its body is read — REST and native alike — while
/// other participants go on; once one ends, the next is taken. About the protocol and
/// the node's memory, not the database: SQLite only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_participant_has_at_most_four_batches_open_at_once() {
    use tokio::io::AsyncWriteExt;

    let app = TestApp::sqlite().await;
    let connector = crate::tls::connector(&app.data_dir, b"http/1.1");
    // Each sends its head and the start of a body that never ends: its batch is open.
    let hold = || async {
        let mut stream = crate::tls::connect(app.addr.port(), &connector).await;
        let head = format!(
            "POST /v1/seniors:batchCreate HTTP/1.1\r\nhost: localhost\r\n\
             authorization: Bearer {}\r\ncontent-type: application/json\r\n\
             content-length: 1000\r\n\r\n{{\"seniors\": [",
            app.token
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.flush().await.unwrap();
        stream
    };
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(hold().await);
    }
    let batch = json!({"seniors": [senior(1, "110105013000")]});
    let post = |token: &str| {
        send(
            app.request_as(token, Method::POST, "/v1/seniors:batchCreate")
                .json(&batch),
        )
    };
    // The held heads reach the gateway on their own time: ask until they have.
    let mut refused = None;
    for _ in 0..50 {
        let (status, problem) = post(&app.token).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(problem);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let problem = refused.expect("a fifth batch is refused");
    assert_eq!(
        problem["type"],
        "https://schemas.jiayang.local/problems/resource-exhausted"
    );
    assert!(
        problem["title"]
            .as_str()
            .unwrap()
            .contains("最多进行 4 个批量写入"),
        "{problem}"
    );
    let (status, _) = send(
        app.request(Method::POST, "/v1/native/elder-portal/senior")
            .body("{}"),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "native imports are batches too"
    );

    let station = app
        .participant(
            "cy-station",
            jiayang_domain::ParticipantKind::CommunityStation,
        )
        .await;
    let (status, answer) = send(
        app.request_as(&station, Method::POST, "/v1/seniors:batchCreate")
            .json(&json!({"seniors": [crate::common::senior_of("cy-station", 2, "110105013000")]})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "another participant goes on: {answer}"
    );

    drop(held.pop());
    let mut taken = false;
    for _ in 0..50 {
        let (status, _) = post(&app.token).await;
        if status == StatusCode::OK {
            taken = true;
            break;
        }
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(taken, "a closed batch frees its slot");
    drop(held);
    app.stop().await;
}
