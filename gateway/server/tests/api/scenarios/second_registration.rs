//! Registering never tells whether someone else holds the senior: a community station's
//! registrations of people the portal already holds are answered exactly as its
//! registrations of people no one holds — the same status, the same headers, a body of
//! the same shape holding only what the station sent, the registration's own times, and
//! no difference in time beyond the noise of the requests themselves.

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use jiayang_domain::ParticipantKind;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::{
    both,
    common::{TestApp, senior, senior_of},
};

const STATION: &str = "cy-tjh-station";

/// Pairs of registrations compared: one of a held senior, one of a new one.
const PAIRS: u32 = 30;

/// Headers whose values differ from one answer to the next whatever was registered.
const PER_REQUEST: [&str; 4] = ["date", "x-request-id", "location", "content-length"];

/// What a client sees of one answer.
struct Answer {
    status: StatusCode,
    headers: BTreeMap<String, String>,
    body: Value,
    took: Duration,
}

/// A document's shape: its names, nested, with every leaf replaced by its JSON type.
fn shape(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), shape(v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(shape).collect()),
        Value::String(_) => "string".into(),
        Value::Number(_) => "number".into(),
        Value::Bool(_) => "bool".into(),
        Value::Null => Value::Null,
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

async fn register(app: &TestApp, token: &str, document: &Value) -> Answer {
    let started = Instant::now();
    let response = app
        .request_as(token, Method::POST, "/v1/seniors")
        .json(document)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.to_string(),
                value.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let body: Value = response.json().await.unwrap();
    Answer {
        status,
        headers,
        body,
        took: started.elapsed(),
    }
}

async fn a_second_registration_is_answered_as_a_first(app: &TestApp) {
    let station = app
        .participant(STATION, ParticipantKind::CommunityStation)
        .await;
    let (first, second) = pairs(app, &station, 100).await;

    let reference = &first[0].0;
    for (answer, sent) in first.iter().chain(&second) {
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        assert_eq!(
            answer.headers.keys().collect::<Vec<_>>(),
            reference.headers.keys().collect::<Vec<_>>()
        );
        for (name, value) in &answer.headers {
            if !PER_REQUEST.contains(&name.as_str()) {
                assert_eq!(value, &reference.headers[name], "{name}");
            }
        }
        assert_eq!(shape(&answer.body), shape(&reference.body));
        // Only what the station sent, and what the gateway sets of its own registration.
        let mut body = answer.body.clone();
        let set: Vec<Value> = ["id", "version", "createdAt", "updatedAt", "holder"]
            .iter()
            .map(|key| body.as_object_mut().unwrap().remove(*key).unwrap())
            .collect();
        assert_eq!(&body, sent);
        assert_eq!(set[1], 1);
        assert_eq!(
            set[2], set[3],
            "created and updated together: {}",
            answer.body
        );
        assert_eq!(set[4], STATION);
    }
    // A held senior's registration is as new as any: its times are the station's.
    let newest_portal = {
        let (_, page) = app.get("/v1/seniors?pageSize=200").await;
        page["seniors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["createdAt"].as_str().unwrap().to_owned())
            .max()
            .unwrap()
    };
    for (answer, _) in &second {
        assert!(answer.body["createdAt"].as_str().unwrap() > newest_portal.as_str());
    }

    // Timing, compared pair by pair (each pair's two answers were a moment apart, so
    // load from other tests falls on both). A real difference shows in every round; a
    // burst of load in one round does not repeat, so a second round settles it.
    let mut apart = timing(&first, &second);
    if apart.is_some() {
        let (first, second) = pairs(app, &station, 300).await;
        apart = timing(&first, &second);
    }
    if let Some(apart) = apart {
        panic!("{apart}");
    }
}

type Registrations = Vec<(Answer, Value)>;

/// The station registers `PAIRS` seniors the portal holds and as many no one holds,
/// alternating which goes first so that whatever else the machine does falls on both.
async fn pairs(app: &TestApp, station: &str, from: u32) -> (Registrations, Registrations) {
    for n in 0..PAIRS {
        let (status, body) = app
            .post("/v1/seniors", &senior(from + n, "110105013000"))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (mut first, mut second) = (Vec::new(), Vec::new());
    for n in 0..PAIRS {
        let held = senior_of(STATION, from + n, "110105013000");
        let new = senior_of(STATION, from + PAIRS + n, "110105013000");
        if n % 2 == 0 {
            second.push((register(app, station, &held).await, held));
            first.push((register(app, station, &new).await, new));
        } else {
            first.push((register(app, station, &new).await, new));
            second.push((register(app, station, &held).await, held));
        }
    }
    (first, second)
}

/// Why the answers to first and second registrations differ in time beyond noise, if
/// they do: the median of the pairs' differences against a quarter of the faster median.
fn timing(first: &Registrations, second: &Registrations) -> Option<String> {
    let mut differences: Vec<i128> = first
        .iter()
        .zip(second)
        .map(|((a, _), (b, _))| b.took.as_nanos() as i128 - a.took.as_nanos() as i128)
        .collect();
    differences.sort();
    // The two middle values' mean: pairs alternate which answer goes first, so an upper
    // median alone could read the effect of going first as a difference.
    let middle = differences.len() / 2;
    let typical = (differences[middle - 1] + differences[middle]) / 2;
    let apart = Duration::from_nanos(typical.unsigned_abs() as u64);
    let (first, second) = (
        median(first.iter().map(|(a, _)| a.took).collect()),
        median(second.iter().map(|(a, _)| a.took).collect()),
    );
    let noise = first.min(second) / 4 + Duration::from_millis(1);
    (apart > noise).then(|| {
        format!(
            "median answer to a first registration {first:?}, to a second {second:?}; \
             pairs differ by {apart:?} in the median, more than {noise:?}"
        )
    })
}
both!(
    second_registration,
    a_second_registration_is_answered_as_a_first
);
